// A device's next report stamped a little before its last one (a sensor's clock jitters by a second or two; the
// evaluation's `jitter` row): it arrives after it, so it is the device's state now. Before, it was older than the last
// activity and ignored as a late batch, so the silence was judged with the device as it had been: an exit door's
// closing stamped a second before its opening left the door "open", and the resident who went out was called about.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { ev, Harness, MONDAY } from './factories.js';

/**
 * A morning in the kitchen, then out by the front door at 10:00 (its closing `closeAfterMs` after its opening, which may
 * be negative: stamped before it, sent after it), `restart` between the two; then six hours with nothing inside.
 */
function goesOut(closeAfterMs: number, restart = false): [string, number][] {
  const h = new Harness(undefined, MONDAY + 9 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(20_000, 'kitchen-pir', 'motion', false);
  h.at(30 * MINUTE_MS, 'hall-pir', 'motion', true);
  h.at(10_000, 'hall-pir', 'motion', false);
  const openedAt = MONDAY + 10 * HOUR_MS;
  h.clock.advanceTo(openedAt);
  h.send(ev(openedAt, 'front', 'contact', false, h.config));
  if (restart) h.restart();
  h.clock.advanceTo(openedAt + 2_000);
  h.send(ev(openedAt + closeAfterMs, 'front', 'contact', true, h.config));
  h.clock.advanceTo(openedAt + 6 * HOUR_MS);
  return h.familyCalls();
}

describe('a report stamped a little before the same device’s last one', () => {
  it('an exit door’s closing stamped a second before its opening: the resident went out, as if stamped after', () => {
    const inOrder = goesOut(1_000);
    // Out: nothing called for the six hours away.
    expect(inOrder).toEqual([]);
    expect(goesOut(-1_000)).toEqual(inOrder);
    expect(goesOut(-1_000, true)).toEqual(inOrder);
  });

  it('guard: a closing stamped more than a minute early is an old report (a late batch), not the door’s state now', () => {
    // The door is left as it was heard at its opening: open, nothing since; the silence is called.
    expect(goesOut(-2 * MINUTE_MS).length).toBeGreaterThan(0);
  });

  it('another device’s report stamped a moment before the last one: the exit door’s closing, then the hall PIR clearing', () => {
    const run = (closeBeforeClearingMs: number): [string, number][] => {
      const h = new Harness(undefined, MONDAY + 9 * HOUR_MS + 50 * MINUTE_MS);
      h.at(0, 'kitchen-pir', 'motion', true);
      h.at(20_000, 'kitchen-pir', 'motion', false);
      const t = MONDAY + 10 * HOUR_MS;
      h.clock.advanceTo(t);
      h.send(ev(t, 'hall-pir', 'motion', true, h.config));
      h.send(ev(t + 2_000, 'front', 'contact', false, h.config));
      // The hall PIR clears at +6 s; the door's closing, stamped `closeBeforeClearingMs` before that, is heard after it.
      h.clock.advanceTo(t + 6_500);
      h.send(ev(t + 6_000, 'hall-pir', 'motion', false, h.config));
      h.send(ev(t + 6_000 - closeBeforeClearingMs, 'front', 'contact', true, h.config));
      h.clock.advanceTo(t + 6 * HOUR_MS);
      return h.familyCalls();
    };
    const inOrder = run(-500); // the closing stamped after the clearing, as it was heard
    expect(inOrder).toEqual([]);
    expect(run(500)).toEqual(inOrder);
    // guard: stamped a minute before, a late report: the door as heard before it, open, and the silence called.
    expect(run(MINUTE_MS).length).toBeGreaterThan(0);
  });
});
