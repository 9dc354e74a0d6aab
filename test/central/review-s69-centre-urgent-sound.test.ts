// Review, session 69: the centre's console sounds as the hubs' do (dashboard/public/alert-cards.js, shared). A high
// alert from a hub (a possible fall, a resident silent past the learned normal) came in without a sound, and a call
// nobody took sounded once and then waited in silence. Now a high alert has its own two tones and any urgent alert
// nobody has acknowledged sounds again every 30 s. Debian's chromium, the real console and PostgreSQL, alert versions
// stored as the workers store them; the page's AudioContext counts the tones it is asked to play, and the page's
// clock is moved on by the test.
import { describe, expect, it } from 'vitest';
import { countedTones } from '../support/screen.js';
import { hubAlert, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable("the centre's console sounding high alerts until taken");
const WAIT = { timeout: 15_000, interval: 20 };
/** dashboard/public/alert-cards.js REMIND_EVERY_MS. */
const REMIND_EVERY_MS = 30_000;

describe.skipIf(!runnable)("review s69: the centre's console hears urgent alerts", () => {
  const stage = centreConsoleInChromium();

  it('sounds a silence from a hub, again while nobody takes it, and stops once an operator has', async () => {
    await storeHub(stage.env.pool, 'hub-9', { status: 'online', lastSeenAt: new Date() });
    const page = await stage.consoleWithSound(undefined, { pageClock: true });
    const at = new Date().toISOString();
    // hubAlert's own: an inactivity alert, high.
    const silence = hubAlert('s1', { raisedAt: at, lastSeenAt: at });
    await storeAlert(stage.env.pool, 'hub-9', silence);
    const card = page.locator('li[data-hub="hub-9"][data-alert="s1"]');
    await card.waitFor(WAIT);
    // Before: 0, and still 0 after the wait.
    await expect.poll(() => countedTones(page), WAIT).toBe(2);
    await page.clock.fastForward(REMIND_EVERY_MS);
    await expect.poll(() => countedTones(page), WAIT).toBe(4);

    const taken = { ...silence, state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: 'centre:ann', version: 2 };
    await storeAlert(stage.env.pool, 'hub-9', taken);
    await expect.poll(() => card.innerText(), WAIT).toMatch(/acknowledged/i);
    await page.clock.fastForward(3 * REMIND_EVERY_MS);
    await page.evaluate(() => new Promise((done) => setTimeout(done, 0)));
    expect(await countedTones(page)).toBe(4);
  });
});
