// Review, session 59: an analyst's council report covers whole months that have ended, and knows nothing after the
// start of the month under way. Both were UTC months, while the report's dates are its homes' local dates: on a hub in
// New York, the report of November asked in December stopped knowing at 19:00 on 30 November, so that evening's
// alerts were missing from it (and came back when it was asked again in January: an ended month's figures changed),
// and November was given as ended at 20:00 on the 30th, with hours of it still to come. The months are now the
// report's time zone's. The real dashboard and alert service on a real SQLite file, a fake clock.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import type { HubConfig } from '../../hub/config-types.js';
import {
  login,
  raiseAlert,
  startDashboard,
  testConfig,
  USER_PASSWORD,
  userWithRole,
  type Dashboard,
} from './support.js';

let hub: Dashboard | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/** Eight flats in New York (counts past the suppression of 1 to 7). */
function newYorkScheme(): HubConfig {
  const base = testConfig();
  const h1 = base.homes[0]!;
  return {
    ...base,
    homes: Array.from({ length: 8 }, (_, i) => ({ ...h1, id: `h${i + 1}`, timezone: 'America/New_York' })),
  };
}

interface ReportJson {
  period: { from: string; to: string; timezone: string };
  alerts: { total: number | string };
}

describe("an analyst's report on a hub west of UTC", () => {
  it('counts the last evening of the month, however late it is asked, and no month before it has ended there', async () => {
    // 30 November, 20:00 in New York (EST, UTC-5): 1 December 01:00 UTC.
    const clock = new FakeClock(Date.UTC(2026, 11, 1, 1, 0, 0));
    hub = await startDashboard({ clock, config: newYorkScheme() });
    for (let i = 1; i <= 8; i++) {
      raiseAlert(hub.alerts, clock, { homeId: `h${i}`, kind: 'pendant' });
      clock.advanceBy(60_000);
    }
    let analyst = await userWithRole(hub.app, 'analyst');
    const november = () =>
      hub!.app.inject({ url: '/api/reports/prevention?from=2026-11-01&to=2026-11-30', headers: { cookie: analyst } });

    // Still 30 November in New York: November has not ended.
    const tooEarly = await november();
    expect(tooEarly.statusCode).toBe(400);
    expect(tooEarly.body).toMatch(/whole months that have ended/);

    // 5 December and 5 January: the same November, its last evening's eight pendant presses in it.
    clock.advanceTo(Date.UTC(2026, 11, 5, 15, 0, 0));
    analyst = await login(hub.app, 'analyst1', USER_PASSWORD); // days later: a new session
    const inDecember = await november();
    expect(inDecember.statusCode).toBe(200);
    expect(inDecember.json<ReportJson>()).toMatchObject({
      period: { from: '2026-11-01', to: '2026-11-30', timezone: 'America/New_York' },
      alerts: { total: 10 },
    });
    clock.advanceTo(Date.UTC(2027, 0, 5, 15, 0, 0));
    analyst = await login(hub.app, 'analyst1', USER_PASSWORD);
    const inJanuary = await november();
    // The same figures; provisional in December (known by 1 December, New York), final in January (session 76).
    expect(inDecember.json<ReportJson>()).toMatchObject({ knownBy: '2026-12-01T05:00:00.000Z', final: false });
    expect(inJanuary.json<ReportJson>()).toEqual({
      ...inDecember.json<ReportJson>(),
      generatedAt: expect.any(String),
      knownBy: '2026-12-15T05:00:00.000Z',
      final: true,
    });
  });
});
