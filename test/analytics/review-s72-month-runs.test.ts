// Review, session 72 (round 3): the hub's council report is asked for any run of months (`telecare report`,
// `GET /api/reports/prevention`), and each run was counted and rounded on its own, so reports of overlapping runs told
// a month's hidden counts by difference: 13, 13 and 1 pendant presses in January, February and March are 15, 15 and `*`
// in their own reports, and 27 in the quarter, published 25 (23 to 27), which leaves March exactly 1 (January and
// February are 13 at least each). A run of months is now its months' figures as published added up (`addedUpFigures`,
// as the centre adds up its weeks): 30, which tells nothing the months do not. The report functions on a real hub
// database (SQLite in a temp folder), and the brute force over every small run (`npm run council:linked -- --months`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preventionReport, toCsv, type PreventionReport } from '../../analytics/report.js';
import { suppressCount, totalOfShown, type PublishedCount } from '../../analytics/disclosure.js';
import { monthRunRecoveries } from '../../bench/councilLinked.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const FLATS = Array.from({ length: 30 }, (_, i) => `flat-${String(i + 1).padStart(2, '0')}`);
const config = testConfig(
  FLATS.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-resident` }], devices: [] })),
);

/**
 * What March's count may be (1 to 7 for its `*`), given every month's and every run's published count: the exact counts
 * of January to March (0 to 30 each) that publish the same figures in every report an analyst can ask for.
 */
function marchPossible(
  shown: Record<'jan' | 'feb' | 'mar' | 'janFeb' | 'febMar' | 'quarter', PublishedCount>,
  rule: 'before' | 'after',
): number[] {
  const run = (counts: number[]): PublishedCount =>
    rule === 'before' ? suppressCount(counts.reduce((n, c) => n + c, 0)) : totalOfShown(counts.map(suppressCount));
  const possible = new Set<number>();
  for (let jan = 0; jan <= 30; jan++) {
    for (let feb = 0; feb <= 30; feb++) {
      for (let mar = 0; mar <= 30; mar++) {
        const same =
          suppressCount(jan) === shown.jan &&
          suppressCount(feb) === shown.feb &&
          suppressCount(mar) === shown.mar &&
          run([jan, feb]) === shown.janFeb &&
          run([feb, mar]) === shown.febMar &&
          run([jan, feb, mar]) === shown.quarter;
        if (same) possible.add(mar);
      }
    }
  }
  return [...possible].sort((a, b) => a - b);
}

describe('review s72: a run of months tells nothing its months do not', () => {
  let hub: TestHubDb;
  beforeAll(async () => {
    hub = await openTestHubDb(config);
    // 13 pendant presses in January, 13 in February, 1 in March (each acknowledged in 40 s, closed with a carer visit
    // or as needing nothing, two outcomes a month), each in a flat of its own.
    const presses: [number, number][] = [
      [0, 13],
      [1, 13],
      [2, 1],
    ];
    for (const [month, count] of presses) {
      for (let i = 0; i < count; i++) {
        const outcome = i % 2 === 0 ? 'carer-visit' : 'no-action-needed';
        hub.raise(
          {
            type: 'raise',
            homeId: FLATS[i]!,
            kind: 'pendant',
            severity: 'critical',
            at: Date.UTC(2027, month, 10 + (i % 10), 9, i),
            room: 'hall',
            detail: {},
          },
          40,
          outcome,
        );
      }
    }
  });
  afterAll(async () => {
    await hub?.close();
  });

  const report = (from: string, to: string): PreventionReport =>
    preventionReport({ db: hub.db, config, from, to, now: Date.UTC(2027, 4, 1) });

  it('publishes a run of months as its months added up, so that no month is told by difference', () => {
    const jan = report('2027-01-01', '2027-01-31');
    const feb = report('2027-02-01', '2027-02-28');
    const mar = report('2027-03-01', '2027-03-31');
    const janFeb = report('2027-01-01', '2027-02-28');
    const febMar = report('2027-02-01', '2027-03-31');
    const quarter = report('2027-01-01', '2027-03-31');
    const pendant = (r: PreventionReport): PublishedCount => r.alerts.byKind.pendant;
    expect([jan, feb, mar].map(pendant)).toEqual([15, 15, '*']);
    // Before: 26 and 14 rounded (25, 15), and the quarter 27 (25): March exactly 1.
    const shown = {
      jan: pendant(jan),
      feb: pendant(feb),
      mar: pendant(mar),
      janFeb: pendant(janFeb),
      febMar: pendant(febMar),
      quarter: pendant(quarter),
    };
    expect(shown).toMatchObject({ janFeb: 30, febMar: 15, quarter: 30 });
    expect(marchPossible(shown, 'after')).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // What the quarter's own rounding would have published leaves March one count.
    expect(marchPossible({ ...shown, janFeb: 25, febMar: 15, quarter: 25 }, 'before')).toEqual([1]);

    // Every figure that adds up is the months' as published added up: the total, the urgent alerts and those
    // acknowledged in time (their shares from those sums), the outcomes, in the JSON and the CSV.
    const months = [jan, feb, mar];
    const added = (pick: (r: PreventionReport) => PublishedCount): PublishedCount => totalOfShown(months.map(pick));
    expect(quarter.alerts.total).toBe(added((r) => r.alerts.total));
    expect(quarter.acknowledgement.alerts).toBe(added((r) => r.acknowledgement.alerts));
    expect(quarter.acknowledgement.within60s).toBe(added((r) => r.acknowledgement.within60s));
    expect(quarter.acknowledgement.shareWithin60s).toBe(1);
    expect(jan.outcomes).not.toBeNull();
    expect(mar.outcomes).toBeNull(); // one alert, one outcome: withheld in March's own report
    expect(quarter.outcomes).toBeNull(); // and so in every run that holds March
    // January's and February's 7 and 6 of each outcome are `*`, and so is their sum (nothing shown to add).
    expect(janFeb.outcomes).toMatchObject({ 'carer-visit': '*', 'no-action-needed': '*' });
    const csv = toCsv(quarter).split('\r\n');
    expect(csv).toContain('alerts,pendant,count,30');
    expect(csv).toContain('period,from,date,2027-01-01');
    expect(quarter.disclosure).toMatch(/more than one calendar month is the sum of its months/);
  });

  it('counts a period that is not whole months as its pieces of months, each rounded on its own', () => {
    // 10 January to 20 February: January's 13 presses fell on the 10th to the 19th, February's too.
    const run = report('2027-01-10', '2027-02-20');
    const pieces = [report('2027-01-10', '2027-01-31'), report('2027-02-01', '2027-02-20')];
    expect(run.period).toMatchObject({ from: '2027-01-10', to: '2027-02-20' });
    expect(run.alerts.byKind.pendant).toBe(totalOfShown(pieces.map((p) => p.alerts.byKind.pendant)));
    expect(run.alerts.byKind.pendant).toBe(30);
    // A piece within one month is a period of its own (as before): 10 to 15 January, 6 presses.
    expect(report('2027-01-10', '2027-01-15').alerts.byKind.pendant).toBe('*');
  });

  it('recovers no month in any small run of months, where each run rounded on its own did', () => {
    const before = monthRunRecoveries({ months: 3, max: 25, rule: 'before' });
    const after = monthRunRecoveries({ months: 3, max: 25, rule: 'after' });
    expect(before.hiddenExact + before.roundedExact).toBeGreaterThan(0);
    expect(after).toMatchObject({ hiddenExact: 0, roundedExact: 0, exposed: 0, narrowed: 0 });
    expect(after.reports).toBe(before.reports);
  });
});
