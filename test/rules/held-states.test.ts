// PIRs with a hold of minutes at the exit door: a PIR clearing long after the door closed saw the resident come back inside.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { Harness, MONDAY, home } from './factories.js';

const FAMILY = new Set<string>(INACTIVITY_FAMILY);

/** A day in a home whose living-room PIR holds `on` for `holdMs` after the last movement it saw. */
function dayWithHold(holdMs: number): Harness {
  const h = new Harness(home(), MONDAY + 9 * HOUR_MS);
  // Three short visits to the living room: each held state is one hold long (the sensor's hold, learned).
  for (let i = 0; i < 3; i++) {
    h.at(10 * MINUTE_MS, 'living-pir', 'motion', true);
    h.at(holdMs, 'living-pir', 'motion', false);
    h.at(5 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(holdMs, 'kitchen-pir', 'motion', false);
  }
  return h;
}

const familyRaised = (h: Harness): string[] => h.raised().flatMap((d) => (FAMILY.has(d.kind) ? [d.kind] : []));

describe('held-state PIRs and the exit door', () => {
  it('a PIR with a 4-minute hold clearing 6 minutes after the door closed: the resident is inside, a collapse is called', () => {
    const holdMs = 4 * MINUTE_MS;
    const h = dayWithHold(holdMs);
    h.at(10 * MINUTE_MS, 'living-pir', 'motion', true);
    // To the door and back (a parcel): the living-room PIR still holds, so it reports nothing on the way back.
    h.at(MINUTE_MS, 'front', 'contact', false);
    h.at(30 * SECOND_MS, 'front', 'contact', true);
    // Moving in the living room until 2 min after the closing, then lying still: the PIR clears one hold later.
    h.at(2 * MINUTE_MS + holdMs, 'living-pir', 'motion', false);
    h.advanceBy(24 * HOUR_MS);
    expect(familyRaised(h).length).toBeGreaterThan(0);
  });

  it('a PIR with a hold of seconds clearing just after the door closed: the resident went out, nothing is raised', () => {
    const holdMs = 5 * SECOND_MS;
    const h = dayWithHold(holdMs);
    h.at(10 * MINUTE_MS, 'living-pir', 'motion', true);
    h.at(MINUTE_MS, 'front', 'contact', false);
    h.at(10 * SECOND_MS, 'front', 'contact', true);
    h.at(20 * SECOND_MS, 'living-pir', 'motion', false);
    // 12 h out: an outing nothing ends is believed for at least `presence.outingBoundMinHours` (18 h), then called.
    h.advanceBy(12 * HOUR_MS);
    expect(familyRaised(h)).toEqual([]);
  });

  it('the hold learned survives a restart', () => {
    const holdMs = 4 * MINUTE_MS;
    const h = dayWithHold(holdMs);
    h.at(10 * MINUTE_MS, 'living-pir', 'motion', true);
    h.at(MINUTE_MS, 'front', 'contact', false);
    h.at(30 * SECOND_MS, 'front', 'contact', true);
    h.restart();
    h.at(2 * MINUTE_MS + holdMs, 'living-pir', 'motion', false);
    h.advanceBy(24 * HOUR_MS);
    expect(familyRaised(h).length).toBeGreaterThan(0);
  });
});
