// Review, session 72 (round 2): the council report publishes counts that are parts of what its kinds and habits break
// down, each suppressed (1 to 7 as `*`) and rounded to 5 on its own: urgent alerts and those acknowledged within 60 s
// and 180 s (of the alerts of the kinds the hub raises as critical or high), what followed the flags (of the flags by
// habit), residents with an alert or a flag, and routine-change alerts (each holds its first flag). A part rounded up
// bounded its whole from below: four habits of `*` (28 at most) and 30 flags followed by an alert (28 at least) leave
// each habit 7. Now a part is never shown above what its whole's cells allow (`partOf`): 25 there, and every `*` keeps
// two counts at least. The report functions on a real hub database (SQLite in a temp folder), and the brute force over
// every small report (`npm run council:linked -- --part`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preventionReport, toCsv, URGENT_KINDS } from '../../analytics/report.js';
import { partRecoveries } from '../../bench/councilLinked.js';
import type { RuleDecision } from '../../rules/types.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';
import { linkedPossible, type Published } from '../support/council-reading.js';

type Raise = Extract<RuleDecision, { type: 'raise' }>;

const FLATS = Array.from({ length: 40 }, (_, i) => `flat-${String(i + 1).padStart(2, '0')}`);
const config = testConfig(
  FLATS.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-resident` }], devices: [] })),
);
const HABITS = ['bedtime', 'kitchenUses', 'activeMinutes', 'minutesOut'] as const;
const URGENT = ['pendant', 'inactivity', 'night-exit', 'smoke'] as const;

/** What a part published on its own (at most the whole) leaves possible for each of the whole's cells. */
const partPossible = (whole: readonly Published[], part: Published): number[][] => linkedPossible(whole, [part], true);

describe('review s72: counts that are parts of the kinds and habits tell nothing they hide', () => {
  let hub: TestHubDb;
  beforeAll(async () => {
    hub = await openTestHubDb(config);
    const raise = (homeId: string, kind: Raise['kind'], at: number, detail: Record<string, unknown> = {}): void => {
      hub.raise({ type: 'raise', homeId, kind, severity: 'high', at, room: 'hall', detail }, 40);
    };
    // November: 7 flags of each of four habits, each its own alert in a flat of its own, each followed within 14 days
    // by an alert of the same flat (a low battery on 1 December).
    HABITS.forEach((feature, h) => {
      for (let i = 0; i < 7; i++) raise(FLATS[h * 7 + i]!, 'routine-change', Date.UTC(2026, 10, 20, h, i), { feature });
    });
    for (let f = 0; f < 28; f++) raise(FLATS[f]!, 'low-battery', Date.UTC(2026, 11, 1, 9, f));
    // January: 7 alerts of each of four urgent kinds, each in a flat of its own, every one acknowledged in 40 s.
    URGENT.forEach((kind, k) => {
      for (let i = 0; i < 7; i++) raise(FLATS[k * 7 + i]!, kind, Date.UTC(2027, 0, 5 + k, 9, i));
    });
    // March: an ordinary month, 20 pendant presses and 20 inactivity alerts, all acknowledged in 40 s.
    for (let i = 0; i < 20; i++) raise(FLATS[7 + i]!, 'pendant', Date.UTC(2027, 2, 3, 9, i));
    for (let i = 0; i < 20; i++) raise(FLATS[14 + i]!, 'inactivity', Date.UTC(2027, 2, 4, 9, i));
  });
  afterAll(async () => {
    await hub?.close();
  });

  const report = (from: string, to: string): ReturnType<typeof preventionReport> =>
    preventionReport({ db: hub.db, config, from, to, now: Date.UTC(2027, 4, 1) });

  it('shows what followed the flags, residents with a flag and routine-change alerts no higher than the habits allow', () => {
    const november = report('2026-11-01', '2026-11-30');
    const habits = HABITS.map((h) => november.routineChanges.byFeature[h]!);
    expect(habits).toEqual(['*', '*', '*', '*']);
    const rc = november.routineChanges;
    const parts = {
      followedByAlert: rc.followedByAlert,
      residentsWithFlags: november.residentsWith.routineChanges,
      routineChangeAlerts: november.alerts.byKind['routine-change'],
    };
    // Before: 30 each (28 rounded), 28 at least, which four habits of at most 7 make only with 7 each.
    expect(parts).toEqual({ followedByAlert: 25, residentsWithFlags: 25, routineChangeAlerts: 25 });
    for (const part of Object.values(parts)) {
      for (const possible of partPossible(habits, part)) expect(possible.length).toBeGreaterThanOrEqual(2);
    }
    const csv = toCsv(november).split('\r\n');
    expect(csv).toContain('routine-change,within 14 days,followedByAlert,25');
    expect(csv).toContain('residents,with routine-change flags,count,25');
  });

  it('shows urgent alerts, those acknowledged in time and residents with an alert no higher than the kinds allow', () => {
    const january = report('2027-01-01', '2027-01-31');
    const urgent = URGENT_KINDS.map((k) => january.alerts.byKind[k]);
    expect(URGENT.map((k) => january.alerts.byKind[k])).toEqual(['*', '*', '*', '*']);
    const ack = january.acknowledgement;
    // Before: 30 (28 rounded) urgent alerts, all within 60 s and 180 s, and 30 residents with an alert: each kind 7.
    expect([ack.alerts, ack.within60s, ack.within180s, january.residentsWith.alerts]).toEqual([25, 25, 25, 25]);
    expect([ack.shareWithin60s, ack.shareWithin180s]).toEqual([1, 1]);
    for (const part of [ack.alerts, ack.within60s, ack.within180s]) {
      for (const possible of partPossible(urgent, part)) {
        if (possible.length > 1 || possible[0] !== 0) expect(possible.length).toBeGreaterThanOrEqual(2);
      }
    }
    const kinds = Object.values(january.alerts.byKind);
    for (const possible of partPossible(kinds, january.residentsWith.alerts)) {
      if (possible.length > 1 || possible[0] !== 0) expect(possible.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("shows an ordinary month's parts as before", () => {
    const march = report('2027-03-01', '2027-03-31');
    expect([march.alerts.byKind.pendant, march.alerts.byKind.inactivity]).toEqual([20, 20]);
    const ack = march.acknowledgement;
    expect([ack.alerts, ack.within60s, ack.within180s, march.residentsWith.alerts]).toEqual([40, 40, 40, 25]); // 27 residents, rounded
  });

  it('recovers no hidden count through a part in any small report, where the part rounded on its own did', () => {
    const before = partRecoveries({ kinds: 4, outcomes: 0, max: 10, rule: 'before' });
    const after = partRecoveries({ kinds: 4, outcomes: 0, max: 10, rule: 'after' });
    expect(before.hiddenExact).toBeGreaterThan(0);
    expect(after.hiddenExact).toBe(0);
    expect(after.reports).toBe(before.reports);
    // Nothing else narrowed more, and a handful of parts shown otherwise.
    expect(after.hiddenNarrowed).toBeLessThanOrEqual(before.hiddenNarrowed);
    expect(after.partsChanged / after.reports).toBeLessThan(0.001);
  });
});
