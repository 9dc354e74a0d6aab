// The console browser files' common stage (session 66 tidy): a private PostgreSQL, nats-server and the console
// (console-env.ts's `startConsoleEnv`) and the run's chromium, started together before the file's tests, every
// browser context made through the stage closed after them, then chromium's connection, then the console's stage.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { COUNTING_AUDIO } from '../support/screen.js';
import { logInAt, missingForConsole, startConsoleEnv, type ConsoleEnv } from './console-env.js';

const WAIT = { timeout: 20_000, interval: 20 };

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
  /**
   * The alerts page in a new context (the one this made before closed), logged in at `url` (the console's own by
   * default), live, its sound turned on, its AudioContext counting tones (`countedTones`, test/support/screen.ts);
   * `pageClock`: the page's clock installed before it loads, for the test to move on (`page.clock.fastForward`).
   */
  consoleWithSound(url?: string, options?: { pageClock?: boolean }): Promise<Page>;
}

/** Registers the stage's hooks in the calling file (or describe); its fields are there from its first test on. */
export function centreConsoleInChromium(): ConsoleInChromium {
  const contexts: BrowserContext[] = [];
  let withSound: BrowserContext | undefined;
  const stage: Partial<ConsoleInChromium> = {
    async newContext(options) {
      const context = await stage.browser!.newContext(options);
      contexts.push(context);
      return context;
    },
    async consoleWithSound(url = stage.env!.url, options = {}) {
      await withSound?.close();
      withSound = await stage.newContext!({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
      await withSound.addInitScript(COUNTING_AUDIO);
      if (options.pageClock) await withSound.clock.install();
      const page = await withSound.newPage();
      await logInAt(page, { url });
      await page.getByText('Live: connected').waitFor(WAIT);
      await page.getByRole('button', { name: 'Sound for urgent alerts: off' }).click();
      await page.locator('#sound[aria-pressed="true"]').waitFor(WAIT);
      return page;
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
