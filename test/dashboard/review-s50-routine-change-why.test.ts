// A routine-change card on the console says which habit changed, by how much, for how long, against what usual (it said nothing).
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

/** 30 ordinary days from 1 October, then `after`: the real routine review's raise for the last day, stored. */
function flagged(homeId: string, after: Partial<DailyFeatures>[]): string {
  const days: DailyFeatures[] = [];
  for (let i = 0; i < 30; i++) days.push(ordinaryFeatures(homeId, isoDate('2026-10-01', i), i));
  after.forEach((o, j) => days.push(ordinaryFeatures(homeId, isoDate('2026-10-01', 30 + j), 30 + j, o)));
  const home = testConfig().homes.find((h) => h.id === homeId)!;
  const decisions = reviewDecisions(home, days, days.at(-1)!.date, NOW);
  expect(decisions).toHaveLength(1);
  const alert = screen.dashboard.alerts.apply(decisions[0]!);
  expect(alert).toBeTruthy();
  return alert!.id;
}

async function whyLine(page: Page, id: string): Promise<string | null> {
  const card = page.locator(`#alert-${id}`);
  await card.waitFor();
  return (await card.locator('.why').count()) ? card.locator('.why').innerText() : null;
}

describe.skipIf(!haveChromium)("the card's why line for a routine change", () => {
  it('names the habit, the days, the values and the usual', async () => {
    // Night bathroom visits up three nights running (a urinary-infection warning sign), in h1.
    const nights = flagged('h1', [{ bathroomVisitsNight: 4 }, { bathroomVisitsNight: 5 }, { bathroomVisitsNight: 5 }]);
    // Rising later three mornings running, in h2.
    const rising = flagged('h2', [{ risingTime: '09:40' }, { risingTime: '10:05' }, { risingTime: '10:20' }]);

    const page = await loggedInPage(screen.browser, screen.base, 390, 'sam', USER_PASSWORD);
    // Before: "Routine change · low · h1 · Raised …" and nothing saying what changed.
    expect(await whyLine(page, nights)).toBe(
      'Bathroom visits at night up 3 days running (31 Oct to 2 Nov): 4, 5, 5; usually 0',
    );
    expect(await whyLine(page, rising)).toBe(
      'Rising time later 3 days running (31 Oct to 2 Nov): 09:40, 10:05, 10:20; usually 07:16',
    );
    await page.context().close();
  }, 60_000);
});
