// Learned normal: after 14 days a home's own quiet periods replace the cold-start defaults.
import { describe, expect, it } from 'vitest';
import { LearnedNormal } from '../../rules/learned-normal.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { Harness, MONDAY, WITHOUT_POSSIBLE_FALL, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** A resident who moves in the living room every 20 min from 07:00 to 22:00 and sleeps in bed. */
function routine(h: Harness, days: number): void {
  for (let d = 0; d < days; d++) {
    const day = MONDAY + d * DAY_MS;
    h.send({ ...evAt(h, day + 7 * HOUR_MS, 'bed', 'occupancy', false) });
    for (let t = day + 7 * HOUR_MS + MINUTE_MS; t < day + 22 * HOUR_MS; t += 20 * MINUTE_MS)
      h.send(evAt(h, t, 'living-pir', 'motion', true));
    h.send(evAt(h, day + 22 * HOUR_MS, 'bed', 'occupancy', true));
  }
}

function evAt(h: Harness, ts: number, deviceId: string, type: 'motion' | 'occupancy', value: boolean) {
  const device = h.config.devices.find((d) => d.id === deviceId)!;
  return {
    homeId: 'h1',
    deviceId,
    type,
    value,
    ts,
    source: 'mqtt' as const,
    assigned: true,
    room: device.room,
    kind: device.kind,
  };
}

