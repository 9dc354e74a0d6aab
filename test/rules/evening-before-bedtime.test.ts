// An evening silence the home's own record calls before the night begins is judged as by day, where no night of the
// home has begun that early: a late sleeper's evening is not given the night's allowance because the day value (the
// prior) alone would reach into the night; a home whose nights have begun at those hours keeps it.
import { describe, expect, it } from 'vitest';
import { LearnedNormal } from '../../rules/learned-normal.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, MONDAY, WITHOUT_POSSIBLE_FALL, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

const DEVICES: DeviceConfig[] = [
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'bedroom-pir', kind: 'motion', room: 'bedroom' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

/**
 * `n` days from Monday: up at 07:00, the kitchen every 30 min until `bedHour` - 30 min, to bed past the bedroom PIR at
 * `bedHour` (local, UTC here), asleep until 07:00. Then the next day as before until the kitchen at `lastHour`, and
 * nothing more.
 */
function days(n: number, bedHour: number, lastHour: number): Harness {
  const h = new Harness(home({ devices: DEVICES }, WITHOUT_POSSIBLE_FALL), MONDAY + 7 * HOUR_MS);
  for (let day = 0; day <= n; day++) {
    const morning = MONDAY + day * DAY_MS + 7 * HOUR_MS;
    const end = MONDAY + day * DAY_MS + (day < n ? bedHour - 0.5 : lastHour) * HOUR_MS;
    h.clock.advanceTo(morning);
    h.at(0, 'bedroom-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    while (h.clock.now() + 30 * MINUTE_MS <= end) h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    if (day < n) h.at(30 * MINUTE_MS, 'bedroom-pir', 'motion', true);
  }
  return h;
}

/** Minutes from the last report to the first inactivity alert, and when it came (hour of day, UTC). */
function called(h: Harness): { minutes: number; hour: number } {
  const last = h.clock.now();
  h.clock.advanceTo(last + 13 * HOUR_MS);
  const first = h.raised().find((d) => d.at > last && d.kind === 'inactivity');
  if (!first) return { minutes: NaN, hour: NaN };
  return { minutes: (first.at - last) / MINUTE_MS, hour: new Date(first.at).getUTCHours() };
}

describe('an evening silence called before the night begins (inactivity)', () => {
  it("a late sleeper, three days learned: a silence from the kitchen at 19:30 is called by the day's measure, before 23:00", () => {
    const h = days(3, 23.5, 19.5);
    expect(h.raised().filter((d) => d.kind === 'inactivity')).toEqual([]);
    const c = called(h);
    // The kitchen's own evenings (a report every 30 min) shrink the day value (240 min) toward the floor (120 min):
    // called before the night window opens (23:00), not at the night allowance weighed night by night (about 275 min,
    // past midnight). No night of this home has begun before 23:30.
    expect(c.minutes).toBeGreaterThanOrEqual(120);
    expect(c.minutes).toBeLessThan(210);
    expect(c.hour).toBeLessThan(23);
  });

  it('a home whose nights have begun at 21:30 keeps the night allowance for the same silence', () => {
    const c = called(days(3, 21.5, 19.5));
    // Its nights begin (seen) at 21:30, within the hours the day's measure would run to: tonight's may have begun
    // unseen before the call, as its own nights say.
    expect(c.minutes).toBeGreaterThan(240);
  });

  it('on the first evening (nothing learned), the same silence keeps the night allowance', () => {
    const c = called(days(0, 23.5, 19.5));
    // 19:30 + the day value (4 h) reaches the night: nothing of this home says otherwise yet.
    expect(c.minutes).toBeGreaterThan(240);
  });

  it('a silence whose day measure would reach the night keeps the night allowance (21:00)', () => {
    const c = called(days(3, 23.5, 21));
    // 21:00 + at least the floor (2 h) is 23:00 or later: the night's allowance, weighed as before.
    expect(c.minutes).toBeGreaterThan(240);
  });
});

describe('long quiet periods by the hour they began (learned normal)', () => {
  it('counts past and pending periods at the hours asked, wrapping past midnight', () => {
    const normal = new LearnedNormal();
    // Day 0: a 5-h period begun at 22 h (hour of the week 22), a 1-h one at 20 h; day 1 (pending): a 6-h one at 1 h.
    normal.record('home', 22, 5 * HOUR_MS, 0);
    normal.record('home', 20, HOUR_MS, 0);
    normal.record('home', 24 + 1, 6 * HOUR_MS, 1);
    expect(normal.threshold('home', 22, 1, DEFAULT_RULE_PARAMS.learned)).toBeGreaterThan(0);
    expect(normal.longPeriodsBegunAt('home', 4 * HOUR_MS, 19, 21, 1)).toBe(0);
    expect(normal.longPeriodsBegunAt('home', 4 * HOUR_MS, 19, 22, 1)).toBe(1);
    expect(normal.longPeriodsBegunAt('home', 30 * MINUTE_MS, 19, 21, 1)).toBe(1);
    expect(normal.longPeriodsBegunAt('home', 4 * HOUR_MS, 23, 1, 1)).toBe(1);
    expect(normal.longPeriodsBegunAt('home', 4 * HOUR_MS, 22, 1, 1)).toBe(2);
    expect(normal.longPeriodsBegunAt('room:kitchen', 4 * HOUR_MS, 0, 23, 1)).toBe(0);
  });
});
