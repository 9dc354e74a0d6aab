// Review, session 51: a routine-change card named the first habit flagged alone. A second flag for the home while its
// alert was open (another habit the same day, or one days later) was merged as a count, its detail thrown away, so the
// card said nothing of it though the count said 2. The card's why line now names every habit flagged; more than three
// are named in short. The real review's raises through the hub's alert service, the console in chromium.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { reviewDecisions } from '../../analytics/review.js';
import type { DailyFeatures } from '../../analytics/types.js';
import type { Alert } from '../../hub/alerts/api.js';
import { FakeClock } from '../../hub/clock.js';
import { DAY_MS } from '../../rules/time.js';
import { isoDate, ordinaryFeatures } from '../analytics/daily.js';
import { USER_PASSWORD, testConfig } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the routine-change flags card tests');

const NOW = Date.UTC(2026, 10, 3, 9, 0, 0);
const clock = new FakeClock(NOW);

const screen = dashboardInChromium(haveChromium, { clock }, { responder: true });

/** The real review's raises for `homeId`: 30 ordinary days from `start`, then `after`; each raised, the last alert. */
function raiseFlags(homeId: string, start: string, after: Partial<DailyFeatures>[], features: string[]): Alert {
  const days: DailyFeatures[] = [];
  for (let i = 0; i < 30; i++) days.push(ordinaryFeatures(homeId, isoDate(start, i), i));
  after.forEach((o, j) => days.push(ordinaryFeatures(homeId, isoDate(start, 30 + j), 30 + j, o)));
  const home = testConfig().homes.find((h) => h.id === homeId)!;
  const decisions = reviewDecisions(home, days, days.at(-1)!.date, clock.now());
  expect(decisions.map((d) => d.type === 'raise' && d.detail.feature)).toEqual(features);
  let alert: Alert | undefined;
  for (const d of decisions) alert = screen.dashboard.alerts.apply(d);
  return alert!;
}

async function whyLine(page: Page, id: string): Promise<string | null> {
  const card = page.locator(`#alert-${id}`);
  await card.waitFor();
  return (await card.locator('.why').count()) ? card.locator('.why').innerText() : null;
}

describe.skipIf(!haveChromium)("the card's why line for a routine-change alert with several flags", () => {
  it('names each habit flagged, the first and those merged into it', async () => {
    // h1, reviewed on 3 November: night bathroom visits up and rising later, three days running: one alert, count 2.
    const both = raiseFlags(
      'h1',
      '2026-10-01',
      [
        { bathroomVisitsNight: 4, risingTime: '09:40' },
        { bathroomVisitsNight: 5, risingTime: '10:05' },
        { bathroomVisitsNight: 5, risingTime: '10:20' },
      ],
      ['bathroomVisitsNight', 'risingTime'],
    );
    expect(both.count).toBe(2);

    // h2: night bathroom visits up on 3 November, then, the alert still open, three more habits over the next days.
    raiseFlags(
      'h2',
      '2026-10-01',
      [{ bathroomVisitsNight: 4 }, { bathroomVisitsNight: 5 }, { bathroomVisitsNight: 5 }],
      ['bathroomVisitsNight'],
    );
    clock.advanceBy(2 * DAY_MS);
    raiseFlags('h2', '2026-10-03', [{ kitchenUses: 0 }, { kitchenUses: 0 }, { kitchenUses: 0 }], ['kitchenUses']);
    clock.advanceBy(2 * DAY_MS);
    const many = raiseFlags(
      'h2',
      '2026-10-05',
      [
        { activeMinutes: 60, risingTime: '10:40' },
        { activeMinutes: 50, risingTime: '10:45' },
        { activeMinutes: 40, risingTime: '10:50' },
      ],
      ['activeMinutes', 'risingTime'],
    );
    expect(many.count).toBe(4);

    const page = await loggedInPage(screen.browser, screen.base, 390, 'sam', USER_PASSWORD);
    // Before: the night bathroom visits alone on both cards.
    expect(await whyLine(page, both.id)).toBe(
      'Bathroom visits at night up 3 days running (31 Oct to 2 Nov): 4, 5, 5; usually 0 · ' +
        'Rising time later 3 days running (31 Oct to 2 Nov): 09:40, 10:05, 10:20; usually 07:16',
    );
    expect(await whyLine(page, many.id)).toBe(
      '4 habits changed: Bathroom visits at night up 3 days (to 2 Nov), Kitchen and appliance uses down 3 days ' +
        '(to 4 Nov), Active minutes down 3 days (to 6 Nov), Rising time later 3 days (to 6 Nov)',
    );
    await page.context().close();
  }, 60_000);
});
