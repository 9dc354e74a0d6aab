// Shut in the bedroom for the night: a door in the hall that moves seconds after the bedroom door closed at night, in a
// home whose nights begin behind that door, does not take the resident out of the bedroom (`shutInForNight`).
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, home } from './factories.js';
import { FAMILY, REED_ONLY, bedroomDoorDays } from './reed-only-flat.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** The test night: day 17 from 23:10. */
const NIGHT = MONDAY + 16 * DAY_MS + 23 * HOUR_MS + 10 * MINUTE_MS;
/** The next morning, 06:50: before the bedroom door opens and before the morning check. */
const MORNING = MONDAY + 17 * DAY_MS + 6 * HOUR_MS + 50 * MINUTE_MS;

function family(h: Harness): ReturnType<Harness['raised']> {
  return h.raised().filter((d) => FAMILY.includes(d.kind));
}

describe('shut in the bedroom for the night', () => {
  it('the bathroom door moving 5 s after the bedroom door closed at night is no silence in the hall', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    bedroomDoorDays(h, 17, false);
    expect(family(h)).toEqual([]);
    h.at(NIGHT - h.clock.now(), 'bedroom-door', 'contact', true);
    h.at(5_000, 'bathroom-door', 'contact', false);
    h.at(1_000, 'bathroom-door', 'contact', true);
    h.advanceBy(MORNING - h.clock.now());
    expect(family(h)).toEqual([]);
  });

  it('is still known after a restart just after the door moved', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    bedroomDoorDays(h, 17, false);
    h.at(NIGHT - h.clock.now(), 'bedroom-door', 'contact', true);
    h.at(5_000, 'bathroom-door', 'contact', false);
    h.at(1_000, 'bathroom-door', 'contact', true);
    h.restart();
    h.advanceBy(MORNING - h.clock.now());
    expect(family(h)).toEqual([]);
  });

  it('guard: out of the bedroom again, its door left open, the bathroom door then silence is called in the night', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    bedroomDoorDays(h, 17, false);
    h.at(NIGHT - h.clock.now(), 'bedroom-door', 'contact', true);
    // 23:40: the resident gets up, leaves the bedroom door open and goes into the bathroom; nothing after.
    h.at(30 * MINUTE_MS, 'bedroom-door', 'contact', false);
    h.at(20_000, 'bathroom-door', 'contact', false);
    h.at(3_000, 'bathroom-door', 'contact', true);
    h.advanceBy(MORNING - h.clock.now());
    expect(family(h)[0]).toEqual(
      expect.objectContaining({
        kind: 'possible-fall',
        detail: expect.objectContaining({ lastDeviceId: 'bathroom-door' }),
      }),
    );
  });

  it('guard: the bathroom door opened 5 s after the bedroom door closed at night, left standing open, is called', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    bedroomDoorDays(h, 17, false);
    h.at(NIGHT - h.clock.now(), 'bedroom-door', 'contact', true);
    h.at(5_000, 'bathroom-door', 'contact', false);
    h.advanceBy(MORNING - h.clock.now());
    expect(family(h)[0]).toEqual(
      expect.objectContaining({
        kind: 'possible-fall',
        detail: expect.objectContaining({ lastDeviceId: 'bathroom-door' }),
      }),
    );
  });

  it('guard: the bathroom door 5 s after the bedroom door closed by day is the resident in the hall', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    bedroomDoorDays(h, 17, false);
    // Day 18, 14:00: the bedroom door closes, the bathroom door moves 5 s later, then nothing.
    h.at(MONDAY + 17 * DAY_MS + 7 * HOUR_MS - h.clock.now(), 'bedroom-door', 'contact', false);
    h.at(MONDAY + 17 * DAY_MS + 14 * HOUR_MS - h.clock.now(), 'bedroom-door', 'contact', true);
    h.at(5_000, 'bathroom-door', 'contact', false);
    h.at(1_000, 'bathroom-door', 'contact', true);
    h.advanceBy(6 * HOUR_MS);
    expect(family(h)[0]).toEqual(
      expect.objectContaining({
        kind: 'possible-fall',
        detail: expect.objectContaining({ lastDeviceId: 'bathroom-door' }),
      }),
    );
  });
});
