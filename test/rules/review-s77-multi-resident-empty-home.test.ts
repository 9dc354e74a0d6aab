// Session 77 review (issue 11, "no collapse missed within 24 h"), the wait left undone by the change that made an
// outing in a home of two residents presence in doubt: a device reporting alone in a home its own history shows to
// stand empty (`emptyHomeShown`) is waited on as an outing (`emptyHomeBoundMs`), and that wait still followed the
// one-resident outing bound: none at all once the home had been shown empty (or away) for a day or so. In a home of
// two, that device alone may be the one who stayed in while the other left: the wait is presence in doubt too, the
// night allowance lengthened by the home's own spells, never past `presence.outingBoundMaxHours` (22 h).
// One-resident homes keep the wait as before.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import type { HomeConfig } from '../../rules/types.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { Harness, home, MONDAY } from './factories.js';

const FAMILY = new Set<string>(INACTIVITY_FAMILY);
const COUPLE = [{ id: 'r1' }, { id: 'r2' }];

/**
 * Out by the front door for `hours`, the kitchen PIR firing alone 4.5 h in (sun on a PIR, a pet), then someone coming
 * in by the front door, seen at two devices (empty-home-shown.test.ts's story): the home shown empty that long.
 */
function awayWithAGhost(h: Harness, hours: number): void {
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(4.5 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
  h.advanceBy((hours - 4.5) * HOUR_MS);
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.at(30 * SECOND_MS, 'hall-pir', 'motion', true);
  h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', true);
  h.advanceBy(25 * MINUTE_MS);
  h.at(0, 'hall-pir', 'motion', true);
}

/**
 * Up on Monday at 06:00; the home shown empty with its kitchen PIR firing alone, twice for 5 h, then (`longHours`) once
 * for that long (whatever the rules called meanwhile). Then one resident leaves by the front door; the other, who
 * stayed in, moves in the kitchen 4.5 h later (the kitchen PIR alone: the home's ghost, to the rules) and collapses.
 * Returns the harness and the time of that last kitchen report.
 */
function stayedInWhereTheGhostFires(
  config: HomeConfig,
  longHours: number | undefined,
  restart = false,
): { h: Harness; lastAt: number } {
  const h = new Harness(config, MONDAY + 6 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'hall-pir', 'motion', true);
  awayWithAGhost(h, 5);
  awayWithAGhost(h, 5);
  if (longHours !== undefined) awayWithAGhost(h, longHours);
  if (restart) h.restart();
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(4.5 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
  return { h, lastAt: h.clock.now() };
}

const callsFrom = (h: Harness, from: number) => h.raised().filter((d) => FAMILY.has(d.kind) && d.at >= from);

describe('a device alone in a home of two shown to stand empty: waited on as presence in doubt', () => {
  it('after a spell shown empty for 20 h: called at the 22-h cap (before: no bound, nothing within two days)', () => {
    const { h, lastAt } = stayedInWhereTheGhostFires(home({ residents: COUPLE }), 20);
    h.advanceBy(48 * HOUR_MS);
    const calls = callsFrom(h, lastAt);
    expect(calls.map((d) => [d.kind, d.at])).toEqual([['inactivity', lastAt + 22 * HOUR_MS]]);
    expect(calls[0]?.detail).toMatchObject({
      presenceInDoubt: true,
      thresholdMinutes: 22 * 60,
      thresholdSource: 'outing-bound',
    });
  });

  it('the same across a restart before the outing', () => {
    const { h, lastAt } = stayedInWhereTheGhostFires(home({ residents: COUPLE }), 20, true);
    h.advanceBy(48 * HOUR_MS);
    expect(callsFrom(h, lastAt).map((d) => [d.kind, d.at])).toEqual([['inactivity', lastAt + 22 * HOUR_MS]]);
  });

  it('after short spells only: called at the night allowance, 10 h (before: the one-resident outing bound, 18 h)', () => {
    const { h, lastAt } = stayedInWhereTheGhostFires(home({ residents: COUPLE }), undefined);
    h.advanceBy(24 * HOUR_MS);
    const calls = callsFrom(h, lastAt);
    expect(calls.map((d) => [d.kind, d.at])).toEqual([['inactivity', lastAt + 10 * HOUR_MS]]);
    expect(calls[0]?.detail).toMatchObject({ thresholdMinutes: 10 * 60, thresholdSource: 'outing-bound' });
  });

  it('a spell shown empty for 16 h lengthens the wait as it did (1.25 x), under the cap', () => {
    const { h, lastAt } = stayedInWhereTheGhostFires(home({ residents: COUPLE }), 16);
    h.advanceBy(24 * HOUR_MS);
    // Empty from the outing's confirmation (10 min after the closing) to the door: 15 h 50 min 2 s, x 1.25.
    const boundMs = 1.25 * (16 * HOUR_MS - 10 * MINUTE_MS + 2 * SECOND_MS);
    expect(callsFrom(h, lastAt).map((d) => [d.kind, d.at])).toEqual([['inactivity', lastAt + boundMs]]);
  });

  it('guard: someone back by the front door and seen before the cap raises nothing', () => {
    const { h, lastAt } = stayedInWhereTheGhostFires(home({ residents: COUPLE }), 20);
    h.advanceBy(20 * HOUR_MS);
    h.at(0, 'front', 'contact', false);
    h.at(10 * SECOND_MS, 'front', 'contact', true);
    h.at(30 * SECOND_MS, 'hall-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.advanceBy(30 * MINUTE_MS);
    expect(callsFrom(h, lastAt)).toEqual([]);
  });

  it('guard: outing bounds turned off (presence.outingBoundMaxHours 0): no bound, as before', () => {
    const config = home({ residents: COUPLE }, { presence: { outingBoundMaxHours: 0 } });
    const { h, lastAt } = stayedInWhereTheGhostFires(config, 20);
    h.advanceBy(48 * HOUR_MS);
    expect(callsFrom(h, lastAt)).toEqual([]);
  });
});

describe('the same stories in a home of one resident (unchanged)', () => {
  it('after a spell shown empty for 20 h: no bound, nothing within two days', () => {
    const { h, lastAt } = stayedInWhereTheGhostFires(home(), 20);
    h.advanceBy(48 * HOUR_MS);
    expect(callsFrom(h, lastAt)).toEqual([]);
  });

  it('after short spells only: called at the outing bound, 18 h', () => {
    const { h, lastAt } = stayedInWhereTheGhostFires(home(), undefined);
    h.advanceBy(24 * HOUR_MS);
    expect(callsFrom(h, lastAt).map((d) => [d.kind, d.at])).toEqual([['inactivity', lastAt + 18 * HOUR_MS]]);
  });

  it('no residents configured: as one', () => {
    const { h, lastAt } = stayedInWhereTheGhostFires(home({ residents: [] }), 20);
    h.advanceBy(48 * HOUR_MS);
    expect(callsFrom(h, lastAt)).toEqual([]);
  });
});
