// Review, session 30: `shutInForNight` (falsealarms) takes a door that moves within the minute after the bedroom door
// closed at night for the draught of that closing: the resident is behind it, asleep. A bedroom door opened and shut
// again within seconds is someone passing through it, and at night, from a home whose nights begin behind it, that is
// the resident getting up and shutting it behind them on the way to the toilet: were they to collapse there, the
// silence taken as the bedroom's night went uncalled until the morning (406 min instead of possible-fall's 82 here).
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, home } from './factories.js';
import { FAMILY, REED_ONLY, bedroomDoorDays } from './reed-only-flat.js';
import { DAY_MS, HOUR_MS } from '../../rules/time.js';

describe('shut in for the night: not a bedroom door passed through', () => {
  it('up at 03:00, the bedroom door shut behind, into the bathroom and nothing after: called as before', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    bedroomDoorDays(h, 17, true);
    const up = MONDAY + 17 * DAY_MS + 3 * HOUR_MS;
    h.at(up - h.clock.now(), 'bedroom-door', 'contact', false);
    h.at(5_000, 'bedroom-door', 'contact', true);
    h.at(8_000, 'bathroom-door', 'contact', false);
    h.at(3_000, 'bathroom-door', 'contact', true);
    h.advanceBy(12 * HOUR_MS);
    const first = h.raised().find((d) => FAMILY.includes(d.kind) && d.at >= up);
    expect(first?.kind).toBe('possible-fall');
    // Possible-fall's learned wait after the bathroom door (82 min here), not the night's (406 min, the morning check).
    expect((first?.at ?? Infinity) - up).toBeLessThan(2 * HOUR_MS);
  });
});
