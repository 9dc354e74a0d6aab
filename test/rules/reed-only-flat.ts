// A flat with reed switches only (as Kasteren house A) whose resident sleeps behind the closed bedroom door: the days
// shared by the shut-in-for-the-night tests (shut-in-for-night.test.ts, review-s30-shut-in-pass-through.test.ts).
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, MONDAY } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** No PIR, no mat; the bathroom door is in the hall. */
export const REED_ONLY: DeviceConfig[] = [
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'cupboard', kind: 'door', room: 'kitchen' },
  { id: 'bathroom-door', kind: 'door', room: 'hall' },
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

/** The inactivity family: the alerts a silence raises. */
export const FAMILY = [
  'possible-fall',
  'inactivity',
  'bathroom-too-long',
  'out-of-bed-too-long',
  'no-morning-activity',
];

/**
 * `count` days from MONDAY: the bedroom door opens at 07:00 and stays open all day; every hour from 08:00 to 21:00 the
 * fridge, then the cupboard 5 min later; at 22:30 the bathroom door opens and closes (a visit); at 23:10 the bedroom
 * door closes for the night. With `shutLastNight` false the last day ends at its 23:09 (that night not yet begun).
 * `shiftH`: every hour that many hours earlier (a resident whose day runs earlier, or a zone set behind).
 * `inBedAfternoon`: on that day the resident goes to bed at 14:30 (the bedroom door closed) and gets up at 19:30 (no
 * fridge from 15:10 to 19:10).
 */
export function bedroomDoorDays(
  h: Harness,
  count: number,
  shutLastNight: boolean,
  shiftH = 0,
  inBedAfternoon?: number,
): void {
  for (let d = 0; d < count; d++) {
    const day = MONDAY + d * DAY_MS - shiftH * HOUR_MS;
    h.at(day + 7 * HOUR_MS - h.clock.now(), 'bedroom-door', 'contact', false);
    for (let hour = 8; hour <= 21; hour++) {
      if (d === inBedAfternoon && hour === 15) {
        h.at(day + 14 * HOUR_MS + 30 * MINUTE_MS - h.clock.now(), 'bedroom-door', 'contact', true);
        h.at(day + 19 * HOUR_MS + 30 * MINUTE_MS - h.clock.now(), 'bedroom-door', 'contact', false);
      }
      if (d === inBedAfternoon && hour >= 15 && hour <= 19) continue;
      h.at(day + hour * HOUR_MS + 10 * MINUTE_MS - h.clock.now(), 'fridge', 'contact', false);
      h.at(20_000, 'fridge', 'contact', true);
      h.at(5 * MINUTE_MS, 'cupboard', 'contact', false);
      h.at(10_000, 'cupboard', 'contact', true);
    }
    h.at(day + 22 * HOUR_MS + 30 * MINUTE_MS - h.clock.now(), 'bathroom-door', 'contact', false);
    h.at(3_000, 'bathroom-door', 'contact', true);
    h.at(4 * MINUTE_MS, 'bathroom-door', 'contact', false);
    h.at(3_000, 'bathroom-door', 'contact', true);
    if (shutLastNight || d < count - 1) {
      h.at(day + 23 * HOUR_MS + 10 * MINUTE_MS - h.clock.now(), 'bedroom-door', 'contact', true);
    }
  }
}
