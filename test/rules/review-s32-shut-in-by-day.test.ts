// Shut in the bedroom "for the night" by day (review, session 32). Session 32 (delay) let `shutInForNight` hold outside
// the night window, at an hour at which one of this home's own nights has begun in the bedroom (a resident whose day
// runs earlier). One long bedroom silence begun at an hour counts for good (the learned histograms age only when
// full): a single afternoon ill in bed made that afternoon hour a night start, and from then on, at that hour, a
// resident who closed the bedroom door behind them and went into the bathroom was taken to be shut in for the night:
// possible-fall and bathroom-too-long did not arm, and a collapse there was called late, by inactivity.
// The hours it applies at are now the evening's (within inactivity's day value of the night window, as inactivity
// weighs an evening as night), where an earlier bedtime is.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, home } from './factories.js';
import type { DeviceConfig } from '../../rules/types.js';
import { bedroomDoorDays, FAMILY, REED_ONLY } from './reed-only-flat.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** As `REED_ONLY`, the bathroom door in the bathroom (its visits are watched by bathroom-too-long). */
const DEVICES: DeviceConfig[] = REED_ONLY.map((d) => (d.id === 'bathroom-door' ? { ...d, room: 'bathroom' } : d));

/**
 * Day 10 (a week after the ill afternoon): the morning as ever, then at 14:30 the bedroom door closed, the bathroom
 * door opened `afterMs` later and closed, and nothing more (a collapse in the bathroom). The first call of the family
 * after it: [kind, minutes].
 */
function afternoonCollapse(illDay: number | undefined, afterMs = 5_000, day = 10): [string, number] | undefined {
  const h = new Harness(home({ devices: DEVICES }), MONDAY);
  bedroomDoorDays(h, day, true, 0, illDay);
  const start = MONDAY + day * DAY_MS;
  h.at(start + 7 * HOUR_MS - h.clock.now(), 'bedroom-door', 'contact', false);
  for (let hour = 8; hour <= 13; hour++) {
    h.at(start + hour * HOUR_MS + 10 * MINUTE_MS - h.clock.now(), 'fridge', 'contact', false);
    h.at(20_000, 'fridge', 'contact', true);
  }
  const at = start + 14 * HOUR_MS + 30 * MINUTE_MS;
  h.at(at - h.clock.now(), 'bedroom-door', 'contact', true);
  h.at(afterMs, 'bathroom-door', 'contact', false);
  h.at(1_000, 'bathroom-door', 'contact', true);
  const last = h.clock.now();
  h.advanceBy(12 * HOUR_MS);
  const first = h.raised().find((d) => d.at > last && FAMILY.includes(d.kind));
  return first && [first.kind, Math.round((first.at - last) / MINUTE_MS)];
}

describe('one afternoon ill in bed', () => {
  it('does not make that hour a night: a collapse in the bathroom is called by bathroom-too-long, as without it', () => {
    const plain = afternoonCollapse(undefined);
    expect(plain).toEqual(['bathroom-too-long', 60]);
    // Before the change: shut in "for the night" at 14:30, bathroom-too-long not armed, inactivity at 353 min.
    expect(afternoonCollapse(3)).toEqual(plain);
    // Guard: the bathroom door two minutes after the bedroom door (no shutting in): the same, either way.
    expect(afternoonCollapse(3, 2 * MINUTE_MS)).toEqual(plain);
  });
});
