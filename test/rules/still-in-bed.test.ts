// Still in bed: a silence on a bed mat that reports each movement is stillness, judged by its own allowance and history.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, WITHOUT_POSSIBLE_FALL, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

const SECOND = 1000;

/** The parts of a home's saved state these tests read. */
interface SavedHome {
  rules: Partial<Record<string, { s: unknown }>>;
  learned: { pending: [string, number, number][] };
}

/** Short presses `everyMs` apart from the clock's time until `untilMs`, as a mat that pulses sends them while someone sleeps. */
function pulses(h: Harness, everyMs: number, untilMs: number): void {
  while (h.clock.now() + everyMs <= untilMs) {
    h.at(everyMs, 'bed', 'occupancy', true);
    h.at(2 * SECOND, 'bed', 'occupancy', false);
  }
}

describe('a silence on a bed mat that reports each movement (cold start)', () => {
  it('at night: no movement in bed for 5 h (inactivity.coldStartStillInBedMinutes) is called, not left until noon', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    pulses(h, 4 * MINUTE_MS, MONDAY + 24 * HOUR_MS); // 23:04 to 00:00: the mat is seen to pulse
    const lastMs = h.clock.now();
    h.clock.advanceTo(MONDAY + 36 * HOUR_MS); // noon
    expect(h.raised()).toEqual([
      expect.objectContaining({
        kind: 'inactivity',
        at: lastMs + 300 * MINUTE_MS,
        detail: expect.objectContaining({
          thresholdMinutes: 300,
          thresholdSource: 'cold-start',
          matOccupied: 'bed',
          stillInBed: true,
        }),
      }),
    ]);
  });

  it('a mat that holds (each press lasts while someone lies on it) says nothing of movement: judged by the morning', () => {
    const h = new Harness(undefined, MONDAY - 5 * DAY_MS + 23 * HOUR_MS);
    // Five days of presses of hours: the mat holds, it does not pulse.
    for (let day = 0; day < 5; day++) {
      for (let k = 0; k < 3; k++) {
        h.at(10 * MINUTE_MS, 'bed', 'occupancy', true);
        h.at(2 * HOUR_MS, 'bed', 'occupancy', false);
      }
      h.clock.advanceTo(MONDAY - (4 - day) * DAY_MS + 23 * HOUR_MS);
    }
    h.at(MINUTE_MS, 'bed', 'occupancy', true); // Monday 23:01, pressed and held
    h.clock.advanceTo(MONDAY + 30 * HOUR_MS); // 06:00: seven hours later, nothing called (not the still allowance)
    expect(h.raised().filter((d) => d.at > MONDAY + 23 * HOUR_MS)).toEqual([]);
  });

  it('a mat that pulses, pressed and never released: no press since is no movement, called at the still allowance', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    pulses(h, 4 * MINUTE_MS, MONDAY + 24 * HOUR_MS);
    h.at(MINUTE_MS, 'bed', 'occupancy', true); // pressed at about midnight; its release never comes (lost, or none)
    const pressMs = h.clock.now();
    h.clock.advanceTo(MONDAY + 36 * HOUR_MS);
    expect(h.raised()).toEqual([
      expect.objectContaining({
        kind: 'inactivity',
        at: pressMs + 300 * MINUTE_MS,
        detail: expect.objectContaining({ thresholdMinutes: 300, matOccupied: 'bed', stillInBed: true }),
      }),
    ]);
  });

  it('a mat that pulses and has held a lie-in: a press no longer than its own lie-in is not read as stillness', () => {
    const h = new Harness(undefined, MONDAY - DAY_MS + 23 * HOUR_MS);
    // Sunday 23:01: its first press, held 7 h, the resident seen nowhere else (a lie-in, before it is known to pulse).
    h.at(MINUTE_MS, 'bed', 'occupancy', true);
    h.at(7 * HOUR_MS, 'bed', 'occupancy', false);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    while (h.clock.now() + 30 * MINUTE_MS < MONDAY + 22 * HOUR_MS) h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.restart(); // what the mat's presses showed survives a restart
    h.clock.advanceTo(MONDAY + 23 * HOUR_MS);
    pulses(h, 4 * MINUTE_MS, MONDAY + 24 * HOUR_MS); // Monday night: it pulses
    h.at(MINUTE_MS, 'bed', 'occupancy', true); // pressed at about midnight and held
    const pressMs = h.clock.now();
    h.clock.advanceTo(pressMs + 7 * HOUR_MS - MINUTE_MS); // as long as its lie-in: nothing called
    expect(h.raised('inactivity')).toEqual([]);
    h.clock.advanceTo(pressMs + 8 * HOUR_MS); // longer than any press it has ended: stillness since the press
    expect(h.raised('inactivity')).toEqual([expect.objectContaining({ at: pressMs + 7 * HOUR_MS })]);
  });

  it('a bed of two mats that pulse is one bed: a release on one while the other stays pressed, then no press, is stillness', () => {
    const h = new Harness(
      home({ devices: [...home().devices, { id: 'bed-2', kind: 'bed', room: 'bedroom' }] }),
      MONDAY + 23 * HOUR_MS,
    );
    for (let i = 0; i < 15; i++) {
      h.at(4 * MINUTE_MS, 'bed-2', 'occupancy', true);
      h.at(2 * SECOND, 'bed-2', 'occupancy', false);
    }
    pulses(h, 4 * MINUTE_MS, MONDAY + 24 * HOUR_MS);
    h.at(MINUTE_MS, 'bed-2', 'occupancy', true); // the other mat pressed, its release never comes...
    pulses(h, 4 * MINUTE_MS, MONDAY + 25 * HOUR_MS); // ...while the resident turns over on this one
    const lastMs = h.clock.now(); // a release on this mat, the other still pressed: the last movement in bed
    h.clock.advanceTo(MONDAY + 36 * HOUR_MS); // no new press on either mat: no movement (was judged as a held mat)
    expect(h.raised()).toEqual([
      expect.objectContaining({
        kind: 'inactivity',
        at: lastMs + 300 * MINUTE_MS,
        detail: expect.objectContaining({ thresholdMinutes: 300, matOccupied: 'bed', stillInBed: true }),
      }),
    ]);
  });

  it('a bed of two mats: the other mat pressed no longer than its own lie-ins says nothing of movement yet', () => {
    const h = new Harness(
      home({ devices: [...home().devices, { id: 'bed-2', kind: 'bed', room: 'bedroom' }] }),
      MONDAY - DAY_MS + 23 * HOUR_MS,
    );
    // Sunday night: the other mat holds a 7-h lie-in with the resident seen nowhere else; then the day in the kitchen.
    h.at(MINUTE_MS, 'bed-2', 'occupancy', true);
    h.at(7 * HOUR_MS, 'bed-2', 'occupancy', false);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    while (h.clock.now() + 30 * MINUTE_MS < MONDAY + 22 * HOUR_MS) h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.clock.advanceTo(MONDAY + 23 * HOUR_MS);
    for (let i = 0; i < 15; i++) {
      h.at(4 * MINUTE_MS, 'bed-2', 'occupancy', true);
      h.at(2 * SECOND, 'bed-2', 'occupancy', false);
    }
    pulses(h, 4 * MINUTE_MS, MONDAY + 24 * HOUR_MS + 30 * MINUTE_MS);
    h.at(MINUTE_MS, 'bed-2', 'occupancy', true); // the other mat pressed at about 00:31 and held...
    const pressMs = h.clock.now();
    pulses(h, 4 * MINUTE_MS, MONDAY + 25 * HOUR_MS); // ...a last movement on this one at about 01:00
    h.clock.advanceTo(pressMs + 7 * HOUR_MS - MINUTE_MS); // as long as that mat's lie-in: nothing called
    expect(h.raised('inactivity')).toEqual([]);
    h.clock.advanceTo(pressMs + 8 * HOUR_MS); // longer than any press it has ended: stillness since the press
    expect(h.raised('inactivity')).toEqual([expect.objectContaining({ at: pressMs + 7 * HOUR_MS })]);
  });

  it('in the morning, lying quiet in bed for less than the still allowance is left to the morning check', () => {
    const h = new Harness(undefined, MONDAY + 30 * HOUR_MS); // Tuesday 06:00, after the night window
    pulses(h, 4 * MINUTE_MS, MONDAY + 31 * HOUR_MS); // until 07:00
    h.clock.advanceTo(MONDAY + 31 * HOUR_MS + 4 * HOUR_MS + 40 * MINUTE_MS); // 11:40: 4 h 40 min without a press
    h.at(0, 'bed', 'occupancy', true); // turns over
    h.at(2 * SECOND, 'bed', 'occupancy', false);
    h.clock.advanceTo(MONDAY + 36 * HOUR_MS + 30 * MINUTE_MS); // 12:30: past the check and its grace
    expect(h.raised('inactivity')).toEqual([]);
  });

  it("in the morning, before a late riser's check: no movement for the still allowance (5 h) is called, not at the check", () => {
    // Care plan: usual rising 11:00, so the morning check is at 12:30; the mat pulses through the night to 06:20.
    const h = new Harness(
      home({ routine: { usualRisingTime: '11:00' } }, WITHOUT_POSSIBLE_FALL),
      MONDAY + 23 * HOUR_MS,
    );
    pulses(h, 4 * MINUTE_MS, MONDAY + 30 * HOUR_MS + 20 * MINUTE_MS);
    const lastMs = h.clock.now();
    expect(lastMs).toBeGreaterThan(MONDAY + 30 * HOUR_MS); // the silence starts by day, after the night window
    h.clock.advanceTo(MONDAY + 38 * HOUR_MS); // 14:00
    expect(h.raised()[0]).toEqual(
      expect.objectContaining({
        kind: 'inactivity',
        at: lastMs + 300 * MINUTE_MS, // about 11:20; before: the check's 12:30
        detail: expect.objectContaining({ thresholdMinutes: 300, matOccupied: 'bed', stillInBed: true }),
      }),
    );
  });

  it('in the morning, a home whose own still mornings are longer than the allowance: waited on for them, not 5 h', () => {
    const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY + 23 * HOUR_MS);
    // Monday night: the mat pulses until 06:20, then lies still for 6 h 10 min (the cold-start check, 10:00, plus
    // its grace runs to 12:00): called at the allowance, 5 h.
    pulses(h, 4 * MINUTE_MS, MONDAY + 30 * HOUR_MS + 20 * MINUTE_MS);
    const firstMs = h.clock.now();
    h.clock.advanceTo(firstMs + 370 * MINUTE_MS);
    expect(h.raised('inactivity').map((d) => d.at)).toEqual([firstMs + 300 * MINUTE_MS]);
    h.at(0, 'bed', 'occupancy', true); // it ends: a 370-min still period in bed, learned the next day
    h.at(2 * SECOND, 'bed', 'occupancy', false);
    // Tuesday night, the same morning: the home's own still period at that hour is longer than 5 h.
    h.clock.advanceTo(MONDAY + 47 * HOUR_MS);
    pulses(h, 4 * MINUTE_MS, MONDAY + 54 * HOUR_MS + 20 * MINUTE_MS);
    const secondMs = h.clock.now();
    h.clock.advanceTo(secondMs + 380 * MINUTE_MS);
    expect(h.raised('inactivity').filter((d) => d.at > secondMs)).toEqual([]);
  });

  it('in the morning, a mat that pulses pressed and never released: called at the still allowance, not at the check', () => {
    const h = new Harness(
      home({ routine: { usualRisingTime: '11:00' } }, WITHOUT_POSSIBLE_FALL),
      MONDAY + 23 * HOUR_MS,
    );
    pulses(h, 4 * MINUTE_MS, MONDAY + 30 * HOUR_MS + 20 * MINUTE_MS);
    h.at(MINUTE_MS, 'bed', 'occupancy', true); // pressed at about 06:21; its release never comes
    const pressMs = h.clock.now();
    h.clock.advanceTo(MONDAY + 38 * HOUR_MS);
    expect(h.raised()[0]).toEqual(
      expect.objectContaining({
        kind: 'inactivity',
        at: pressMs + 300 * MINUTE_MS,
        detail: expect.objectContaining({ thresholdMinutes: 300, matOccupied: 'bed', stillInBed: true }),
      }),
    );
  });

  /** A night on a mat seen to pulse (Monday 23:00 to Tuesday 06:40), up and about 07:00-13:00, back to bed at 13:00. */
  function napAfterTheMorning(lieInMs = 0): Harness {
    const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY + (lieInMs > 0 ? -1 : 23) * HOUR_MS);
    if (lieInMs > 0) {
      // Sunday 23:00: the mat's first press, held through the night, the resident seen nowhere else (a lie-in).
      h.at(0, 'bed', 'occupancy', true);
      h.at(lieInMs, 'bed', 'occupancy', false);
      h.clock.advanceTo(MONDAY + 23 * HOUR_MS);
    }
    pulses(h, 4 * MINUTE_MS, MONDAY + 30 * HOUR_MS + 40 * MINUTE_MS);
    h.clock.advanceTo(MONDAY + 31 * HOUR_MS);
    // Up: the morning check is satisfied for the day.
    for (let i = 0; i < 12; i++) h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'bedroom-pir', 'motion', true);
    pulses(h, 10 * MINUTE_MS, MONDAY + 38 * HOUR_MS); // in bed again, turning over now and then until 14:00
    return h;
  }

  it('a nap after the morning: 5 h without any movement on the mat is called, not 12 h later', () => {
    const h = napAfterTheMorning();
    const lastMs = h.clock.now();
    h.clock.advanceTo(lastMs + 13 * HOUR_MS);
    expect(h.raised()).toEqual([
      expect.objectContaining({
        kind: 'inactivity',
        at: lastMs + 300 * MINUTE_MS,
        detail: expect.objectContaining({ thresholdMinutes: 300, matOccupied: 'bed', stillInBed: true }),
      }),
    ]);
  });

  it('a press through a nap no longer than the lie-ins the mat has held says nothing of movement: not called at 5 h', () => {
    // A press of 7 h seen on this mat (Kasteren C: a press held 3.8 h on an ordinary morning).
    const h = napAfterTheMorning(7 * HOUR_MS);
    h.at(MINUTE_MS, 'bed', 'occupancy', true); // pressed and held
    h.clock.advanceTo(h.clock.now() + 6 * HOUR_MS);
    expect(h.raised('inactivity')).toEqual([]);
  });
});

