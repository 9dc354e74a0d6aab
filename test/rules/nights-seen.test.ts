// Nights seen to begin elsewhere: a silence from a room no night of this home has begun in is no night.
import { describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, MONDAY, WITHOUT_POSSIBLE_FALL, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** No mat: the bedroom PIR is where nights are seen to begin (a silence there is a night in bed). */
const DEVICES: DeviceConfig[] = [
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'living-pir', kind: 'motion', room: 'living' },
  { id: 'bedroom-pir', kind: 'motion', room: 'bedroom' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

/**
 * `nights` days from Monday: up at 07:00, the kitchen every 30 min until 21:00, then to bed past the bedroom PIR at
 * 21:30 (or, on the nights listed in `unseen`, straight from the kitchen at 21:00 with nothing more), asleep until 07:00.
 * `evening`: the last day ends with the kitchen at 21:00 (before the night window), not a late snack at 23:30.
 * `door`: each evening at 21:01 the front door opens and closes (the bins put out), the kitchen again 2 min later,
 * then to bed as before.
 */
function weeks(nights: number, unseen: readonly number[] = [], rules = {}, evening = false, door = false): Harness {
  const h = new Harness(home({ devices: DEVICES }, { ...WITHOUT_POSSIBLE_FALL, ...rules }), MONDAY + 7 * HOUR_MS);
  for (let day = 0; day < nights; day++) {
    const morning = MONDAY + day * DAY_MS + 7 * HOUR_MS;
    h.clock.advanceTo(morning);
    h.at(0, 'bedroom-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    while (h.clock.now() + 30 * MINUTE_MS <= morning + 14 * HOUR_MS)
      h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    if (door) {
      h.at(MINUTE_MS, 'front', 'contact', false); // 21:01, the bins put out: the front door opens and closes
      h.at(20 * 1000, 'front', 'contact', true);
      h.at(2 * MINUTE_MS, 'kitchen-pir', 'motion', true); // and back in the kitchen
    }
    if (!unseen.includes(day)) h.at(30 * MINUTE_MS, 'bedroom-pir', 'motion', true);
  }
  // The next morning and day as before, until the last report in the kitchen at 23:30 (a late snack).
  const morning = MONDAY + nights * DAY_MS + 7 * HOUR_MS;
  h.clock.advanceTo(morning);
  h.at(0, 'bedroom-pir', 'motion', true);
  h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
  while (h.clock.now() + 30 * MINUTE_MS <= morning + 14 * HOUR_MS) h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
  if (!evening) h.at(2 * HOUR_MS + 30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
  return h;
}

const FAMILY = new Set([
  'inactivity',
  'possible-fall',
  'no-morning-activity',
  'bathroom-too-long',
  'out-of-bed-too-long',
]);

/** Minutes from the last report to the first alert (the clock runs 13 h on). */
function delay(h: Harness): { kind: string | undefined; minutes: number } {
  const last = h.clock.now();
  h.clock.advanceTo(last + 13 * HOUR_MS);
  const first = h.raised().find((d) => d.at > last && FAMILY.has(d.kind));
  return { kind: first?.kind, minutes: first ? (first.at - last) / MINUTE_MS : NaN };
}

describe('nights seen to begin elsewhere (inactivity.nightSeenMinSilences)', () => {
  it('after a week of nights begun in the bedroom, a silence from the kitchen at night gets the day value', () => {
    const h = weeks(8); // the eighth night's evening: seven nights learned (a day's periods join the next day)
    // Ordinary days and nights: nothing called.
    expect(h.raised().filter((d) => FAMILY.has(d.kind))).toEqual([]);
    const d = delay(h);
    expect(d.kind).toBe('inactivity');
    // The day value (240 min) as the prior, not the night's 600: never later than the day value.
    expect(d.minutes).toBeLessThanOrEqual(240);
    expect(h.raised().find((r) => r.kind === 'inactivity')?.detail).toEqual(
      expect.objectContaining({ lastRoom: 'kitchen', thresholdSource: 'cold-start' }),
    );
  });

  it('switched off (0), the kitchen at night keeps the night allowance', () => {
    const d = delay(weeks(8, [], { inactivity: { nightSeenMinSilences: 0 } }));
    expect(d.kind).toBe('inactivity');
    expect(d.minutes).toBeGreaterThan(400);
  });

  it('night by night in the night window too: a late snack at 23:30 gets less than the night allowance as nights are seen', () => {
    const off = { inactivity: { nightSeenMinSilences: 0 } };
    // Day 5, 23:30 (in the night window): five nights begun in the bedroom, weight 5 / (5 + 7) toward the day value, as
    // an evening silence gets (session 34; before, the full night allowance until the seventh night, then the day value).
    const five = delay(weeks(5));
    const fiveOff = delay(weeks(5, [], off));
    expect(five.kind).toBe('inactivity');
    expect(five.minutes).toBeLessThan(fiveOff.minutes - 30);
    expect(five.minutes).toBeGreaterThan(240);
    // Fewer nights seen, more allowance; still less than none seen.
    const two = delay(weeks(2));
    expect(two.kind).toBe('inactivity');
    expect(two.minutes).toBeGreaterThan(five.minutes);
    expect(two.minutes).toBeLessThan(delay(weeks(2, [], off)).minutes - 30);
  });

  it('night by night in the night window: a room where a night began keeps the night allowance at 23:30', () => {
    const off = { inactivity: { nightSeenMinSilences: 0 } };
    const d = delay(weeks(5, [1])); // Tuesday: to bed from the kitchen, unseen
    expect(d.kind).toBe('inactivity');
    expect(d.minutes).toBe(delay(weeks(5, [1], off)).minutes);
  });

  it('the bedroom reporting moments before: the night may have begun there, and keeps its allowance', () => {
    const h = weeks(8);
    h.at(0, 'bedroom-pir', 'motion', true); // 23:30: the bedroom, then the kitchen's PIR 20 s later, then nothing
    h.at(20 * 1000, 'kitchen-pir', 'motion', true);
    const d = delay(h);
    expect(d.kind).toBe('inactivity');
    expect(d.minutes).toBeGreaterThan(400);
  });

  it('once a night has begun in the kitchen, the night allowance returns for the kitchen', () => {
    const h = weeks(8, [3]); // Thursday: to bed from the kitchen, unseen
    const d = delay(h);
    expect(d.kind).toBe('inactivity');
    expect(d.minutes).toBeGreaterThan(400);
  });

  it('night by night: an evening silence from the kitchen gets less than the night allowance as nights are seen', () => {
    const off = { inactivity: { nightSeenMinSilences: 0 } };
    // The evening of day 3 (21:00, before the night window): three nights begun in the bedroom (the last ended this
    // morning), weight 3 / (3 + 7) toward the day value; without the rule, the night allowance (both shrunk alike by
    // the kitchen's own evenings).
    const two = delay(weeks(3, [], {}, true));
    const twoOff = delay(weeks(3, [], off, true));
    expect(two.kind).toBe('inactivity');
    expect(two.minutes).toBeLessThan(twoOff.minutes - 30);
    expect(two.minutes).toBeGreaterThan(240);
    // More nights seen, less allowance; still more than the day value before the week.
    const four = delay(weeks(5, [], {}, true));
    expect(four.kind).toBe('inactivity');
    expect(four.minutes).toBeLessThan(two.minutes);
    expect(four.minutes).toBeLessThan(delay(weeks(5, [], off, true)).minutes - 30);
    expect(four.minutes).toBeGreaterThan(240);
  });

  it('night by night: an evening silence from a room where a night began keeps the night allowance', () => {
    const off = { inactivity: { nightSeenMinSilences: 0 } };
    const d = delay(weeks(5, [1], {}, true)); // Tuesday: to bed from the kitchen, unseen
    expect(d.kind).toBe('inactivity');
    expect(d.minutes).toBe(delay(weeks(5, [1], off, true)).minutes);
  });

  it('night by night: the night that ended this morning counts this evening (the first evening)', () => {
    const off = { inactivity: { nightSeenMinSilences: 0 } };
    // Day 1, 21:00: one night seen, begun in the bedroom and ended at 07:00 today (not yet in the histograms).
    const one = delay(weeks(1, [], {}, true));
    expect(one.kind).toBe('inactivity');
    expect(one.minutes).toBeLessThan(delay(weeks(1, [], off, true)).minutes - 30);
    expect(one.minutes).toBeGreaterThan(240);
  });

  it('night by night: an evening silence that begins at the exit door keeps the night allowance', () => {
    const off = { inactivity: { nightSeenMinSilences: 0 } };
    const backLate = (rules: object): { kind: string | undefined; minutes: number } => {
      const h = weeks(5, [], rules, true, true);
      // 21:00 in the kitchen, then at 22:00 the front door opens, and nothing more (its closing lost, or left open).
      h.at(HOUR_MS, 'front', 'contact', false);
      return delay(h);
    };
    const d = backLate({});
    expect(d.kind).toBe('inactivity');
    expect(d.minutes).toBe(backLate(off).minutes);
  });
});