describe('learned normal', () => {
  it('a resident who never sits still for more than 20 min by day is alerted near the 2 h floor, not after 4 h', () => {
    const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY);
    routine(h, 15);
    const start = MONDAY + 15 * DAY_MS;
    h.send(evAt(h, start + 7 * HOUR_MS, 'bed', 'occupancy', false));
    h.send(evAt(h, start + 7 * HOUR_MS + MINUTE_MS, 'living-pir', 'motion', true));
    h.clock.advanceTo(start + 7 * HOUR_MS + 3 * HOUR_MS);
    const inactivity = h.raised('inactivity');
    expect(inactivity).toHaveLength(1);
    // The learned 2 h floor has taken over most of the way from the 4 h cold start (gradual, not a switch at day 14).
    const silence = (inactivity[0]?.at ?? NaN) - (start + 7 * HOUR_MS + MINUTE_MS);
    expect(silence).toBeGreaterThanOrEqual(2 * HOUR_MS);
    expect(silence).toBeLessThan(2.5 * HOUR_MS);
    expect(inactivity[0]?.detail).toMatchObject({
      thresholdSource: 'learned',
      lastRoom: 'living',
      lastDeviceId: 'living-pir',
      matOccupied: null,
    });
  });

  it('nights of 9 h in bed are normal: no inactivity alert through the learned nights', () => {
    const h = new Harness(undefined, MONDAY);
    routine(h, 21);
    expect(h.raised('inactivity')).toHaveLength(0);
  });

  it("the learned state survives export and import, and a day's thresholds do not change mid-day", () => {
    const learned = new LearnedNormal();
    for (let d = 0; d < 20; d++) learned.record('home', 10, 30 * MINUTE_MS, d);
    const before = learned.threshold('home', 10, 20, DEFAULT_RULE_PARAMS.learned);
    learned.record('home', 10, 5 * HOUR_MS, 20);
    expect(learned.threshold('home', 10, 20, DEFAULT_RULE_PARAMS.learned)).toBe(before);
    const copy = LearnedNormal.fromState(JSON.parse(JSON.stringify(learned.exportState())));
    expect(copy.threshold('home', 10, 20, DEFAULT_RULE_PARAMS.learned)).toBe(before);
    expect(copy.threshold('home', 10, 21, DEFAULT_RULE_PARAMS.learned)).toBeGreaterThan(5 * HOUR_MS);
    expect(before).toBeGreaterThan(30 * MINUTE_MS);
    expect(before).toBeLessThan(HOUR_MS);
  });

  it("long periods are counted up to now, today's pending ones too, and after export and import alike", () => {
    const learned = new LearnedNormal();
    learned.record('home', 22, 9 * HOUR_MS, 0); // a night that ended on day 0
    learned.record('home', 10, 30 * MINUTE_MS, 1); // day 1: a short one, then a night that ended this morning
    learned.record('room:kitchen', 20, 5 * HOUR_MS, 1);
    learned.record('home', 22, 8 * HOUR_MS, 1);
    // Day 0's night is in the histograms; day 1's, still pending, counts too; the short one does not.
    expect(learned.longPeriods('home', 4 * HOUR_MS, 1)).toBe(2);
    expect(learned.longPeriods('room:kitchen', 4 * HOUR_MS, 1)).toBe(1);
    expect(learned.longPeriods('room:hall', 4 * HOUR_MS, 1)).toBe(0);
    const copy = LearnedNormal.fromState(JSON.parse(JSON.stringify(learned.exportState())));
    expect(copy.longPeriods('home', 4 * HOUR_MS, 1)).toBe(2);
    // The day turns: the same count, now from the histograms alone.
    expect(copy.longPeriods('home', 4 * HOUR_MS, 2)).toBe(2);
  });

  it('long periods recorded between two asks are counted, at whatever length is asked', () => {
    // Today's pending count is kept as periods are recorded (review, session 28: a loop over the day at each ask
    // cost replay a tenth of its CPU); the answers are those of a count over the day.
    const learned = new LearnedNormal();
    learned.record('home', 8, 5 * HOUR_MS, 1);
    expect(learned.longPeriods('home', 4 * HOUR_MS, 1)).toBe(1);
    learned.record('home', 14, 6 * HOUR_MS, 1);
    learned.record('home', 15, 2 * HOUR_MS, 1);
    learned.record('room:kitchen', 15, 2 * HOUR_MS, 1);
    expect(learned.longPeriods('home', 4 * HOUR_MS, 1)).toBe(2);
    expect(learned.longPeriods('room:kitchen', 4 * HOUR_MS, 1)).toBe(0);
    expect(learned.longPeriods('home', HOUR_MS, 1)).toBe(3);
    expect(learned.longPeriods('room:kitchen', HOUR_MS, 1)).toBe(1);
    learned.record('room:kitchen', 16, 90 * MINUTE_MS, 1);
    expect(learned.longPeriods('room:kitchen', HOUR_MS, 1)).toBe(2);
    expect(learned.longPeriods('home', 4 * HOUR_MS, 1)).toBe(2);
    // A new day: yesterday's in the histograms, today's counted from none.
    learned.record('home', 9, 7 * HOUR_MS, 2);
    expect(learned.longPeriods('home', 4 * HOUR_MS, 2)).toBe(3);
    const copy = LearnedNormal.fromState(JSON.parse(JSON.stringify(learned.exportState())));
    copy.record('home', 12, 5 * HOUR_MS, 2);
    expect(copy.longPeriods('home', 4 * HOUR_MS, 2)).toBe(4);
  });

  it('a habit is kept whatever the hour, from the next day, under a minute as a minute, and after export and import alike', () => {
    const learned = new LearnedNormal();
    const out = { samples: 0 };
    for (let i = 0; i < 10; i++) learned.recordHabit('opened:fridge', 10_000, 1);
    learned.recordHabit('opened:fridge', 40 * MINUTE_MS, 1);
    // Counted from the next local day, as quiet periods are.
    expect(learned.habitThreshold('opened:fridge', 1, DEFAULT_RULE_PARAMS.learned, out)).toBeNaN();
    expect(out.samples).toBe(0);
    const ms = learned.habitThreshold('opened:fridge', 2, DEFAULT_RULE_PARAMS.learned, out);
    expect(out.samples).toBe(11);
    // The 99th percentile of 11 is the longest (40 min), with the margins (+10 %, +10 min) on its bin's upper edge (a
    // bin is 1440^(1/38), about 21 %, wide); the ten of 10 s are counted (11 samples), not dropped as pauses.
    expect(ms).toBeGreaterThan(40 * 1.1 * MINUTE_MS + 10 * MINUTE_MS);
    expect(ms).toBeLessThan((40 * 1.22 * 1.1 + 10) * MINUTE_MS);
    // Not a quiet period of any hour.
    expect(learned.threshold('opened:fridge', 10, 2, DEFAULT_RULE_PARAMS.learned)).toBeNaN();
    const copy = LearnedNormal.fromState(JSON.parse(JSON.stringify(learned.exportState())));
    expect(copy.habitThreshold('opened:fridge', 2, DEFAULT_RULE_PARAMS.learned, out)).toBe(ms);
    expect(out.samples).toBe(11);
    // Pending ones too survive a restart.
    learned.recordHabit('opened:fridge', 10_000, 2);
    const again = LearnedNormal.fromState(JSON.parse(JSON.stringify(learned.exportState())));
    again.habitThreshold('opened:fridge', 3, DEFAULT_RULE_PARAMS.learned, out);
    expect(out.samples).toBe(12);
  });

  /**
   * Four quiet periods a day at 10:00 of 10 min, and on day 0 one of 3 h (a long morning in a chair, say). The pool
   * (10:00 of every weekday) passes 100 periods on day 25: at 99 % alone it then left out the 3 h, and the home's next
   * such morning was called.
   */
  function longMorningOnce(learned: LearnedNormal, days: number): void {
    learned.record('home', 10, 3 * HOUR_MS, 0);
    for (let d = 0; d < days; d++)
      for (let i = 0; i < 4; i++) learned.record('home', (d % 7) * 24 + 10, 10 * MINUTE_MS, d);
  }

  it('a long quiet period the home has had is not left out as the count passes 100 (session 48)', () => {
    // (A threshold is kept for the day it was asked: each set of parameters gets a history of its own.)
    const before = new LearnedNormal();
    longMorningOnce(before, 30);
    const out = { samples: 0 };
    const quantileOnly = before.threshold('home', 10, 30, { ...DEFAULT_RULE_PARAMS.learned, leaveOutDays: 0 }, out);
    expect(out.samples).toBeGreaterThan(100);
    // The quantile alone: the 10-minute periods decide (with the margins, well under an hour); the 3 h would be called.
    expect(quantileOnly).toBeLessThan(HOUR_MS);
    // One period per 120 days of history may be left out: 30 days leave out none, so the 3 h is covered.
    const learned = new LearnedNormal();
    longMorningOnce(learned, 30);
    expect(learned.threshold('home', 10, 30, DEFAULT_RULE_PARAMS.learned)).toBeGreaterThan(3 * 1.1 * HOUR_MS);
    // And after a restart alike (the first day of the history is saved with the state).
    const copy = LearnedNormal.fromState(JSON.parse(JSON.stringify(learned.exportState())));
    expect(copy.threshold('home', 10, 30, DEFAULT_RULE_PARAMS.learned)).toBeGreaterThan(3 * 1.1 * HOUR_MS);
  });

  it('once the history is long, one period per leaveOutDays is left out, as the quantile allows', () => {
    const learned = new LearnedNormal();
    longMorningOnce(learned, 121);
    // 121 days of history: one period may be left out (the 3 h, seen once in those 121 days).
    expect(learned.threshold('home', 10, 121, DEFAULT_RULE_PARAMS.learned)).toBeLessThan(HOUR_MS);
    // Seen twice, it is kept until 240 days.
    const twice = new LearnedNormal();
    twice.record('home', 2 * 24 + 10, 3 * HOUR_MS, 30);
    longMorningOnce(twice, 121);
    expect(twice.threshold('home', 10, 121, DEFAULT_RULE_PARAMS.learned)).toBeGreaterThan(3 * 1.1 * HOUR_MS);
    // A quantile that leaves out fewer still decides: at 100 % nothing is left out, whatever the history.
    const all = new LearnedNormal();
    longMorningOnce(all, 121);
    expect(all.threshold('home', 10, 121, { ...DEFAULT_RULE_PARAMS.learned, quantilePercent: 100 })).toBeGreaterThan(
      3 * 1.1 * HOUR_MS,
    );
  });

  it('a state saved before the first day was kept counts its history from its own day (nothing left out at once)', () => {
    const learned = new LearnedNormal();
    longMorningOnce(learned, 200);
    const state = JSON.parse(JSON.stringify(learned.exportState())) as Record<string, unknown>;
    expect(learned.threshold('home', 10, 200, DEFAULT_RULE_PARAMS.learned)).toBeLessThan(HOUR_MS);
    delete state.firstDay;
    const old = LearnedNormal.fromState(state as never);
    expect(old.threshold('home', 10, 200, DEFAULT_RULE_PARAMS.learned)).toBeGreaterThan(3 * 1.1 * HOUR_MS);
    // 120 days on, it leaves one out again.
    expect(old.threshold('home', 10, 320, DEFAULT_RULE_PARAMS.learned)).toBeLessThan(HOUR_MS);
  });

  it('a context filed under one hour whatever the day counts every day of its history, not a seventh of them', () => {
    // Up and about, a lone night trigger, out of bed: every period at hour 0 of the week, so the pool of that weekday
    // hour passes 120 periods and is used alone, though it holds every day's. 4 a day and one 3 h on day 0: after
    // 121 days one period may be left out, as for any pool (a seventh of the days would have kept it 840 days).
    const learned = new LearnedNormal();
    learned.record('up-and-about', 0, 3 * HOUR_MS, 0);
    for (let d = 0; d < 121; d++) for (let i = 0; i < 4; i++) learned.record('up-and-about', 0, 10 * MINUTE_MS, d);
    const out = { samples: 0 };
    expect(learned.threshold('up-and-about', 0, 121, DEFAULT_RULE_PARAMS.learned, out)).toBeLessThan(HOUR_MS);
    expect(out.samples).toBe(485);
    const young = new LearnedNormal();
    young.record('up-and-about', 0, 3 * HOUR_MS, 0);
    for (let d = 0; d < 100; d++) for (let i = 0; i < 4; i++) young.record('up-and-about', 0, 10 * MINUTE_MS, d);
    expect(young.threshold('up-and-about', 0, 100, DEFAULT_RULE_PARAMS.learned)).toBeGreaterThan(3 * 1.1 * HOUR_MS);
  });
});
