// Review, session 66: a couple's flat, the first resident's pendant alert ringing on the console, the second resident
// presses too. The hub merges the press into the open alert (one per home and kind, SPEC 5), naming the second pendant
// in `otherDevices`, and now sends it to the groups at once (docs/alerts.md, session 66). The console said nothing and
// played nothing: it sounds only for an alert it has not seen, or pressed again after an acknowledgement, so the
// second person needing help was only "also p2 (bedroom)" in a card's small print. A high or critical alert that names
// a device it did not name before is now said and, critical with the sound on, sounded. Debian's chromium on the real
// dashboard; the page's AudioContext replaced by one that counts the tones it is asked to play.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { countedTones } from '../support/screen.js';
import { consoleWithSound, dashboardInChromium } from './in-chromium.js';
import { cannedAnalytics, raiseAlert } from './support.js';

const haveChromium = chromiumAvailable('the console on a second resident pressing');
const clock = new FakeClock(Date.UTC(2026, 11, 7, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock, analytics: cannedAnalytics() });

/** A press of pendant `deviceId` worn by `residentId` in home h1, through the alert service. */
function press(deviceId: string, residentId: string) {
  return stage.dashboard.alerts.apply({
    type: 'raise',
    homeId: 'h1',
    residentId,
    kind: 'pendant',
    severity: 'critical',
    at: clock.now(),
    room: 'living',
    deviceId,
    detail: { eventType: 'pendant', source: 'mqtt' },
  });
}

describe.skipIf(!haveChromium)('the console, a second resident pressing while the first call rings', () => {
  it('sounds and says the second pendant; the first pressed again while ringing stays quiet', async () => {
    const page = await consoleWithSound(stage);
    const first = press('p1', 'r1')!;
    const card = page.locator(`#alert-${first.id}`);
    await card.locator('xpath=self::*[@data-state="raised"]').waitFor();
    expect(await countedTones(page)).toBe(3);

    clock.advanceBy(5_000);
    press('p1', 'r1');
    await card.getByText('Seen 2 times').waitFor();
    expect(await countedTones(page)).toBe(3);

    clock.advanceBy(5_000);
    press('p2', 'r2');
    await card.getByText('Seen 3 times').waitFor();
    // Before the fix: 3 (nothing played), nothing said.
    await page.locator('#announcer', { hasText: 'also p2' }).waitFor();
    expect(await page.locator('#announcer').textContent()).toBe('Critical alert: Pendant at h1, also p2');
    expect(await countedTones(page)).toBe(6);
    await page.context().close();
  });

  it('a silence told on an acknowledged fall (docs/alerts.md, session 66) is said and sounded as a repeat', async () => {
    const page = await consoleWithSound(stage);
    clock.advanceBy(60_000);
    const fall = raiseAlert(stage.dashboard.alerts, clock, { kind: 'fall', severity: 'critical', homeId: 'h2' });
    const card = page.locator(`#alert-${fall.id}`);
    await card.waitFor();
    expect(stage.dashboard.alerts.acknowledge(fall.id, 'sam')).toMatchObject({ ok: true });
    await card.locator('xpath=self::*[@data-state="acknowledged"]').waitFor();
    expect(await countedTones(page)).toBe(3);
    clock.advanceBy(45 * 60_000);
    stage.dashboard.alerts.apply({
      type: 'raise',
      homeId: 'h2',
      residentId: 'r1',
      kind: 'possible-fall',
      severity: 'high',
      at: clock.now(),
      room: 'hall',
      detail: { silenceMinutes: 45, thresholdMinutes: 45, thresholdSource: 'cold-start', lastRoom: 'hall' },
    });
    await card.getByText('then no movement: possible fall called').waitFor();
    await page.locator('#announcer', { hasText: 'again' }).waitFor();
    expect(await page.locator('#announcer').textContent()).toBe(
      'Critical alert again: Fall at h2, seen 2 times, acknowledged by sam',
    );
    expect(await countedTones(page)).toBe(6);
    await page.context().close();
  });

  it('found right: a critical alert of another kind in the same flat is a card and a sound of its own', async () => {
    const page = await consoleWithSound(stage);
    clock.advanceBy(60_000);
    const smoke = raiseAlert(stage.dashboard.alerts, clock, { kind: 'smoke', severity: 'critical', room: 'kitchen' });
    await page.locator(`#alert-${smoke.id}`).waitFor();
    expect(await countedTones(page)).toBe(3);
    await page.context().close();
  });
});
