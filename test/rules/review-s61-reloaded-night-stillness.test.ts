// Review, session 61: night stillness (a possible fall in bed at night, once the home's own nights say how long its
// sleeper lies still) kept the deadline its last movement armed under the configuration of that moment. An installer
// who changed how it judges the nights (`possibleFall.stillMinNights`, `stillNightPercent`, `floorMinutes`, the learned
// margins) and reloaded, or restarted with the new file, while the resident lay still saw the change only from the
// next movement: a rule turned down (more nights wanted first) still called the silence under way as a possible fall,
// and an allowance lowered called it at the old, later time.
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { HomeConfig } from '../../rules/types.js';
import { Harness, MONDAY, home } from './factories.js';

const SECOND = 1000;

/** A movement in bed as a mat that reports each movement sends it (a press of two seconds). */
function move(h: Harness, afterMs: number): void {
  h.at(afterMs, 'bed', 'occupancy', true);
  h.at(2 * SECOND, 'bed', 'occupancy', false);
}

/** Night `day` (0 = Monday evening): to bed at 23:00, a movement every 10 min, one still spell, up at 06:30. */
function night(h: Harness, day: number, stillMinutes: number): void {
  const evening = MONDAY + day * DAY_MS + 23 * HOUR_MS;
  h.clock.advanceTo(evening);
  move(h, 0);
  while (h.clock.now() + 10 * MINUTE_MS <= evening + 2 * HOUR_MS) move(h, 10 * MINUTE_MS);
  move(h, stillMinutes * MINUTE_MS);
  while (h.clock.now() + 10 * MINUTE_MS <= evening + 7.5 * HOUR_MS) move(h, 10 * MINUTE_MS);
  h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
  while (h.clock.now() + 30 * MINUTE_MS <= evening + DAY_MS - 10 * MINUTE_MS)
    h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
}

const STEADY_NIGHTS = [40, 50, 60, 45, 55, 65, 50, 55, 45, 60, 50, 40, 65, 55];

/** A fortnight of ordinary nights, then to bed on the fifteenth and no movement after 01:00: its last movement. */
function stillSinceOne(config: HomeConfig): { h: Harness; lastMs: number } {
  const h = new Harness(config, MONDAY + 22 * HOUR_MS);
  STEADY_NIGHTS.forEach((still, day) => {
    night(h, day, still);
  });
  const evening = MONDAY + STEADY_NIGHTS.length * DAY_MS + 23 * HOUR_MS;
  h.clock.advanceTo(evening);
  move(h, 0);
  while (h.clock.now() + 10 * MINUTE_MS <= evening + 2 * HOUR_MS) move(h, 10 * MINUTE_MS);
  return { h, lastMs: h.clock.now() };
}

/** The alerts of the night, as [kind, minutes after the last movement]. */
function calls(h: Harness, lastMs: number): [string, number][] {
  h.clock.advanceTo(lastMs + 12 * HOUR_MS);
  return h.raised().map((d) => [d.kind, (d.at - lastMs) / MINUTE_MS]);
}

/** Reloaded (the saved state restored under `config`) 30 min into the stillness. */
function reloadedAtHalfPast(config: HomeConfig): [string, number][] {
  const { h, lastMs } = stillSinceOne(home());
  h.advanceBy(30 * MINUTE_MS);
  h.restart(config);
  h.watch();
  return calls(h, lastMs);
}

/** Configured so from the start. */
function configuredSo(config: HomeConfig): [string, number][] {
  const { h, lastMs } = stillSinceOne(config);
  return calls(h, lastMs);
}

describe('a reload while the resident lies still applies night stillness as configured now', () => {
  it('as configured: called 81.5 min after the last movement in bed', () => {
    expect(reloadedAtHalfPast(home())).toEqual([['possible-fall', 81.5]]);
  });

  it('more nights wanted first (stillMinNights 14 to 28): no possible fall, inactivity calls the silence', () => {
    const config = home({}, { possibleFall: { stillMinNights: 28 } });
    const expected = configuredSo(config);
    expect(expected.map(([kind]) => kind)).toEqual(['inactivity']);
    // Before the fix: [['possible-fall', 81.5]], a possible fall the new configuration never calls.
    expect(reloadedAtHalfPast(config)).toEqual(expected);
  });

  it('a wider bound (stillNightPercent 1 to 0.01): called at 121 min, not at 81.5', () => {
    const config = home({}, { possibleFall: { stillNightPercent: 0.01 } });
    const expected = configuredSo(config);
    expect(expected).toEqual([['possible-fall', 121.13025]]);
    expect(reloadedAtHalfPast(config)).toEqual(expected);
  });

  it('fewer nights wanted (stillMinNights 20 to 14, reloaded to 14): called at 81.5, not left to inactivity', () => {
    const { h, lastMs } = stillSinceOne(home({}, { possibleFall: { stillMinNights: 20 } }));
    h.advanceBy(30 * MINUTE_MS);
    h.restart(home());
    h.watch();
    expect(calls(h, lastMs)).toEqual([['possible-fall', 81.5]]);
  });

  it('reloaded past the new deadline: called at once, stamped when it ran out', () => {
    const { h, lastMs } = stillSinceOne(home({}, { possibleFall: { stillMinNights: 20 } }));
    h.advanceBy(100 * MINUTE_MS);
    expect(h.raised()).toEqual([]);
    h.restart(home());
    h.watch();
    h.advanceBy(MINUTE_MS);
    // Stamped when the allowance ran out, as the hub stamps a silence that fell due while it was down.
    expect(h.raised().map((d) => [d.kind, (d.at - lastMs) / MINUTE_MS])).toEqual([['possible-fall', 81.5]]);
  });
});
