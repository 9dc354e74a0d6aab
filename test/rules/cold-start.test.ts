// The first weeks in a new home: care-plan routine, bed mat at the morning check, held sensor states, learned model taking over gradually.
import { describe, expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import type { HomeConfig } from '../../rules/types.js';
import { DEVICES, Harness, MONDAY, WITHOUT_POSSIBLE_FALL, ev, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

describe('morning check in the first weeks', () => {
  it("uses the care plan's usual rising time: a resident who rises at 11:00 is not called about at 10:00", () => {
    const h = new Harness(
      home({ routine: { usualRisingTime: '11:00', usualBedtime: '23:30' } }, WITHOUT_POSSIBLE_FALL),
      MONDAY + 23 * HOUR_MS,
    );
    h.at(0, 'bed', 'occupancy', true);
    h.clock.advanceTo(MONDAY + DAY_MS + 10 * HOUR_MS + 30 * MINUTE_MS);
    h.at(0, 'bed', 'occupancy', false);
    h.at(0, 'bedroom-pir', 'motion', true); // up, but still in the bedroom
    h.advanceBy(1 * HOUR_MS + 59 * MINUTE_MS);
    expect(h.raised('no-morning-activity')).toHaveLength(0);
    h.advanceBy(2 * MINUTE_MS);
    expect(h.raised('no-morning-activity')).toEqual([
      expect.objectContaining({
        at: MONDAY + DAY_MS + 12 * HOUR_MS + 30 * MINUTE_MS,
        detail: expect.objectContaining({ thresholdSource: 'care-plan', checkTime: '12:30' }),
      }),
    ]);
  });

  it('a resident still in bed by the bed mat at the check is looked at again later, an empty bed and silence is not', () => {
    const inBed = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    inBed.at(0, 'bed', 'occupancy', true);
    inBed.clock.advanceTo(MONDAY + DAY_MS + 10 * HOUR_MS + 40 * MINUTE_MS);
    // Inactivity in bed waits with the morning check (it used to call at 10:00, the check's first look).
    expect(inBed.raised()).toHaveLength(0);
    // Still in bed and silent: inactivity's 12 h cap since 23:00 calls at 11:00; that is the one call-out of this
    // silence, so the check looked at again at 12:00 raises nothing more.
    inBed.clock.advanceTo(MONDAY + DAY_MS + 12 * HOUR_MS + MINUTE_MS);
    expect(inBed.raised()).toEqual([
      expect.objectContaining({
        kind: 'inactivity',
        at: MONDAY + DAY_MS + 11 * HOUR_MS,
        detail: expect.objectContaining({ matOccupied: 'bed' }),
      }),
    ]);
    // A late riser up at 10:30 is called about by nothing.
    const lateRiser = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    lateRiser.at(0, 'bed', 'occupancy', true);
    lateRiser.clock.advanceTo(MONDAY + DAY_MS + 10 * HOUR_MS + 30 * MINUTE_MS);
    lateRiser.at(0, 'bed', 'occupancy', false);
    lateRiser.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    lateRiser.at(10 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    expect(lateRiser.raised()).toHaveLength(0);

    const emptyBed = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY + 23 * HOUR_MS);
    emptyBed.at(0, 'bed', 'occupancy', true);
    // Out of bed at 05:30: 45 min away from it ends after the night, so no out-of-bed alert comes first.
    emptyBed.clock.advanceTo(MONDAY + DAY_MS + 5 * HOUR_MS + 30 * MINUTE_MS);
    emptyBed.at(0, 'bed', 'occupancy', false);
    emptyBed.at(0, 'bedroom-pir', 'motion', true);
    emptyBed.clock.advanceTo(MONDAY + DAY_MS + 10 * HOUR_MS + MINUTE_MS);
    expect(emptyBed.raised('no-morning-activity')).toEqual([
      expect.objectContaining({
        at: MONDAY + DAY_MS + 10 * HOUR_MS,
        detail: expect.objectContaining({ matOccupied: null }),
      }),
    ]);
  });

  it('one late morning moves the check later at once; early mornings move it earlier only day by day', () => {
    // Late riser: up at 11:30 on day 1 (after the 10:00 check), so day 2's check is 13:00.
    const late = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    late.at(0, 'bed', 'occupancy', true);
    late.clock.advanceTo(MONDAY + DAY_MS + 11 * HOUR_MS + 30 * MINUTE_MS);
    late.at(0, 'bed', 'occupancy', false);
    late.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    for (let t = 0; t < 12; t++) late.at(10 * MINUTE_MS, 'living-pir', 'motion', true);
    late.at(0, 'bed', 'occupancy', true);
    const before = late.raised('no-morning-activity').length;
    late.clock.advanceTo(MONDAY + 2 * DAY_MS + 12 * HOUR_MS + 59 * MINUTE_MS);
    expect(late.raised('no-morning-activity')).toHaveLength(before);

    // Early riser: up at 07:00 every day. The check (10:00 at first) comes earlier as mornings accumulate.
    const early = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY + 22 * HOUR_MS);
    const checkTimes: number[] = [];
    for (let d = 1; d <= 21; d++) {
      const day = MONDAY + d * DAY_MS;
      early.clock.advanceTo(day + 7 * HOUR_MS);
      early.at(0, 'kitchen-pir', 'motion', true);
      for (let t = 0; t < 8; t++) early.at(15 * MINUTE_MS, 'living-pir', 'motion', true);
      // A copy of the engine tells when the next morning's check is due if nobody gets up.
      const copy = RulesEngine.fromState([early.config], early.engine.exportState());
      // Awake in the bedroom all night and morning (movement every 15 min), never out of it: only the morning check can call.
      const decisions = [];
      for (let t = day + 23 * HOUR_MS; t < day + 2 * DAY_MS; t += 15 * MINUTE_MS)
        decisions.push(...copy.handle(ev(t, 'bedroom-pir', 'motion', true, early.config)));
      const raise = decisions.find((x) => x.type === 'raise' && x.kind === 'no-morning-activity');
      checkTimes.push(raise ? raise.at - (day + DAY_MS) : NaN);
    }
    expect(checkTimes[0]).toBeLessThan(10 * HOUR_MS);
    expect(checkTimes[0]).toBeGreaterThan(9 * HOUR_MS);
    checkTimes.slice(1).forEach((t, i) => expect(t).toBeLessThanOrEqual(checkTimes[i] ?? NaN));
    expect(checkTimes[20]).toBeLessThan(9 * HOUR_MS);
    expect(checkTimes[20]).toBeGreaterThanOrEqual(8 * HOUR_MS + 30 * MINUTE_MS);
  });
});

describe("the care plan's usual bedtime", () => {
  it("moves the cold-start night: a late sleeper's silent evening is called about, an early sleeper's is not", () => {
    const late = new Harness(
      home({ routine: { usualBedtime: '01:30' } }, WITHOUT_POSSIBLE_FALL),
      MONDAY + 21 * HOUR_MS,
    );
    late.at(0, 'living-pir', 'motion', true);
    late.clock.advanceTo(MONDAY + 25 * HOUR_MS + MINUTE_MS);
    expect(late.raised('inactivity')).toEqual([
      expect.objectContaining({
        at: MONDAY + 25 * HOUR_MS,
        detail: expect.objectContaining({ thresholdMinutes: 240 }),
      }),
    ]);
    // Without the care plan, the night window (23:00) starts within those 4 h: the night allowance applies.
    const noPlan = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY + 21 * HOUR_MS);
    noPlan.at(0, 'living-pir', 'motion', true);
    noPlan.clock.advanceTo(MONDAY + 25 * HOUR_MS + MINUTE_MS);
    expect(noPlan.raised()).toHaveLength(0);

    // Silent from 17:00 in the living room: an early sleeper (20:30) is about to go to bed, not at 21:00 in danger.
    const early = new Harness(
      home({ routine: { usualBedtime: '20:30' } }, WITHOUT_POSSIBLE_FALL),
      MONDAY + 17 * HOUR_MS,
    );
    early.at(0, 'living-pir', 'motion', true);
    early.clock.advanceTo(MONDAY + 21 * HOUR_MS + MINUTE_MS);
    expect(early.raised()).toHaveLength(0);
  });
});

