// Review, session 50: the centre's console, listing the open alerts afresh after its LISTEN connection was lost, took
// off the screen an alert a hub resolved meanwhile, and did not put it in "Recently closed" with how it was closed: it
// vanished (the hub console's twin, test/dashboard/review-s50-reconnect-closed). Real PostgreSQL, Debian's chromium.
import { beforeAll, describe, it } from 'vitest';
import { createOperator } from '../../central/console/index.js';
import { cutListen, hubAlert, storeAlert, logInAt } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the console reconnect (closed meanwhile) test');

const WAIT = { timeout: 30_000 };
const PASSWORD = 'a-long-password-1';

describe.skipIf(!runnable)('the centre console listing afresh', () => {
  const stage = centreConsoleInChromium();

  beforeAll(async () => {
    await createOperator(stage.env.pool, { username: 'olive', role: 'operator', password: PASSWORD });
  });

  it('shows an alert resolved while it was not listening in "Recently closed"', async () => {
    const page = await stage.browser.newPage();
    await logInAt(page, stage.env, 'olive', PASSWORD);
    await page.getByText('Live: connected').waitFor(WAIT);
    await storeAlert(stage.env.pool, 'hub-c', hubAlert('gone'));
    await page.locator('li[data-key="hub-c gone"]').waitFor(WAIT);

    // The console's LISTEN connection is lost; the hub's responder resolves the alert before it listens again.
    await cutListen(stage.env.pool);
    await storeAlert(
      stage.env.pool,
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
