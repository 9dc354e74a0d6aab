// Session 69 review (issue 11): with `presence.outingAfterArrivalMaxHours` set, an outing begun within minutes of an
// arrival nothing inside saw is bounded even where the home's days away give outings none. What marks it (the arrival
// a leaving followed, then the outing it began) is saved in the home's snapshot: a restart before the outing is
// confirmed, or during it, keeps the bound.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/** A starter kit (the front door, a kitchen PIR, a pendant), the bound after a quick return capped at 22 h. */
const STARTER = home(
  { devices: DEVICES.filter((d) => ['front', 'kitchen-pir', 'pendant'].includes(d.id)) },
  { presence: { outingAfterArrivalMaxHours: 22 } },
);

const FAMILY = new Set<string>(INACTIVITY_FAMILY);

function door(h: Harness, afterMs: number): void {
  h.at(afterMs, 'front', 'contact', false);
  h.at(5 * SECOND_MS, 'front', 'contact', true);
}

/**
 * Seen in the kitchen Monday 10:00, out at 10:01 for 30 h (back Tuesday 16:00, seen in the kitchen): the home's longest
 * outing puts 1.25 x it past 22 h. Wednesday: in the kitchen at 09:00, out at 09:30, home at 18:00 by the front door,
 * nothing inside sees it; the door again at 18:03; nothing after. Returns the harness at the last closing.
 */
function quickReturn(): { h: Harness; closedAt: number } {
  const h = new Harness(STARTER, MONDAY + 10 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', false);
  door(h, 30 * SECOND_MS);
  door(h, 30 * HOUR_MS);
  h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', true);
  h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', false);
  // Wednesday: out at 09:30, home at 18:00 (the arrival); 18:03, the door again.
  const wednesday = MONDAY + 2 * 24 * HOUR_MS;
  h.at(wednesday + 9 * HOUR_MS - h.clock.now(), 'kitchen-pir', 'motion', true);
  h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', false);
  door(h, wednesday + 9.5 * HOUR_MS - h.clock.now());
  door(h, wednesday + 18 * HOUR_MS - h.clock.now());
  door(h, 3 * MINUTE_MS);
  return { h, closedAt: h.clock.now() };
}

const calls = (h: Harness, from: number): [string, number][] =>
  h
    .raised()
    .filter((d) => FAMILY.has(d.kind) && d.at >= from)
    .map((d) => [d.kind, d.at]);

describe('an outing begun minutes after an unseen arrival, across a restart', () => {
  it('restarted before the outing is confirmed: called at 22 h after the closing', () => {
    const { h, closedAt } = quickReturn();
    h.advanceBy(5 * MINUTE_MS);
    h.restart();
    h.advanceBy(24 * HOUR_MS);
    expect(calls(h, closedAt)).toEqual([['inactivity', closedAt + 22 * HOUR_MS]]);
  });

  it('restarted during the outing: called at 22 h after the closing', () => {
    const { h, closedAt } = quickReturn();
    h.advanceBy(3 * HOUR_MS);
    h.restart();
    h.advanceBy(22 * HOUR_MS);
    expect(calls(h, closedAt)).toEqual([['inactivity', closedAt + 22 * HOUR_MS]]);
  });

  it('guard: no restart, the same; with the setting off, nothing within a day', () => {
    const { h, closedAt } = quickReturn();
    h.advanceBy(24 * HOUR_MS);
    expect(calls(h, closedAt)).toEqual([['inactivity', closedAt + 22 * HOUR_MS]]);
    const off = quickReturn();
    off.h.restart(
      home(
        { devices: DEVICES.filter((d) => ['front', 'kitchen-pir', 'pendant'].includes(d.id)) },
        { presence: { outingAfterArrivalMaxHours: 0 } },
      ),
    );
    off.h.advanceBy(24 * HOUR_MS);
    expect(calls(off.h, off.closedAt)).toEqual([]);
  });
});
