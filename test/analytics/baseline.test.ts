// Baselines (28-day median and MAD) and routine-change flags: sustained drift flags, one odd day does not.
import { describe, expect, it } from 'vitest';
import { featureValue, robustStats, routineChanges, routineChangesOn } from '../../analytics/baseline.js';
import type { DailyFeatures } from '../../analytics/types.js';
import { isoDate, ordinaryFeatures } from './daily.js';

const H = 'h1';

/** 30 ordinary days from 1 October, then the given days. */
function history(after: Partial<DailyFeatures>[]): DailyFeatures[] {
  const days: DailyFeatures[] = [];
  for (let i = 0; i < 30; i++) days.push(ordinaryFeatures(H, isoDate('2026-10-01', i), i));
  after.forEach((o, j) => days.push(ordinaryFeatures(H, isoDate('2026-10-01', 30 + j), 30 + j, o)));
  return days;
}

describe('robust statistics', () => {
  it('median and MAD shrug off an outlier', () => {
    expect(robustStats([1, 2, 3, 4, 100])).toEqual({ median: 3, mad: 1, days: 5 });
    expect(robustStats([2, 4])).toEqual({ median: 3, mad: 1, days: 2 });
    expect(robustStats([])).toBeUndefined();
  });

  it('a bedtime after midnight is later than one before', () => {
    const day = ordinaryFeatures(H, '2026-10-01', 0, { bedtime: '00:30' });
    expect(featureValue(day, 'bedtime')).toBe(24 * 60 + 30);
    expect(featureValue({ ...day, bedtime: '23:30' }, 'bedtime')).toBe(23 * 60 + 30);
    expect(featureValue({ ...day, risingTime: null }, 'risingTime')).toBeNull();
  });
});

describe('routine-change flags', () => {
  it('an ordinary month raises nothing', () => {
    expect(routineChanges(history([]))).toEqual([]);
  });

  it('one odd night of bathroom trips raises nothing', () => {
    expect(routineChanges(history([{ bathroomVisitsNight: 4 }, {}, {}, {}]))).toEqual([]);
  });

  it('three nights running with more bathroom trips raise one flag on the third day, with the baseline', () => {
    const flags = routineChanges(
      history([
        { bathroomVisitsNight: 3 },
        { bathroomVisitsNight: 4 },
        { bathroomVisitsNight: 3 },
        { bathroomVisitsNight: 4 },
      ]),
    );
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      homeId: H,
      feature: 'bathroomVisitsNight',
      direction: 'up',
      change: 'up',
      fromDate: '2026-10-31',
      date: '2026-11-02',
      days: 3,
      values: [3, 4, 3],
      baseline: { median: 0, days: 28 },
    });
  });

  it('an interrupted run starts again', () => {
    const drift = { bathroomVisitsNight: 4 };
    expect(routineChanges(history([drift, drift, {}, drift, drift]))).toEqual([]);
  });

  it('activity falling and rising later are flagged with their direction; activity rising is not a warning sign', () => {
    const slow = { activeMinutes: 150, risingTime: '09:30' };
    const flags = routineChanges(history([slow, slow, slow]));
    expect(flags.map((f) => [f.feature, f.change])).toEqual([
      ['activeMinutes', 'down'],
      ['risingTime', 'later'],
    ]);
    const busy = { activeMinutes: 600 };
    expect(routineChanges(history([busy, busy, busy]))).toEqual([]);
  });

  it('no flag before two weeks of history, and a missing day breaks a run', () => {
    const short = history([]).slice(20); // 10 days only
    const drift = { bathroomVisitsNight: 4 };
    expect(routineChanges([...short, ...history([drift, drift, drift]).slice(30)])).toEqual([]);
    const gappy = history([drift, drift, drift]);
    gappy.splice(31, 1); // the middle day of the drift is missing
    expect(routineChanges(gappy)).toEqual([]);
  });
});

describe("one day's flags (the routine review's question)", () => {
  it("are the whole scan's flags on that day, for every day of drifting histories with gaps", () => {
    // Runs of 1-6 drifting days up or down, in two features, with ordinary days and missing days between: a
    // pseudo-random but fixed mix, so that runs shorter than, equal to and longer than three days end on many dates.
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let flagged = 0;
    for (let h = 0; h < 12; h++) {
      const after: Partial<DailyFeatures>[] = [];
      while (after.length < 40) {
        const runDays = 1 + next(6);
        const drift =
          next(3) === 0 ? {} : next(2) === 0 ? { bathroomVisitsNight: 3 + next(3) } : { activeMinutes: 100 + next(60) };
        for (let d = 0; d < runDays; d++) after.push(drift);
      }
      const days = history(after).filter(() => next(15) !== 0);
      const all = routineChanges(days);
      for (const day of days) {
        const expected = all.filter((f) => f.date === day.date);
        flagged += expected.length;
        expect(routineChangesOn(days, day.date)).toEqual(expected);
      }
    }
    // Not vacuous: the histories raise flags.
    expect(flagged).toBeGreaterThan(10);
  });
});
