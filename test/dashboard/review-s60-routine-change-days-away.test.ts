// Review, session 60: a routine change measured against a usual that left out the days the resident spent away (away
// mode, or out of home through: analytics/review.ts `daysAwayLeftOut`) says so on the responder's card, so that "usually
// 0" is read as the usual of the days at home. Debian's chromium.
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

async function whyLine(page: Page, id: string): Promise<string | null> {
  const card = page.locator(`#alert-${id}`);
  await card.waitFor();
  return (await card.locator('.why').count()) ? card.locator('.why').innerText() : null;
}

describe.skipIf(!haveChromium)("the card's why line for a routine change after days away", () => {
  it('says how many days away the usual left out', async () => {
    // 23 ordinary days from 1 October, 5 in away mode (23 to 27 October), 2 at home, then 3 nights of 4 bathroom trips.
    const days: DailyFeatures[] = [];
    const away = new Set<string>();
    for (let i = 0; i < 30; i++) days.push(ordinaryFeatures('h1', isoDate('2026-10-01', i), i));
    for (let i = 22; i < 27; i++) away.add(isoDate('2026-10-01', i));
    for (const j of [0, 1, 2])
      days.push(ordinaryFeatures('h1', isoDate('2026-10-31', j), 30 + j, { bathroomVisitsNight: 4 }));
    const home = testConfig().homes.find((h) => h.id === 'h1')!;
    const [decision] = reviewDecisions(home, days, '2026-11-02', NOW, undefined, away);
    expect(decision).toBeDefined();
    const id = screen.dashboard.alerts.apply(decision!)!.id;

    const page = await loggedInPage(screen.browser, screen.base, 390, 'sam', USER_PASSWORD);
    expect(await whyLine(page, id)).toBe(
      'Bathroom visits at night up 3 days running (31 Oct to 2 Nov): 4, 4, 4; usually 0 (5 days away not counted)',
    );
    await page.context().close();
  }, 60_000);
});