describe('held sensor states', () => {
  it('a PIR that reports on and off: still on is someone there; the silence starts when it goes off', () => {
    const h = new Harness(home({}, { presence: { heldMaxMinutes: 6 * 60 } }), MONDAY + 9 * HOUR_MS);
    // Seen once to report the end of a held state: this PIR holds `true` while it sees movement.
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.advanceBy(5 * HOUR_MS);
    expect(h.raised()).toHaveLength(0);
    h.at(0, 'kitchen-pir', 'motion', false);
    const off = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(h.raised('possible-fall')).toEqual([expect.objectContaining({ at: off + 45 * MINUTE_MS, room: 'kitchen' })]);
  });

  it('a PIR that only ever sends `true` (a pulse) is not held: silence after it is watched as before', () => {
    const h = new Harness(undefined, MONDAY + 9 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.advanceBy(46 * MINUTE_MS);
    expect(h.raised('possible-fall')).toHaveLength(1);
  });

  it('a held state longer than 30 min (default) is a stuck sensor or a lost off, not presence: alerts are not kept back', () => {
    const h = new Harness(undefined, MONDAY + 9 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    const on = h.clock.now();
    h.advanceBy(2 * HOUR_MS);
    // Due at 45 min, the PIR then held for 45 min: past 30 min it no longer counts.
    expect(h.raised('possible-fall')).toEqual([expect.objectContaining({ at: on + 45 * MINUTE_MS })]);
  });
});

describe('mats', () => {
  it('a bed with two mats: one side going off while the other is pressed is not getting out of bed', () => {
    const config = home({ devices: [...DEVICES, { id: 'bed-left', kind: 'bed', room: 'bedroom' }] });
    const h = new Harness(config, MONDAY + 23 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    h.at(MINUTE_MS, 'bed-left', 'occupancy', true);
    h.at(HOUR_MS, 'bed-left', 'occupancy', false); // turned over
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('out-of-bed-too-long')).toHaveLength(0);
    h.at(0, 'bed', 'occupancy', false); // now really up
    h.advanceBy(46 * MINUTE_MS);
    expect(h.raised('out-of-bed-too-long')).toHaveLength(1);
  });

  it('in a living room without a chair mat, sitting still is normal: no 45-min possible fall in the cold start', () => {
    const noChair: HomeConfig = home({ devices: DEVICES.filter((d) => d.id !== 'chair') });
    const h = new Harness(noChair, MONDAY + 14 * HOUR_MS);
    h.at(0, 'living-pir', 'motion', true);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toHaveLength(0);
    // With a chair mat there and empty, the same silence is where a collapse hides.
    const withChair = new Harness(undefined, MONDAY + 14 * HOUR_MS);
    withChair.at(0, 'living-pir', 'motion', true);
    withChair.advanceBy(46 * MINUTE_MS);
    expect(withChair.raised('possible-fall')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({
          silenceMinutes: 45,
          thresholdMinutes: 45,
          thresholdSource: 'cold-start',
          lastRoom: 'living',
          lastDeviceId: 'living-pir',
          matOccupied: null,
        }),
      }),
    ]);
  });
});

