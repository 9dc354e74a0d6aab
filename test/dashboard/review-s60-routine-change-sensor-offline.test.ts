// Review, session 60: a routine change flagged while one of the home's sensors was reported offline (a flat battery in
// the kitchen PIR: fewer room transitions) gave the responder's card the habit and its days alone, as if the resident
// had changed. The flag now names the devices reported offline in its days (analytics/review.ts `withSensorsOffline`,
// test/analytics/review-s60-sensor-offline-flag.test.ts) and the card's why line says so. Debian's chromium.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { reviewDecisions } from '../../analytics/review.js';
import type { DailyFeatures } from '../../analytics/types.js';
import { FakeClock } from '../../hub/clock.js';
import { isoDate, ordinaryFeatures } from '../analytics/daily.js';
import { USER_PASSWORD, testConfig } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the routine-change card tests');

const NOW = Date.UTC(2026, 10, 3, 9, 0, 0);
const clock = new FakeClock(NOW);

const screen = dashboardInChromium(haveChromium, { clock }, { responder: true });

/** 30 ordinary days from 1 October, then three with fewer room transitions: the review's raise, with `extra` detail. */
function flagged(homeId: string, extra: Record<string, unknown>): string {
  const days: DailyFeatures[] = [];
  for (let i = 0; i < 30; i++) days.push(ordinaryFeatures(homeId, isoDate('2026-10-01', i), i));
  for (const j of [0, 1, 2])
    days.push(ordinaryFeatures(homeId, isoDate('2026-10-31', j), 30 + j, { roomTransitions: 80 }));
  const home = testConfig().homes.find((h) => h.id === homeId)!;
  const [decision] = reviewDecisions(home, days, '2026-11-02', NOW);
  expect(decision).toBeDefined();
  const raise = decision as Extract<typeof decision, { type: 'raise' }>;
  const alert = screen.dashboard.alerts.apply({ ...raise, detail: { ...raise.detail, ...extra } });
  return alert!.id;
}

async function whyLine(page: Page, id: string): Promise<string | null> {
  const card = page.locator(`#alert-${id}`);
  await card.waitFor();
  return (await card.locator('.why').count()) ? card.locator('.why').innerText() : null;
}

describe.skipIf(!haveChromium)("the card's why line for a routine change while a sensor was offline", () => {
  it('says which sensor was reported offline in the days of the change', async () => {
    const id = flagged('h1', { sensorsOffline: ['kitchen-pir'] });
    const page = await loggedInPage(screen.browser, screen.base, 390, 'sam', USER_PASSWORD);
    expect(await whyLine(page, id)).toBe(
      'Room transitions down 3 days running (31 Oct to 2 Nov): 80, 80, 80; usually 128 ' +
        "(kitchen-pir reported offline in these days: the change may be the sensor's)",
    );
    await page.context().close();
  }, 60_000);
});
