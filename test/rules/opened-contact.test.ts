// A silence that begins with a contact opening that stands open: the contact's own openings bound it.
import { describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, MONDAY, WITHOUT_POSSIBLE_FALL, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** Doors and cupboards only, as Kasteren A: no PIR, no mat. */
const DEVICES: DeviceConfig[] = [
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'cupboard', kind: 'door', room: 'kitchen' },
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

/** A contact opened now and shut `openMs` later (contact `false` is open, as Zigbee2MQTT reports it). */
function use(h: Harness, afterMs: number, id: string, openMs: number): void {
  h.at(afterMs, id, 'contact', false);
  h.at(openMs, id, 'contact', true);
}

/**
 * `days` days from Monday: up at 07:00 through the bedroom door, the fridge (10 s) and a cupboard every two hours from
 * 08:00 to 20:00 (the cupboard shut after 20 s, or, with `cupboardOpenMs`, left open that long each time), to bed
 * through the bedroom door at 22:00. Then the next morning, until the fridge opened at 10:00 (`lastHour`) and
 * (`shut`) shut 10 s later, or left open (`last`: the cupboard instead of the fridge, used as every day). The clock
 * stands at the last report.
 */
function days(
  n: number,
  shut: boolean,
  cupboardOpenMs: number | ((hour: number) => number) = 20_000,
  last: 'fridge' | 'cupboard' = 'fridge',
  lastHour = 10,
): Harness {
  const h = new Harness(home({ devices: DEVICES }, WITHOUT_POSSIBLE_FALL), MONDAY + 6 * HOUR_MS);
  for (let day = 0; day < n; day++) {
    h.clock.advanceTo(MONDAY + day * DAY_MS + 7 * HOUR_MS);
    use(h, 0, 'bedroom-door', 10_000);
    for (let hour = 8; hour <= 20; hour += 2) {
      h.clock.advanceTo(MONDAY + day * DAY_MS + hour * HOUR_MS);
      use(h, 0, 'fridge', 10_000);
      use(h, 5_000, 'cupboard', typeof cupboardOpenMs === 'number' ? cupboardOpenMs : cupboardOpenMs(hour));
    }
    h.clock.advanceTo(MONDAY + day * DAY_MS + 22 * HOUR_MS);
    use(h, 0, 'bedroom-door', 10_000);
  }
  h.clock.advanceTo(MONDAY + n * DAY_MS + 7 * HOUR_MS);
  use(h, 0, 'bedroom-door', 10_000);
  h.clock.advanceTo(MONDAY + n * DAY_MS + 8 * HOUR_MS);
  use(h, 0, 'fridge', 10_000);
  use(h, 5_000, 'cupboard', typeof cupboardOpenMs === 'number' ? cupboardOpenMs : cupboardOpenMs(8));
  h.clock.advanceTo(MONDAY + n * DAY_MS + lastHour * HOUR_MS);
  h.at(0, last, 'contact', false);
  if (shut) h.at(10_000, last, 'contact', true);
  return h;
}

/** When the first alert after the last report comes (the clock runs 13 h on; possible-fall is pushed past it). */
function firstAlertAt(h: Harness): number {
  const last = h.clock.now();
  h.clock.advanceTo(last + 13 * HOUR_MS);
  return h.raised().find((d) => d.at > last)?.at ?? NaN;
}

/** Minutes from the last report to the first alert. */
function delay(h: Harness): number {
  const last = h.clock.now();
  return (firstAlertAt(h) - last) / MINUTE_MS;
}

describe('a contact left open: its own openings bound the silence (inactivity)', () => {
  it('a fridge this home always shuts within seconds, left open and silent, is called sooner than one shut', () => {
    const open = days(6, false);
    const shut = days(6, true);
    // Ordinary days: nothing called.
    expect(open.raised()).toEqual([]);
    const openMinutes = delay(open);
    const shutMinutes = delay(shut);
    // The shut fridge: the kitchen's value, still near the day value (240 min) after six days. The open one: its
    // openings so far (of a minute at most, at any hour) pull the prior down at the rate every learned value earns.
    expect(shutMinutes).toBeGreaterThan(200);
    expect(openMinutes).toBeLessThan(shutMinutes - 30);
    // Never under the floor (2 h).
    expect(openMinutes).toBeGreaterThanOrEqual(120);
    expect(open.raised('inactivity')[0]?.detail).toEqual(expect.objectContaining({ lastRoom: 'kitchen' }));
  });

  it('a cupboard this home leaves open for hours bounds nothing: as if shut', () => {
    const hours = 3 * HOUR_MS;
    const open = days(6, false, hours, 'cupboard');
    const shut = days(6, true, hours, 'cupboard');
    expect(delay(open)).toBe(delay(shut));
  });

  it("a contact's openings are its habit at any hour: one left open for hours each evening bounds nothing at 10:00", () => {
    // The cupboard shut within seconds all day, but left open three hours from 20:00 every evening.
    const evenings = (hour: number): number => (hour === 20 ? 3 * HOUR_MS - 10 * MINUTE_MS : 20_000);
    // Left open at 10:00: never called sooner than its own longest opening (170 min), though its 10:00 ones are short.
    expect(delay(days(6, false, evenings, 'cupboard'))).toBeGreaterThan(170);
  });

  it('in the night window the night allowance stands: a door opened at bedtime may stay open the night through', () => {
    // 23:30: the fridge opened, left open, then nothing (and the bedroom door not passed: no night begun elsewhere).
    // Called when the fridge shut is (the morning check, here), not sooner.
    expect(firstAlertAt(days(6, false, 20_000, 'fridge', 23.5))).toBe(
      firstAlertAt(days(6, true, 20_000, 'fridge', 23.5)),
    );
  });

  it('before any opening of it is known, the prior stands', () => {
    // The first morning: the fridge's first opening, left open.
    expect(delay(days(0, false))).toBe(delay(days(0, true)));
  });

  it('an opening under way is kept across a restart, and learned when it shuts', () => {
    const h = days(6, false);
    h.restart();
    h.at(5 * MINUTE_MS, 'fridge', 'contact', true); // shut 5 min after it opened: an opening of 5 min, learned
    const state = JSON.parse(JSON.stringify(h.engine.exportState())) as {
      homes: Record<string, { learned: { pending: [string, number, number][] } }>;
    };
    const pending = state.homes['h1']?.learned.pending.filter(([c]) => c === 'opened:fridge') ?? [];
    // This morning's 10-s opening at 08:00 (kept as a minute), and the one the restart came in.
    expect(pending.map(([, , ms]) => ms)).toEqual([MINUTE_MS, 5 * MINUTE_MS]);
  });
});

describe("a contact left open: what bounds the silence is how soon the home's own activity follows its openings", () => {
  /**
   * `n` days: up at 07:00, then every two hours from 08:00 to 20:00 the cupboard opened and left open `openMs` (cooking
   * goes on), the fridge used `fridgeAfterMs` after each opening, to bed at 22:00. Then the next morning the same at
   * 08:00, and at 10:00 the cupboard opened, and nothing more.
   */
  function cooking(n: number, openMs: number, fridgeAfterMs: number): Harness {
    const h = new Harness(home({ devices: DEVICES }, WITHOUT_POSSIBLE_FALL), MONDAY + 6 * HOUR_MS);
    const cook = (into: Harness): void => {
      into.at(0, 'cupboard', 'contact', false);
      use(into, fridgeAfterMs, 'fridge', 10_000);
      into.at(openMs - fridgeAfterMs - 10_000, 'cupboard', 'contact', true);
    };
    for (let day = 0; day < n; day++) {
      h.clock.advanceTo(MONDAY + day * DAY_MS + 7 * HOUR_MS);
      use(h, 0, 'bedroom-door', 10_000);
      for (let hour = 8; hour <= 20; hour += 2) {
        h.clock.advanceTo(MONDAY + day * DAY_MS + hour * HOUR_MS);
        cook(h);
      }
      h.clock.advanceTo(MONDAY + day * DAY_MS + 22 * HOUR_MS);
      use(h, 0, 'bedroom-door', 10_000);
    }
    h.clock.advanceTo(MONDAY + n * DAY_MS + 7 * HOUR_MS);
    use(h, 0, 'bedroom-door', 10_000);
    h.clock.advanceTo(MONDAY + n * DAY_MS + 8 * HOUR_MS);
    cook(h);
    h.clock.advanceTo(MONDAY + n * DAY_MS + 10 * HOUR_MS);
    h.at(0, 'cupboard', 'contact', false);
    return h;
  }

  it('a cupboard left open 90 min while the fridge follows within a minute: left open and silent, called at the floor', () => {
    const h = cooking(6, 90 * MINUTE_MS, MINUTE_MS);
    expect(h.raised()).toEqual([]);
    // The silences after its openings are a minute: the bound is the floor (2 h), though it stays open 90 min.
    expect(delay(h)).toBeLessThan(121);
    expect(h.raised('inactivity')[0]?.detail).toEqual(expect.objectContaining({ lastRoom: 'kitchen' }));
  });

  it('the same cupboard, its openings followed by 80 min of silence: they bound less', () => {
    expect(delay(cooking(6, 90 * MINUTE_MS, 80 * MINUTE_MS))).toBeGreaterThan(
      delay(cooking(6, 90 * MINUTE_MS, MINUTE_MS)) + 20,
    );
  });

  it('an evening opening whose bound would call in the night window bounds nothing: the night may have begun', () => {
    // The fridge (shut within seconds every day) opened at 21:30 and left open: 2 h on is 23:30, in the night window.
    expect(delay(days(6, false, 20_000, 'fridge', 21.5))).toBe(delay(days(6, true, 20_000, 'fridge', 21.5)));
    // At 20:30 the floor ends at 22:30, before the night: bounded.
    expect(delay(days(6, false, 20_000, 'fridge', 20.5))).toBeLessThan(delay(days(6, true, 20_000, 'fridge', 20.5)));
  });
});
