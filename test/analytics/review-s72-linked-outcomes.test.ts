// Review, session 72: the council report broke the same alerts down twice, by kind and by outcome (falls and their
// outcomes; flags by habit and their outcomes), each cell suppressed (1 to 7 as `*`) and rounded to 5 on its own.
// Their exact sums are the same number, so when one outcome held every alert (all still open, say) that cell was the
// exact total rounded, and read against the kinds it told what their `*` hid: 8 pendant presses and one alert of each
// of four other kinds, all open, published 10, `*`, `*`, `*`, `*` and open 10 (8 to 12), and five kinds of at least 8,
// 1, 1, 1 and 1 make at least 12: only 8, 1, 1, 1, 1 fit. Now an outcome breakdown is published only when at least two
// outcomes are nonzero and, as published, the two breakdowns leave the total more than one possible number; otherwise
// it is withheld (null). The report functions on a real hub database (SQLite in a temp folder), and the brute force
// over every small report (`npm run council:linked`), both through the function the reports publish outcomes with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preventionReport, toCsv } from '../../analytics/report.js';
import { linkedRecoveries } from '../../bench/councilLinked.js';
import type { RuleDecision } from '../../rules/types.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';
import { linkedPossible, type Published } from '../support/council-reading.js';

type Raise = Extract<RuleDecision, { type: 'raise' }>;

const FLATS = Array.from({ length: 60 }, (_, i) => `flat-${String(i + 1).padStart(2, '0')}`);
const config = testConfig(
  FLATS.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-resident` }], devices: [] })),
);

/** What published kinds and an outcome breakdown (null: withheld) leave possible for each kind's count. */
function kindsPossible(kinds: readonly Published[], outcomes: Record<string, Published> | null): number[][] {
  return linkedPossible(kinds, outcomes === null ? null : Object.values(outcomes));
}

const STAR = [1, 2, 3, 4, 5, 6, 7];

describe('review s72: outcomes that tell nothing the kinds hide', () => {
  let hub: TestHubDb;
  let flat = 0;
  /** `count` alerts of `kind` from `day` 09:00 (UTC ms), an hour apart, each in a flat of its own, acknowledged. */
  const raise = (kind: Raise['kind'], count: number, day: number, outcome?: string): void => {
    for (let i = 0; i < count; i++) {
      const at = day + i * 3_600_000;
      const homeId = FLATS[flat++]!;
      hub.raise({ type: 'raise', homeId, kind, severity: 'high', at, room: 'hall', detail: {} }, 40, outcome);
    }
  };
  beforeAll(async () => {
    hub = await openTestHubDb(config);
    // November: 8 pendant presses and one alert of each of four kinds, every one still open when the report is made.
    raise('pendant', 8, Date.UTC(2026, 10, 2, 9));
    for (const kind of ['inactivity', 'night-exit', 'smoke', 'cold'] as const) raise(kind, 1, Date.UTC(2026, 10, 3, 9));
    // December: 13 falls and a possible fall; 7 resolved with an ambulance and 7 with a carer visit.
    raise('fall', 7, Date.UTC(2026, 11, 3, 9), 'ambulance');
    raise('fall', 6, Date.UTC(2026, 11, 4, 9), 'carer-visit');
    raise('possible-fall', 1, Date.UTC(2026, 11, 5, 9), 'carer-visit');
    // January: 20 pendant presses and 12 inactivity alerts, 17 false alarms and 15 answered with no action needed.
    raise('pendant', 17, Date.UTC(2027, 0, 5, 9), 'false-alarm');
    raise('pendant', 3, Date.UTC(2027, 0, 6, 9), 'no-action-needed');
    raise('inactivity', 12, Date.UTC(2027, 0, 7, 9), 'no-action-needed');
  });
  afterAll(async () => {
    await hub?.close();
  });

  const report = (from: string, to: string): ReturnType<typeof preventionReport> =>
    preventionReport({ db: hub.db, config, from, to, now: Date.UTC(2027, 2, 1) });

  it('withholds one outcome holding every alert, which gave back the kinds it hid', () => {
    const november = report('2026-11-01', '2026-11-30');
    const kinds = (['pendant', 'inactivity', 'night-exit', 'smoke', 'cold'] as const).map(
      (k) => november.alerts.byKind[k],
    );
    expect(kinds).toEqual([10, '*', '*', '*', '*']);
    // Before: open 10 (8 to 12) with the kinds' at least 8 + 1 + 1 + 1 + 1: each kind exactly.
    expect(kindsPossible(kinds, november.outcomes)).toEqual([[8, 9, 10, 11, 12], STAR, STAR, STAR, STAR]);
    expect(november.outcomes).toBeNull();
    expect(november.disclosure).toMatch(/Outcomes .* are null \(withheld\) otherwise/);
    expect(toCsv(november)).not.toMatch(/\r\noutcomes,/);
  });

  it("withholds the falls' outcomes when they and the falls leave one total, and publishes them otherwise", () => {
    const december = report('2026-12-01', '2026-12-31');
    expect([december.falls.fall, december.falls.possibleFall]).toEqual([15, '*']);
    // Before: ambulance `*` and carer visit `*` (2 to 14) with falls at least 13 + 1: 13 falls, 1 possible fall, and
    // 7 of each outcome, all exactly.
    expect(kindsPossible([december.falls.fall, december.falls.possibleFall], december.falls.outcomes)).toEqual([
      [13, 14, 15, 16, 17],
      STAR,
    ]);
    expect(december.falls.outcomes).toBeNull();
    expect(december.outcomes).toBeNull();

    // January: two outcomes, and the kinds leave the total 26 to 34, as the outcomes do: published as before.
    const january = report('2027-01-01', '2027-01-31');
    expect(january.alerts.byKind).toMatchObject({ pendant: 20, inactivity: 10 });
    expect(january.outcomes).toMatchObject({ 'false-alarm': 15, 'no-action-needed': 15, open: 0, ambulance: 0 });
    expect(toCsv(january)).toMatch(/\r\noutcomes,false-alarm,count,15\r\n/);
  });

  it('recovers no hidden count of either breakdown in any small report, where each outcome alone on its own did', () => {
    for (const shape of [
      { kinds: 2, outcomes: 2, max: 15 },
      { kinds: 3, outcomes: 2, max: 15 },
      { kinds: 2, outcomes: 2, max: 15, partial: true },
    ]) {
      const before = linkedRecoveries({ ...shape, rule: 'before' });
      const after = linkedRecoveries({ ...shape, rule: 'after' });
      expect({ shape, before: before.hiddenExact > 0, after: after.hiddenExact }).toEqual({
        shape,
        before: true,
        after: 0,
      });
      expect(after.reports).toBe(before.reports);
      // The outcomes are still published for most reports.
      expect(after.outcomeCellsShown / before.outcomeCellsShown).toBeGreaterThan(0.85);
    }
  });
});
