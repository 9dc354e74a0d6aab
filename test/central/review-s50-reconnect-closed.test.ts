// Review, session 50: the centre's console, listing the open alerts afresh after its LISTEN connection was lost, took
// off the screen an alert a hub resolved meanwhile, and did not put it in "Recently closed" with how it was closed: it
// vanished (the hub console's twin, test/dashboard/review-s50-reconnect-closed). Real PostgreSQL, Debian's chromium.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createOperator } from '../../central/console/index.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { hubAlert, missingForConsole, startConsoleEnv, storeAlert, type ConsoleEnv, logInAt } from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the console reconnect (closed meanwhile) test: ${missing}`);
const runnable = missing === undefined && chromiumAvailable('the console reconnect (closed meanwhile) test');

const WAIT = { timeout: 30_000 };
const PASSWORD = 'a-long-password-1';

describe.skipIf(!runnable)('the centre console listing afresh', () => {
  let env: ConsoleEnv;
  let browser: Browser;

  beforeAll(async () => {
    [env, browser] = await Promise.all([startConsoleEnv(), launchChromium()]);
    await createOperator(env.pool, { username: 'olive', role: 'operator', password: PASSWORD });
  });

  afterAll(async () => {
    await browser?.close();
    await env?.stop();
  });

  it('shows an alert resolved while it was not listening in "Recently closed"', async () => {
    const page = await browser.newPage();
    await logInAt(page, env, 'olive', PASSWORD);
    await page.getByText('Live: connected').waitFor(WAIT);
    await storeAlert(env.pool, 'hub-c', hubAlert('gone'));
    await page.locator('li[data-key="hub-c gone"]').waitFor(WAIT);

    // The console's LISTEN connection is lost; the hub's responder resolves the alert before it listens again.
    await env.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'`);
    await storeAlert(
      env.pool,
      'hub-c',
      hubAlert('gone', {
        state: 'resolved',
        resolvedAt: '2026-11-30T03:20:00.000Z',
        outcome: 'carer-visit',
        note: 'Fell asleep in the chair',
        version: 2,
      }),
    );
    // Listed afresh without it: off the open list, and in "Recently closed" with how it was closed.
    await page.locator('#closed li[data-key="hub-c gone"]').waitFor(WAIT);
  });
});
