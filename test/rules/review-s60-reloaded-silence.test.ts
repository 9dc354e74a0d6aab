// Review, session 60: the inactivity allowance of a silence already under way was the one in force at the resident's
// last activity. An installer who changed it and reloaded (or restarted with the new file) saw it applied only from the
// next activity: a resident silent since 10:00 under a day allowance lowered from 4 h to 2 h 30 at 11:00 was called
// at 14:00, the old time; one raised to 6 h was called at 14:00 all the same.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, home, MONDAY, WITHOUT_POSSIBLE_FALL } from './factories.js';

const TEN = MONDAY + 10 * HOUR_MS;

/** The resident last seen at 10:00 in the living room (a Monday, no history: the cold-start day allowance, 4 h). */
function silentFromTen(): Harness {
  const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), TEN);
  h.at(0, 'living-pir', 'motion', true);
  h.at(0, 'living-pir', 'motion', false);
  return h;
}

const dayAllowance = (minutes: number) =>
  home({}, { ...WITHOUT_POSSIBLE_FALL, inactivity: { coldStartDayMinutes: minutes } });

const prealerts = (h: Harness): number[] => h.of('prealert').map((d) => (d as { at: number }).at);

describe('an inactivity allowance changed by a reload applies to the silence under way', () => {
  it('lowered from 4 h to 2 h 30 at 11:00: called at 12:30, warned at 12:20', () => {
    const h = silentFromTen();
    h.advanceBy(HOUR_MS);
    h.restart(dayAllowance(150));
    h.watch();
    h.advanceBy(8 * HOUR_MS);
    expect(h.familyCalls()).toEqual([['inactivity', TEN + 150 * MINUTE_MS]]);
    expect(prealerts(h)).toEqual([TEN + 140 * MINUTE_MS]);
    expect(h.raised('inactivity')[0]?.detail).toMatchObject({ thresholdMinutes: 150 });
  });

  it('raised from 4 h to 6 h at 11:00: not called at 14:00, called at 16:00', () => {
    const h = silentFromTen();
    h.advanceBy(HOUR_MS);
    h.restart(dayAllowance(360));
    h.watch();
    h.advanceBy(4 * HOUR_MS);
    expect(h.familyCalls()).toEqual([]);
    h.advanceBy(4 * HOUR_MS);
    expect(h.familyCalls()).toEqual([['inactivity', TEN + 6 * HOUR_MS]]);
  });

  it('lowered at 13:00 below the silence so far: called at once, as overdue since 12:30', () => {
    const h = silentFromTen();
    h.advanceBy(3 * HOUR_MS);
    h.restart(dayAllowance(150));
    h.watch();
    // Stamped when the allowance ran out, as the hub stamps a silence that fell due while it was down.
    h.advanceBy(MINUTE_MS);
    expect(h.familyCalls()).toEqual([['inactivity', TEN + 150 * MINUTE_MS]]);
  });

  it('a learned allowance (three days of history, taken over from the prior) moves with the prior lowered', () => {
    const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY + 8 * HOUR_MS);
    for (let day = 0; day < 3; day++) {
      const morning = MONDAY + day * 24 * HOUR_MS + 8 * HOUR_MS;
      for (let t = morning; t < morning + 13 * HOUR_MS; t += 17 * MINUTE_MS) {
        h.advanceBy(t - h.clock.now());
        h.at(0, 'living-pir', 'motion', true);
      }
    }
    const thursday = MONDAY + 3 * 24 * HOUR_MS + 10 * HOUR_MS;
    h.advanceBy(thursday - h.clock.now());
    h.at(0, 'living-pir', 'motion', true);
    const before = h.engine.nextDueAt();
    h.advanceBy(30 * MINUTE_MS);
    h.restart(dayAllowance(150));
    h.watch();
    const calls = h.familyCalls().length;
    h.advanceBy(10 * HOUR_MS);
    const [call] = h.familyCalls().slice(calls);
    // Learned from the home's days, shrunk toward a prior now lower: sooner than it was armed (2 h 47 then 2 h 13).
    expect(call?.[1]).toBeLessThan(before ?? 0);
    expect(call?.[1]).toBeGreaterThan(thursday + 30 * MINUTE_MS);
    expect(h.raised('inactivity').at(-1)?.detail).toMatchObject({ thresholdSource: 'learned' });
  });

  it('a restart with the configuration unchanged moves nothing', () => {
    const h = silentFromTen();
    h.advanceBy(HOUR_MS);
    h.restart();
    h.watch();
    h.advanceBy(8 * HOUR_MS);
    expect(h.familyCalls()).toEqual([['inactivity', TEN + 4 * HOUR_MS]]);
    expect(prealerts(h)).toEqual([TEN + 230 * MINUTE_MS]);
  });
});