describe('learned model taking over', () => {
  /** A day of kitchen work: motion every 10 min from 08:00 to 20:00, then bed. */
  function kitchenDay(engine: RulesEngine, config: HomeConfig, day: number): void {
    engine.handle(ev(day + 7 * HOUR_MS + 59 * MINUTE_MS, 'bed', 'occupancy', false, config));
    for (let t = day + 8 * HOUR_MS; t < day + 20 * HOUR_MS; t += 10 * MINUTE_MS)
      engine.handle(ev(t, 'kitchen-pir', 'motion', true, config));
    engine.handle(ev(day + 20 * HOUR_MS + MINUTE_MS, 'bed', 'occupancy', true, config));
  }

  /** When a collapse after kitchen motion at 12:00 on `day` would be raised, on a copy of the engine. */
  function possibleFallAfterMs(engine: RulesEngine, config: HomeConfig, day: number): number {
    const copy = RulesEngine.fromState([config], engine.exportState());
    const at = day + 12 * HOUR_MS + 5 * MINUTE_MS;
    copy.handle(ev(at - MINUTE_MS, 'bed', 'occupancy', false, config));
    copy.handle(ev(at, 'kitchen-pir', 'motion', true, config));
    const raise = copy.advanceTo(at + 4 * HOUR_MS).find((d) => d.type === 'raise' && d.kind === 'possible-fall');
    return raise ? raise.at - at : NaN;
  }

  it('day by day from the 45-min cold start toward the 30-min floor, with no jump at day 14', () => {
    const config = home();
    const engine = new RulesEngine([config]);
    engine.handle(ev(MONDAY, 'bed', 'occupancy', true, config));
    const delays: number[] = [];
    for (let d = 0; d < 21; d++) {
      delays.push(possibleFallAfterMs(engine, config, MONDAY + d * DAY_MS));
      kitchenDay(engine, config, MONDAY + d * DAY_MS);
    }
    expect(delays[0]).toBe(45 * MINUTE_MS);
    delays.slice(1).forEach((d, i) => expect(d).toBeLessThanOrEqual(delays[i] ?? NaN));
    // Already shorter after a few days, not only from day 14 ...
    expect(delays[4]).toBeLessThan(40 * MINUTE_MS);
    // ... and no switch at day 14.
    expect((delays[13] ?? NaN) - (delays[15] ?? NaN)).toBeLessThan(2 * MINUTE_MS);
    expect(delays[20]).toBeGreaterThanOrEqual(30 * MINUTE_MS);
  });
});
