// A home of two residents (eval/README.md, twenty-second round, session 37, a home of two): a held mat is one person
// resting, not the home; a silence while one rests on it is mostly the other asleep too.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';

const FAMILY: ReadonlySet<string> = new Set(INACTIVITY_FAMILY);
const TWO = home({ residents: [{ id: 'r1' }, { id: 'r2' }] });
const ONE = home();

/** The inactivity family's alerts raised after `from`: kind and minutes after `from`. */
function after(h: Harness, from: number): { kind: string; minutes: number }[] {
  return h
    .raised()
    .filter((d) => d.at > from && FAMILY.has(d.kind))
    .map((d) => ({ kind: d.kind, minutes: (d.at - from) / MINUTE_MS }));
}

/**
 * Night `d`: to bed at 23:00 (the mat held all night), one resident up to the kitchen every `stirMinutes` until 06:30,
 * up at 07:00, the kitchen every 15 min until 23:00.
 */
function night(h: Harness, d: number, stirMinutes: number): void {
  h.clock.advanceTo(MONDAY + d * DAY_MS + 23 * HOUR_MS);
  h.at(0, 'bed', 'occupancy', true);
  const dawn = MONDAY + (d + 1) * DAY_MS + 6.5 * HOUR_MS;
  while (h.clock.now() + stirMinutes * MINUTE_MS < dawn) h.at(stirMinutes * MINUTE_MS, 'kitchen-pir', 'motion', true);
  h.clock.advanceTo(MONDAY + (d + 1) * DAY_MS + 7 * HOUR_MS);
  h.at(0, 'bed', 'occupancy', false);
  const bedtime = MONDAY + (d + 1) * DAY_MS + 23 * HOUR_MS;
  while (h.clock.now() + 15 * MINUTE_MS < bedtime) h.at(15 * MINUTE_MS, 'kitchen-pir', 'motion', true);
}

describe('a home of two: a silence while one rests on a held mat', () => {
  /** 15 nights on a held bed mat, the other up to the kitchen every 75 min; then the 16th night, and nobody stirs. */
  function quietNight(config: typeof TWO): { h: Harness; last: number } {
    const h = new Harness(config, MONDAY + 22 * HOUR_MS);
    h.at(0, 'front', 'contact', true);
    for (let d = 0; d < 15; d++) night(h, d, 75);
    h.clock.advanceTo(MONDAY + 15 * DAY_MS + 23 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    return { h, last: h.clock.now() };
  }

  it('two residents: the learned silences on the mat (the other stirring) do not shorten the night; the rest allowance stands', () => {
    const { h, last } = quietNight(TWO);
    h.advanceBy(6 * HOUR_MS);
    // On main: inactivity at the learned in-bed threshold, about 2 h into the night (both asleep).
    expect(after(h, last)).toEqual([]);
    // Still watched: the morning check calls a home nobody rose in (09:00 and its grace), as for one resident.
    h.advanceBy(12 * HOUR_MS);
    expect(after(h, last)[0]).toEqual({ kind: 'no-morning-activity', minutes: 549 });
  });

  it('one resident (guard): the kitchen says the held mat is not them; the silence is judged as before', () => {
    const { h, last } = quietNight(ONE);
    h.advanceBy(6 * HOUR_MS);
    // As on main: the learned threshold of silences in the kitchen at night, about 3 h 14 min.
    expect(after(h, last)).toHaveLength(1);
    expect(after(h, last)[0]?.kind).toBe('inactivity');
    expect(after(h, last)[0]?.minutes).toBeCloseTo(194.48, 1);
  });
});

describe('a home of two: a bathroom visit at night while one rests on a held mat', () => {
  // ARAS A (Alemdar et al. 2013, seen once, not tuned on), 5 Jan 01:48-02:28 local: resident 1 to bed, resident 2 lies
  // down on the couch at 01:58 (its mat held until 09:18); the shower cabinet's door moves at 01:59, 02:00, 02:01 and
  // 02:09; then the night. Whoever was in the bathroom went back to a mat already pressed, which reports nothing: the
  // visit's end is never seen, and main called bathroom-too-long at its cold-start night value after the first move.
  const SHOWER = { id: 'shower', kind: 'door' as const, room: 'bathroom' };
  function arasNight(config: typeof TWO): { h: Harness; last: number } {
    const withShower = { ...config, devices: [...config.devices, SHOWER] };
    const h = new Harness(withShower, MONDAY + 20 * HOUR_MS);
    h.at(0, 'front', 'contact', true);
    h.at(0, 'living-pir', 'motion', true);
    h.clock.advanceTo(MONDAY + DAY_MS + 1.8 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    h.at(10 * MINUTE_MS, 'chair', 'occupancy', true);
    for (const m of [1, 1, 1, 8]) {
      h.at(m * MINUTE_MS, 'shower', 'contact', false);
      h.at(2_000, 'shower', 'contact', true);
    }
    return { h, last: h.clock.now() };
  }

  it('two residents: the visit is not timed (no bathroom-too-long); the night is watched as a rest', () => {
    const { h, last } = arasNight(TWO);
    h.advanceBy(4 * HOUR_MS);
    expect(h.raised('bathroom-too-long')).toEqual([]);
    expect(after(h, last)).toEqual([]);
  });

  it('one resident (guard): the visit is timed as before; the mats say the resident left them', () => {
    const { h, last } = arasNight(ONE);
    h.advanceBy(4 * HOUR_MS);
    expect(after(h, last)[0]?.kind).toBe('bathroom-too-long');
  });
});
