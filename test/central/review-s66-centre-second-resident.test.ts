// Review, session 66: at the alarm centre, a couple's flat, the first resident's pendant alert ringing, the second
// resident presses too. The hub merges the press into the open alert (one per home and kind, SPEC 5), naming the second
// pendant in `otherDevices`, and sends the version on at once; the centre's console said nothing and played nothing
// (it sounds only for a card it has not seen, or pressed again after an acknowledgement), so the second person needing
// help was a line of small print. A high or critical card that names a device it did not name before is now said and,
// critical with the sound on, sounded (`newlyNamed`, shared with the hub's console). Debian's chromium, the real
// console and PostgreSQL; alert versions stored as the workers store them; the page's AudioContext replaced by one that
// counts the tones it is asked to play.
import { describe, expect, it } from 'vitest';
import { countedTones } from '../support/screen.js';
import { hubAlert, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the centre second-resident test');

const WAIT = { timeout: 15_000, interval: 20 };

describe.skipIf(!runnable)("review s66: the centre's console and a second resident's press", () => {
  const stage = centreConsoleInChromium();

  it('says and sounds the second pendant while the first call rings; the first pressed again stays quiet', async () => {
    await storeHub(stage.env.pool, 'hub-7', { status: 'online', lastSeenAt: new Date() });
    const page = await stage.consoleWithSound();
    const at = new Date().toISOString();
    const press = {
      kind: 'pendant',
      severity: 'critical',
      raisedAt: at,
      lastSeenAt: at,
      room: 'living',
      detail: { eventType: 'pendant', deviceId: 'p1', eventAt: at },
    };
    await storeAlert(stage.env.pool, 'hub-7', hubAlert('a1', press));
    const card = page.locator('li[data-hub="hub-7"][data-alert="a1"]');
    await card.waitFor(WAIT);
    await expect.poll(() => countedTones(page), WAIT).toBe(3);

    // The same pendant again, still ringing: nothing said, nothing played (the ladder calls in time).
    await storeAlert(stage.env.pool, 'hub-7', hubAlert('a1', { ...press, count: 2, version: 2 }));
    await expect.poll(() => card.innerText(), WAIT).toMatch(/2 times/);
    expect(await countedTones(page)).toBe(3);

    // The second resident's pendant merged into it.
    const other = { deviceId: 'p2', residentId: 'r2', room: 'bedroom', eventType: 'pendant', eventAt: at };
    await storeAlert(
      stage.env.pool,
      'hub-7',
      hubAlert('a1', { ...press, count: 3, version: 3, detail: { ...press.detail, otherDevices: [other] } }),
    );
    // Before the fix: nothing said, 3 tones.
    await page.locator('#announcer', { hasText: 'also p2' }).waitFor(WAIT);
    expect(await page.locator('#announcer').textContent()).toBe('Critical alert: Pendant at hub hub-7, also p2');
    await expect.poll(() => countedTones(page), WAIT).toBe(6);
  });
});
