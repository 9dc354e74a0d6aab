// Inactivity's open contacts heard every copy (review, session 32): an opening sent again after its closing (a
// bridge's flush re-sent) marked the contact open again from that older time, so its next real opening was not the
// start of the silence, and the contact's own openings no longer bounded it (`openedBound`): a resident who opened
// the fridge and collapsed there was called at the kitchen's value, not at the fridge's.
import { describe, expect, it } from 'vitest';
import type { DeviceConfig, SensorEvent } from '../../rules/types.js';
import { ev, Harness, MONDAY, WITHOUT_POSSIBLE_FALL, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** Doors and cupboards only, as Kasteren A (the home of `opened-contact.test.ts`). */
const DEVICES: DeviceConfig[] = [
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'cupboard', kind: 'door', room: 'kitchen' },
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];
const config = home({ devices: DEVICES }, WITHOUT_POSSIBLE_FALL);

function use(h: Harness, afterMs: number, id: string, openMs: number): void {
  h.at(afterMs, id, 'contact', false);
  h.at(openMs, id, 'contact', true);
}

/**
 * Six ordinary days (the fridge shut within seconds every two hours), the seventh morning's fridge at 08:00; with
 * `copy`, that opening sent again at 09:00 (after its closing), or after a restart; at 10:00 the fridge opened and
 * left open, and nothing more. Minutes from that opening to the first alert.
 */
function delayAfterOpening(copy: 'none' | 'copy' | 'copy-after-restart'): number {
  const h = new Harness(config, MONDAY + 6 * HOUR_MS);
  const n = 6;
  for (let day = 0; day <= n; day++) {
    h.clock.advanceTo(MONDAY + day * DAY_MS + 7 * HOUR_MS);
    use(h, 0, 'bedroom-door', 10_000);
    for (let hour = 8; hour <= (day === n ? 8 : 20); hour += 2) {
      h.clock.advanceTo(MONDAY + day * DAY_MS + hour * HOUR_MS);
      use(h, 0, 'fridge', 10_000);
      use(h, 5_000, 'cupboard', 20_000);
    }
    if (day === n) break;
    h.clock.advanceTo(MONDAY + day * DAY_MS + 22 * HOUR_MS);
    use(h, 0, 'bedroom-door', 10_000);
  }
  const opening: SensorEvent = ev(MONDAY + n * DAY_MS + 8 * HOUR_MS, 'fridge', 'contact', false, config);
  h.clock.advanceTo(MONDAY + n * DAY_MS + 9 * HOUR_MS);
  if (copy === 'copy-after-restart') h.restart();
  if (copy !== 'none') h.send({ ...opening });
  h.clock.advanceTo(MONDAY + n * DAY_MS + 10 * HOUR_MS);
  h.at(0, 'fridge', 'contact', false);
  const last = h.clock.now();
  h.clock.advanceTo(last + 13 * HOUR_MS);
  const at = h.raised().find((d) => d.at > last)?.at ?? NaN;
  return (at - last) / MINUTE_MS;
}

describe('an opening sent again after its closing', () => {
  it("does not mark the contact open: its next real opening still bounds the silence by the contact's habit", () => {
    const plain = delayAfterOpening('none');
    // Guard: the fridge's habit bounds this silence (the kitchen's value, near 240 min after six days, does not).
    expect(plain).toBeLessThan(200);
    expect(plain).toBeGreaterThanOrEqual(120);
    expect(delayAfterOpening('copy')).toBe(plain);
    expect(delayAfterOpening('copy-after-restart')).toBe(plain);
  });
});
