// Review, session 69: the console's sound. It sounded only for a critical alert (a pendant, a wearable fall, smoke),
// once, for about a second. The collapse the rules find by silence (possible fall, inactivity) is a high alert, and it
// came in without a sound; and a responder out of the room for that one second came back to a silent screen with the
// call waiting and the ladder escalating. Now a high alert has its own sound (two lower tones), and while an urgent
// alert nobody has acknowledged is open, the console sounds again every 30 s; acknowledging stops it. Debian's
// chromium on the real dashboard (real SQLite file, real alert service); the page's AudioContext replaced by one that
// counts the tones it is asked to play, and the page's clock moved on by the test instead of waiting.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { countedTones } from '../support/screen.js';
import { consoleWithSound, dashboardInChromium } from './in-chromium.js';
import { raiseAlert } from './support.js';

const haveChromium = chromiumAvailable('the console sounding high alerts and again until taken');
const clock = new FakeClock(Date.UTC(2026, 11, 7, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock });
/** dashboard/public/alert-cards.js REMIND_EVERY_MS. */
const REMIND_EVERY_MS = 30_000;
const SILENCE = { silenceMinutes: 52, thresholdMinutes: 45, thresholdSource: 'cold-start', lastRoom: 'hall' };

describe.skipIf(!haveChromium)('the console, urgent alerts heard', () => {
  it('a possible fall sounds two tones of its own; a low battery none', async () => {
    const page = await consoleWithSound(stage);
    const fall = raiseAlert(stage.dashboard.alerts, clock, {
      kind: 'possible-fall',
      severity: 'high',
      homeId: 'h1',
      room: 'hall',
      detail: SILENCE,
    });
    await page.locator(`#alert-${fall.id}`).waitFor();
    // Before: 0 (only a critical alert made a sound).
    await expect.poll(() => countedTones(page), { timeout: 15_000 }).toBe(2);
    const battery = raiseAlert(stage.dashboard.alerts, clock, { kind: 'low-battery', severity: 'low', homeId: 'h2' });
    await page.locator(`#alert-${battery.id}`).waitFor();
    expect(await countedTones(page)).toBe(2);
    expect(stage.dashboard.alerts.acknowledge(fall.id, 'sam')).toMatchObject({ ok: true });
    await page.locator(`#alert-${fall.id}[data-state="acknowledged"]`).waitFor();
    await page.context().close();
  });

  it('sounds again every 30 s while nobody has taken the call, the worst first, and stops once acknowledged', async () => {
    const page = await consoleWithSound(stage, { pageClock: true });
    const press = raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h3', detail: { deviceId: 'p3' } });
    const card = page.locator(`#alert-${press.id}`);
    await card.waitFor();
    await expect.poll(() => countedTones(page), { timeout: 15_000 }).toBe(3);
    // Before: still 3 however long it rang unanswered.
    await page.clock.fastForward(REMIND_EVERY_MS);
    await expect.poll(() => countedTones(page), { timeout: 15_000 }).toBe(6);

    const silence = raiseAlert(stage.dashboard.alerts, clock, {
      kind: 'inactivity',
      severity: 'high',
      homeId: 'h4',
      detail: SILENCE,
    });
    await page.locator(`#alert-${silence.id}`).waitFor();
    await expect.poll(() => countedTones(page), { timeout: 15_000 }).toBe(8);
    // Both unanswered: the critical one's three tones, not both.
    await page.clock.fastForward(REMIND_EVERY_MS);
    await expect.poll(() => countedTones(page), { timeout: 15_000 }).toBe(11);

    expect(stage.dashboard.alerts.acknowledge(press.id, 'sam')).toMatchObject({ ok: true });
    await card.locator('xpath=self::*[@data-state="acknowledged"]').waitFor();
    // The high one is still waiting: its two tones.
    await page.clock.fastForward(REMIND_EVERY_MS);
    await expect.poll(() => countedTones(page), { timeout: 15_000 }).toBe(13);

    expect(stage.dashboard.alerts.acknowledge(silence.id, 'sam')).toMatchObject({ ok: true });
    await page.locator(`#alert-${silence.id}[data-state="acknowledged"]`).waitFor();
    await page.clock.fastForward(3 * REMIND_EVERY_MS);
    // A tick of the page's own that runs after the reminders would have: the count read after it.
    await page.evaluate(() => new Promise((done) => setTimeout(done, 0)));
    expect(await countedTones(page)).toBe(13);
    await page.context().close();
  });
});
