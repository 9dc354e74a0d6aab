// Session 71 review (issue 11, "no collapse missed within 24 h"): an outing begun within minutes of an arrival nothing
// inside saw is bounded by default (`presence.outingAfterArrivalMaxHours` 22; session 69 shipped it off). A sparse home
// (the front door, a kitchen PIR) whose resident has been away 30 h, so 1.25 x its longest outing passes
// `outingBoundMaxHours` and an ordinary outing has no bound: home at 18:00 by the front door, the door again at 18:03
// (keys, a caller seen off), then nothing (a collapse where no sensor sees). Kasteren B with half its sensors, seed 9:
// 28 Jul, five kitchen collapses missed so.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

const KIT = DEVICES.filter((d) => ['front', 'kitchen-pir', 'pendant'].includes(d.id));
const FAMILY = new Set<string>(INACTIVITY_FAMILY);

function door(h: Harness, afterMs: number): void {
  h.at(afterMs, 'front', 'contact', false);
  h.at(5 * SECOND_MS, 'front', 'contact', true);
}

function kitchen(h: Harness, afterMs: number): void {
  h.at(afterMs, 'kitchen-pir', 'motion', true);
  h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', false);
}

/**
 * Monday: in the kitchen at 10:00, out at 10:01 for 30 h (back Tuesday 16:00, seen in the kitchen). Wednesday: in the
 * kitchen at 09:00, out at 09:30, then what `wednesday` does; the harness and the last door closing.
 */
function week(presence: Record<string, number>, wednesday: (h: Harness, day: number) => void): Harness {
  const h = new Harness(home({ devices: KIT }, { presence }), MONDAY + 10 * HOUR_MS);
  kitchen(h, 0);
  door(h, 30 * SECOND_MS);
  door(h, 30 * HOUR_MS);
  kitchen(h, 30 * SECOND_MS);
  const day = MONDAY + 2 * 24 * HOUR_MS;
  kitchen(h, day + 9 * HOUR_MS - h.clock.now());
  door(h, day + 9.5 * HOUR_MS - h.clock.now());
  wednesday(h, day);
  return h;
}

/** Home at 18:00 by the front door (nothing inside sees it), the door again at 18:03, then nothing. */
function quickReturn(h: Harness, day: number): void {
  door(h, day + 18 * HOUR_MS - h.clock.now());
  door(h, 3 * MINUTE_MS);
}

const calls = (h: Harness, from: number): [string, number][] =>
  h
    .raised()
    .filter((d) => FAMILY.has(d.kind) && d.at >= from)
    .map((d) => [d.kind, d.at]);

describe('an outing begun minutes after an unseen arrival, by default', () => {
  it('is called 22 h after the door closed, within 24 h (before session 71: nothing within a day)', () => {
    const h = week({}, quickReturn);
    const closedAt = h.clock.now();
    h.advanceBy(24 * HOUR_MS);
    expect(calls(h, closedAt)).toEqual([['inactivity', closedAt + 22 * HOUR_MS]]);
  });

  it('guard: with the setting at 0 (off), nothing within a day, as before', () => {
    const h = week({ outingAfterArrivalMaxHours: 0 }, quickReturn);
    const closedAt = h.clock.now();
    h.advanceBy(24 * HOUR_MS);
    expect(calls(h, closedAt)).toEqual([]);
  });

  it('guard: an ordinary departure (seen in the kitchen, then the door) raises nothing in a day away', () => {
    const h = week({}, (w, day) => {
      kitchen(w, day + 17 * HOUR_MS - w.clock.now());
      door(w, day + 17.5 * HOUR_MS - w.clock.now());
    });
    const closedAt = h.clock.now();
    h.advanceBy(30 * HOUR_MS);
    expect(calls(h, closedAt)).toEqual([]);
  });
});
