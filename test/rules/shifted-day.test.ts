// A resident whose whole day runs an hour earlier than the cold-start night window (23:00-06:00), or a home whose zone
// was set an hour behind (session 32, `tz-1h`): the night begun behind the closed bedroom door at 22:10 is known as a
// night (`shutInForNight`) where this home's own nights have begun at that hour, not by the window alone.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, home } from './factories.js';
import { FAMILY, REED_ONLY, bedroomDoorDays } from './reed-only-flat.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** Day 11 (inside the cold-start fortnight), 22:10: the test night's bedroom door closing. */
const NIGHT = MONDAY + 10 * DAY_MS + 22 * HOUR_MS + 10 * MINUTE_MS;
/** The next morning, 05:50: before the bedroom door would open and before the morning check. */
const MORNING = MONDAY + 11 * DAY_MS + 5 * HOUR_MS + 50 * MINUTE_MS;

function family(h: Harness): ReturnType<Harness['raised']> {
  return h.raised().filter((d) => FAMILY.includes(d.kind));
}

/** The night's start: the bedroom door closes at 22:10, the bathroom door in the hall moves 5 s later, then nothing. */
function shutAt2210(h: Harness): void {
  h.at(NIGHT - h.clock.now(), 'bedroom-door', 'contact', true);
  h.at(5_000, 'bathroom-door', 'contact', false);
  h.at(1_000, 'bathroom-door', 'contact', true);
  h.advanceBy(MORNING - h.clock.now());
}

describe('a resident whose day runs an hour earlier than the night window', () => {
  it('the bathroom door moving 5 s after the bedroom door closed at 22:10 is no silence in the hall', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    bedroomDoorDays(h, 11, false, 1);
    expect(family(h)).toEqual([]);
    shutAt2210(h);
    expect(family(h)).toEqual([]);
  });

  it('guard: in a home whose nights begin at 23:10, the same at 22:10 is the resident in the hall, called', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    bedroomDoorDays(h, 11, false, 0);
    expect(family(h)).toEqual([]);
    shutAt2210(h);
    // Called as a silence in the hall (by inactivity's hall allowance, 182 min), not waited on until the morning.
    expect(family(h)[0]).toEqual(
      expect.objectContaining({ room: 'hall', detail: expect.objectContaining({ lastDeviceId: 'bathroom-door' }) }),
    );
  });
});
