// A cold, heat or night-exit card on the console says why it was raised (the reading, the limit, since when; the door), not nothing.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, MONDAY } from '../rules/factories.js';
import { USER_PASSWORD } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium, storeFirstRaise } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the climate and night-exit card tests');

const clock = new FakeClock(MONDAY + 14 * HOUR_MS);

const screen = dashboardInChromium(haveChromium, { clock }, { responder: true });

const store = (h: Harness, kind: string): string => storeFirstRaise(screen, h, kind);

async function whyLine(page: Page, id: string): Promise<string | null> {
  const card = page.locator(`#alert-${id}`);
  await card.waitFor();
  return (await card.locator('.why').count()) ? card.locator('.why').innerText() : null;
}

describe.skipIf(!haveChromium)("the card's why line for the home's temperature and a night exit", () => {
  it('says the reading, the limit and since when for cold and heat, and which door for a night exit', async () => {
    // Cold: 15.5 °C at noon, 15 °C an hour later, 2 h below 16 °C.
    const cold = new Harness(undefined, MONDAY + 12 * HOUR_MS);
    cold.at(0, 'thermo', 'temperature', 15.5);
    cold.at(HOUR_MS, 'thermo', 'temperature', 15);
    cold.advanceBy(HOUR_MS + MINUTE_MS);
    const coldId = store(cold, 'cold');
    // Heat, in another home: 31.2 °C for 2 h.
    const heat = new Harness({ ...cold.config, id: 'h2' }, MONDAY + 12 * HOUR_MS);
    heat.at(0, 'thermo', 'temperature', 31.2);
    heat.advanceBy(2 * HOUR_MS + MINUTE_MS);
    const heatId = store(heat, 'heat');
    // Night exit: the front door at 02:01, nothing inside for 10 min.
    const night = new Harness(undefined, MONDAY + 2 * HOUR_MS);
    night.at(0, 'hall-pir', 'motion', true);
    night.at(MINUTE_MS, 'front', 'contact', false);
    night.advanceBy(11 * MINUTE_MS);
    const exitId = store(night, 'night-exit');

    const page = await loggedInPage(screen.browser, screen.base, 390, 'sam', USER_PASSWORD);
    // Before: no why line at all ("Cold · medium · h1 · living · Raised …"): how cold, and since when, unsaid.
    expect(await whyLine(page, coldId)).toBe('Temperature below 16 °C since Mon 12:00, last reading 15.0 °C (thermo)');
    expect(await whyLine(page, heatId)).toBe('Temperature above 30 °C since Mon 12:00, last reading 31.2 °C (thermo)');
    expect(await whyLine(page, exitId)).toBe('front opened in the night, no movement inside in the 10 min after');
    await page.context().close();
  }, 60_000);
});
