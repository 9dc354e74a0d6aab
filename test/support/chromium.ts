// Debian's chromium for browser tests: whether it is here (tests skip with a clear message when not), and one way to start it.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether Debian's chromium is installed; warns, naming `what` is skipped, when it is not. */
export function chromiumAvailable(what: string): boolean {
  const found = fs.existsSync(CHROMIUM);
  if (!found) console.warn(`skipping ${what}: no ${CHROMIUM}`);
  return found;
}

/** Headless chromium without a sandbox (containers), a GPU or any background traffic of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
