// The console browser files' common stage (session 66 tidy): a private PostgreSQL, nats-server and the console
// (console-env.ts's `startConsoleEnv`) and the run's chromium, started together before the file's tests, every
// browser context made through the stage closed after them, then chromium's connection, then the console's stage.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { missingForConsole, startConsoleEnv, type ConsoleEnv } from './console-env.js';

/** Whether the console and chromium are here; warns, naming `what` is skipped and why, when they are not. */
export function consoleInChromiumRunnable(what: string): boolean {
  const missing = missingForConsole();
  if (missing) console.warn(`skipping ${what}: ${missing}`);
  return missing === undefined && chromiumAvailable(what);
}

export interface ConsoleInChromium {
  env: ConsoleEnv;
  browser: Browser;
  /** `browser.newContext(options)`, the context closed (if still open) after the file's tests. */
  newContext(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
}

/** Registers the stage's hooks in the calling file (or describe); its fields are there from its first test on. */
export function centreConsoleInChromium(): ConsoleInChromium {
  const contexts: BrowserContext[] = [];
  const stage: Partial<ConsoleInChromium> = {
    async newContext(options) {
      const context = await stage.browser!.newContext(options);
      contexts.push(context);
      return context;
    },
  };
  beforeAll(async () => {
    [stage.env, stage.browser] = await Promise.all([startConsoleEnv(), launchChromium()]);
  });
  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await stage.browser?.close();
    await stage.env?.stop();
  });
  return stage as ConsoleInChromium;
}