describe('still periods in bed are learned apart from a mat held on', () => {
  it('a week of restless nights and long held lie-ins: a still night is called at the learned stillness, not the lie-ins', () => {
    // Inactivity alone: after a week of such nights, night-stillness (possible-fall's family) would call first.
    const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY + 23 * HOUR_MS);
    for (let day = 0; day < 7; day++) {
      const night = MONDAY + day * DAY_MS + 23 * HOUR_MS;
      pulses(h, 20 * MINUTE_MS, night + 7 * HOUR_MS); // 23:20 to 06:00, a press every 20 min
      h.at(MINUTE_MS, 'bed', 'occupancy', true); // 06:01: held for four hours, a lie-in
      h.clock.advanceTo(night + 11 * HOUR_MS);
      h.at(0, 'bed', 'occupancy', false);
      h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
      while (h.clock.now() + 30 * MINUTE_MS < night + DAY_MS) h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
      h.clock.advanceTo(night + DAY_MS - MINUTE_MS); // 22:59: to bed
      h.at(0, 'bed', 'occupancy', true);
      h.at(2 * SECOND, 'bed', 'occupancy', false);
    }
    // Ordinary nights and lie-ins were never called about.
    expect(h.raised()).toEqual([]);
    const night = MONDAY + 7 * DAY_MS + 23 * HOUR_MS;
    pulses(h, 20 * MINUTE_MS, night + 6 * HOUR_MS); // until 05:00, then no movement at all
    const lastMs = h.clock.now();
    h.clock.advanceTo(lastMs + 12 * HOUR_MS);
    const first = h.raised().at(0);
    expect(first).toEqual(
      expect.objectContaining({
        kind: 'inactivity',
        detail: expect.objectContaining({ thresholdSource: 'learned', matOccupied: 'bed' }),
      }),
    );
    // The home's still periods in bed are 20 min: learned takes the allowance well under the 5 h prior (the lie-ins
    // held on at these hours would have kept it over 5 h).
    expect((first?.at ?? Infinity) - lastMs).toBeLessThan(240 * MINUTE_MS);
  });

  it('a lie-in on a mat that pulses, pressed and held: not cut short by the still periods learned after releases', () => {
    // Inactivity alone, as above: a week of restless nights, each press released, no lie-in yet.
    const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY + 23 * HOUR_MS);
    for (let day = 0; day < 7; day++) {
      const night = MONDAY + day * DAY_MS + 23 * HOUR_MS;
      pulses(h, 20 * MINUTE_MS, night + 7 * HOUR_MS);
      h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
      while (h.clock.now() + 30 * MINUTE_MS < night + DAY_MS) h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
      h.clock.advanceTo(night + DAY_MS - MINUTE_MS);
      h.at(0, 'bed', 'occupancy', true);
      h.at(2 * SECOND, 'bed', 'occupancy', false);
    }
    const night = MONDAY + 7 * DAY_MS + 23 * HOUR_MS;
    pulses(h, 20 * MINUTE_MS, night + 7 * HOUR_MS);
    h.at(MINUTE_MS, 'bed', 'occupancy', true); // 06:01: the first lie-in, pressed and held (Kasteren C: 3.8 h)
    h.at(3.8 * HOUR_MS, 'bed', 'occupancy', false);
    expect(h.raised('inactivity')).toEqual([]);
  });

  it('a still period under way survives a restart and is learned when it ends', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    pulses(h, 4 * MINUTE_MS, MONDAY + 24 * HOUR_MS);
    const saved = (): SavedHome | undefined =>
      (h.engine.exportState() as { homes: Record<string, SavedHome> }).homes.h1;
    // The still period's start, and when the bedroom (the bed mat) last reported.
    expect(saved()?.rules.inactivity?.s).toEqual({
      stillSince: h.clock.now(),
      bedroomAt: expect.any(Number) as number,
    });
    h.restart();
    h.advanceBy(90 * MINUTE_MS);
    h.at(0, 'bed', 'occupancy', true); // 01:30: moved again
    const pending = saved()?.learned.pending;
    expect(pending?.filter(([context]) => context === 'in-bed-still').map(([, , gapMs]) => gapMs)).toEqual([
      90 * MINUTE_MS,
    ]);
  });
});