describe("a room's possible-fall allowance changed by a reload applies to the silence under way", () => {
  /** The resident last seen at 10:00 in the kitchen (no history: the room's cold-start day allowance, 45 min). */
  function inKitchenAtTen(): Harness {
    const h = new Harness(home(), TEN);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(0, 'kitchen-pir', 'motion', false);
    return h;
  }
  const roomAllowance = (minutes: number) => home({}, { possibleFall: { coldStartDayMinutes: minutes } });

  it('lowered from 45 to 30 min at 10:10: called at 10:30', () => {
    const h = inKitchenAtTen();
    h.advanceBy(10 * MINUTE_MS);
    h.restart(roomAllowance(30));
    h.watch();
    h.advanceBy(HOUR_MS);
    expect(h.familyCalls()).toEqual([['possible-fall', TEN + 30 * MINUTE_MS]]);
  });

  it('raised from 45 to 60 min at 10:10: not called at 10:45, called at 11:00', () => {
    const h = inKitchenAtTen();
    h.advanceBy(10 * MINUTE_MS);
    h.restart(roomAllowance(60));
    h.watch();
    h.advanceBy(40 * MINUTE_MS);
    expect(h.familyCalls()).toEqual([]);
    h.advanceBy(HOUR_MS);
    expect(h.familyCalls()).toEqual([['possible-fall', TEN + 60 * MINUTE_MS]]);
  });

  it('a restart with the configuration unchanged moves nothing', () => {
    const h = inKitchenAtTen();
    h.advanceBy(10 * MINUTE_MS);
    h.restart();
    h.watch();
    h.advanceBy(HOUR_MS);
    expect(h.familyCalls()).toEqual([['possible-fall', TEN + 45 * MINUTE_MS]]);
  });
});

describe("a bathroom visit's allowance changed by a reload applies to the visit under way", () => {
  /** The resident in the bathroom from 10:00 (no history: the day's allowance, 60 min). */
  function inBathroomAtTen(): Harness {
    const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), TEN);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(0, 'bathroom-pir', 'motion', false);
    return h;
  }
  const visitAllowance = (minutes: number) =>
    home({}, { ...WITHOUT_POSSIBLE_FALL, bathroom: { coldStartDayMinutes: minutes } });

  it('lowered from 60 to 40 min at 10:10: called at 10:40', () => {
    const h = inBathroomAtTen();
    h.advanceBy(10 * MINUTE_MS);
    h.restart(visitAllowance(40));
    h.watch();
    h.advanceBy(HOUR_MS);
    expect(h.familyCalls()).toEqual([['bathroom-too-long', TEN + 40 * MINUTE_MS]]);
  });

  it('raised from 60 to 90 min at 10:10: not called at 11:00, called at 11:30', () => {
    const h = inBathroomAtTen();
    h.advanceBy(10 * MINUTE_MS);
    h.restart(visitAllowance(90));
    h.watch();
    h.advanceBy(HOUR_MS);
    expect(h.familyCalls()).toEqual([]);
    h.advanceBy(HOUR_MS);
    expect(h.familyCalls()).toEqual([['bathroom-too-long', TEN + 90 * MINUTE_MS]]);
  });

  it('a restart with the configuration unchanged moves nothing', () => {
    const h = inBathroomAtTen();
    h.advanceBy(10 * MINUTE_MS);
    h.restart();
    h.watch();
    h.advanceBy(2 * HOUR_MS);
    expect(h.familyCalls()).toEqual([['bathroom-too-long', TEN + 60 * MINUTE_MS]]);
  });
});

describe("a night's out-of-bed allowance changed by a reload applies to the absence under way", () => {
  /** In bed at 23:00, up at 02:00 and about the kitchen every 5 min (no history: 45 min out of bed allowed). */
  function upAtTwo(config = home()): { h: Harness; up: number; about: (until: number) => void } {
    const h = new Harness(config, MONDAY + 23 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    h.at(3 * HOUR_MS, 'bed', 'occupancy', false);
    const up = h.clock.now();
    const about = (until: number) => {
      while (h.clock.now() + 5 * MINUTE_MS <= until) h.at(5 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    };
    return { h, up, about };
  }
  const outOfBed = (minutes: number) => home({}, { outOfBed: { coldStartMinutes: minutes } });
  const calls = (h: Harness) => h.raised('out-of-bed-too-long').map((d) => d.at);

  it('lowered from 45 to 30 min at 02:10: called at 02:30', () => {
    const { h, up, about } = upAtTwo();
    about(up + 10 * MINUTE_MS);
    h.restart(outOfBed(30));
    h.watch();
    about(up + 60 * MINUTE_MS);
    expect(calls(h)).toEqual([up + 30 * MINUTE_MS]);
  });

  it('raised from 45 to 60 min at 02:10: not called at 02:45, called at 03:00', () => {
    const { h, up, about } = upAtTwo();
    about(up + 10 * MINUTE_MS);
    h.restart(outOfBed(60));
    h.watch();
    about(up + 50 * MINUTE_MS);
    expect(calls(h)).toEqual([]);
    about(up + 70 * MINUTE_MS);
    expect(calls(h)).toEqual([up + 60 * MINUTE_MS]);
  });

  it('a restart with the configuration unchanged moves nothing', () => {
    const { h, up, about } = upAtTwo();
    about(up + 10 * MINUTE_MS);
    h.restart();
    h.watch();
    about(up + 60 * MINUTE_MS);
    expect(calls(h)).toEqual([up + 45 * MINUTE_MS]);
  });
});
