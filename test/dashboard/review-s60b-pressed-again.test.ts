// Review, session 60 (round 2): a pendant alert acknowledged (a responder took the call) and pressed again. The hub
// treats that as news (session 50: the groups get a webhook), but the responder console said nothing: no sound (it
// beeps only for an alert it had not seen), no announcement, only "Seen 2 times" in the card's small print. At 3 a.m.
// the resident still needing help went unnoticed on the screen. A repeat as serious as high of an acknowledged alert is
// now said on the console (and sounds, when critical and the sound is on). Debian's chromium on the real dashboard;
// the page's AudioContext replaced by one that counts the tones it is asked to play.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { countedTones } from '../support/screen.js';
import { consoleWithSound, dashboardInChromium } from './in-chromium.js';
import { cannedAnalytics, raiseAlert } from './support.js';

const haveChromium = chromiumAvailable('the console on a repeat after an acknowledgement');
const clock = new FakeClock(Date.UTC(2026, 11, 7, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock, analytics: cannedAnalytics() });

describe.skipIf(!haveChromium)('the console, a critical alert acknowledged and pressed again', () => {
  it('sounds and says it, as it did for the first press', async () => {
    const page = await consoleWithSound(stage);
    const first = raiseAlert(stage.dashboard.alerts, clock, { kind: 'pendant', severity: 'critical' });
    const card = page.locator(`#alert-${first.id}`);
    await card.locator('xpath=self::*[@data-state="raised"]').waitFor();
    expect(await countedTones(page)).toBe(3);

    expect(stage.dashboard.alerts.acknowledge(first.id, 'sam')).toMatchObject({ ok: true });
    await card.locator('xpath=self::*[@data-state="acknowledged"]').waitFor();
    expect(await countedTones(page)).toBe(3);

    clock.advanceBy(5 * 60_000);
    raiseAlert(stage.dashboard.alerts, clock, { kind: 'pendant', severity: 'critical' });
    await card.getByText('Seen 2 times').waitFor();
    // Before the fix: 3 (nothing played), and the announcer still said the first press.
    expect(await countedTones(page)).toBe(6);
    await page.locator('#announcer', { hasText: 'again' }).waitFor();
    expect(await page.locator('#announcer').textContent()).toBe(
      'Critical alert again: Pendant at h1, seen 2 times, acknowledged by sam',
    );
    await page.context().close();
  });
});