describe('the morning check and a mat that reports each movement (care plan: usual rising 07:30, check 09:00)', () => {
  /** Monday 23:00 to about 06:40 Tuesday: a press every 20 min, as a sleeper turning over. */
  function night(): Harness {
    const h = new Harness(
      home({ routine: { usualRisingTime: '07:30' } }, WITHOUT_POSSIBLE_FALL),
      MONDAY + 23 * HOUR_MS,
    );
    pulses(h, 20 * MINUTE_MS, MONDAY + 30 * HOUR_MS + 40 * MINUTE_MS);
    return h;
  }
  const CHECK = MONDAY + 33 * HOUR_MS; // Tuesday 09:00

  it('no movement in bed since before the usual rising time: called at the check, not 2 h later', () => {
    const h = night();
    h.clock.advanceTo(CHECK + 3 * HOUR_MS);
    expect(h.raised()).toEqual([
      expect.objectContaining({
        kind: 'no-morning-activity',
        at: CHECK,
        detail: expect.objectContaining({ matOccupied: 'bed', checkTime: '09:00' }),
      }),
    ]);
  });

  it('moving in bed after the usual rising time (lying in): the check looks again 2 h later', () => {
    const h = night();
    h.clock.advanceTo(MONDAY + 32 * HOUR_MS); // 08:00: turns over
    h.at(0, 'bed', 'occupancy', true);
    h.at(2 * SECOND, 'bed', 'occupancy', false);
    h.clock.advanceTo(CHECK + 3 * HOUR_MS);
    expect(h.raised().map((d) => [d.kind, d.at])).toEqual([['no-morning-activity', CHECK + 2 * HOUR_MS]]);
  });
});
