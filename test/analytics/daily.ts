// Builders of whole days: feature records for baseline tests, and event streams of a routine for live tests.
import type { DailyFeatures } from '../../analytics/types.js';
import type { SensorEvent } from '../../rules/types.js';
import { ev, utc } from './factories.js';
import { DAY_MS } from '../../rules/time.js';

/** An ordinary day's features, with a little day-to-day wobble picked by `n`. */
export function ordinaryFeatures(
  homeId: string,
  date: string,
  n: number,
  overrides: Partial<DailyFeatures> = {},
): DailyFeatures {
  return {
    homeId,
    date,
    risingTime: `07:${String(10 + (n % 5) * 3).padStart(2, '0')}`,
    bedtime: `22:${String(30 + (n % 4) * 5).padStart(2, '0')}`,
    activeMinutes: 300 + (n % 7) * 10,
    roomTransitions: 120 + (n % 5) * 4,
    bathroomVisitsDay: 5 + (n % 2),
    bathroomVisitsNight: n % 3 === 0 ? 1 : 0,
    nightActivityMinutes: 6 + (n % 4),
    minutesOut: n % 2 ? 90 : 120,
    kitchenUses: 6 + (n % 3),
    meanIndoorTempC: 20 + (n % 3) / 10,
    alerts: 0,
    ...overrides,
  };
}

export const isoDate = (startDate: string, offsetDays: number): string =>
  new Date(Date.parse(`${startDate}T00:00:00Z`) + offsetDays * DAY_MS).toISOString().slice(0, 10);

/**
 * The events of one ordinary day in a home on GMT dates (November): up at 07:1x, about through the day,
 * to bed at 22:4x on the mat, `nightBathroomVisits` trips in the night that follows.
 */
export function routineDay(homeId: string, date: string, n: number, nightBathroomVisits: number): SensorEvent[] {
  const at = (hhmm: string, plusDays = 0): string => `${isoDate(date, plusDays)}T${hhmm}`;
  const e = (iso: string, device: string, value?: boolean | number): SensorEvent => ev(homeId, iso, device, value);
  const out: SensorEvent[] = [e(at(`07:${10 + (n % 5)}`), 'bed-mat', false)];
  const rooms = ['hall-pir', 'bath-pir', 'kitchen-pir', 'living-pir', 'living-pir', 'kitchen-pir', 'living-pir'];
  for (let minute = 7 * 60 + 20; minute < 22 * 60 + 30; minute += 10) {
    const hhmm = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
    // A remainder of the length is an index of the list.
    out.push(e(at(hhmm), rooms.at((minute / 10 + n) % rooms.length)!));
  }
  out.push(e(at('22:40'), 'bedroom-pir'), e(at(`22:4${n % 5}`), 'bed-mat', true));
  for (let v = 0; v < nightBathroomVisits; v++) {
    const hour = `0${1 + v}`;
    out.push(
      e(at(`${hour}:10`, 1), 'bed-mat', false),
      e(at(`${hour}:11`, 1), 'bath-pir'),
      e(at(`${hour}:15`, 1), 'bedroom-pir'),
      e(at(`${hour}:16`, 1), 'bed-mat', true),
    );
  }
  return out;
}

/**
 * November as usual (a night bathroom trip every third night), then from 1 December three trips a night; the
 * stream ends on 4 December at `endIso` (a UTC ISO time).
 */
export function monthThenDrift(homeId: string, endIso: string): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let i = 0; i < 30; i++) events.push(...routineDay(homeId, isoDate('2026-11-01', i), i, i % 3 === 0 ? 1 : 0));
  for (let i = 30; i < 33; i++) events.push(...routineDay(homeId, isoDate('2026-11-01', i), i, 3));
  const end = utc(endIso);
  events.push(...routineDay(homeId, '2026-12-04', 33, 0).filter((e) => e.ts < end));
  return events;
}
