// A pendant press, a fall or a detector's alarm that reached the hub late (a bridge flushing its buffer, a radio
// retrying, the hub not running) says on its card when it happened, not only when it was raised: a press made
// yesterday evening must not read as one made just now. Session 58: found in a demo whose day was published at once.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, home, MONDAY } from '../rules/factories.js';
import { USER_PASSWORD } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium, storeFirstRaise } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable("the late event's time on the card");

const NOW = MONDAY + 14 * HOUR_MS;
const clock = new FakeClock(NOW);

const screen = dashboardInChromium(haveChromium, { clock }, { responder: true });

const store = (h: Harness, kind: string): string => storeFirstRaise(screen, h, kind);

/** The card's "Happened …" part: its text and the event's time it names, or null when the card has none. */
async function lateEvent(page: Page, id: string): Promise<{ text: string; datetime: string | null } | null> {
  const card = page.locator(`#alert-${id}`);
  await card.waitFor();
  const late = card.locator('.meta .late-event');
  if ((await late.count()) === 0) return null;
  return { text: await late.innerText(), datetime: await late.locator('time').getAttribute('datetime') };
}

describe.skipIf(!haveChromium)('the card of an alert raised after its event', () => {
  it('says when a late press and a late smoke alarm happened; nothing for a press on time or a silence', async () => {
    // Pressed at 22:00 the evening before, reaching the hub 16 h later.
    const latePress = new Harness(home({ id: 'h1' }), NOW - 16 * HOUR_MS);
    latePress.at(0, 'pendant', 'pendant', true);
    const latePressId = store(latePress, 'pendant');
    // Smoke 5 min before it reached the hub.
    const lateSmoke = new Harness(home({ id: 'h2' }), NOW - 5 * MINUTE_MS);
    lateSmoke.at(0, 'smoke', 'smoke', true);
    const lateSmokeId = store(lateSmoke, 'smoke');
    // A press on time: raised the moment it was made.
    const onTime = new Harness(home({ id: 'h3' }), NOW);
    onTime.at(0, 'pendant', 'pendant', true);
    const onTimeId = store(onTime, 'pendant');
    // A silence called late (its eventAt is when it fell due, hours before): its card says how long it has lasted.
    const silence = new Harness(home({ id: 'h4' }), NOW - 10 * HOUR_MS);
    silence.at(0, 'kitchen-pir', 'motion', true);
    silence.at(1000, 'kitchen-pir', 'motion', false);
    silence.advanceBy(3 * HOUR_MS);
    const silenceId = store(silence, 'possible-fall');

    const page = await loggedInPage(screen.browser, screen.base, 390, 'sam', USER_PASSWORD);
    // Before: "h1 · living · Raised Mon 14:00 (…)" and nothing else: the press read as made just now.
    const press = await lateEvent(page, latePressId);
    expect(press?.text).toMatch(/^Happened /);
    expect(press?.datetime).toBe(new Date(NOW - 16 * HOUR_MS).toISOString());
    const smoke = await lateEvent(page, lateSmokeId);
    expect(smoke?.datetime).toBe(new Date(NOW - 5 * MINUTE_MS).toISOString());
    // It comes before "Raised": the order in which things happened.
    const meta = await page.locator(`#alert-${latePressId} .meta`).innerText();
    expect(meta.indexOf('Happened')).toBeLessThan(meta.indexOf('Raised'));
    expect(await lateEvent(page, onTimeId)).toBeNull();
    expect(await lateEvent(page, silenceId)).toBeNull();
    await page.context().close();
  }, 60_000);
});
