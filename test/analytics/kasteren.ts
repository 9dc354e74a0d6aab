// Van Kasteren house A (UbiComp 2008; ../shared/data) as the hub's events, and its annotations as reference daily features.
import fs from 'node:fs';
import path from 'node:path';
import type { SensorEvent } from '../../rules/types.js';
import type { DeviceKind } from '../../rules/vocabulary.js';
import { ZoneClock } from '../../rules/local-time.js';

export const KASTEREN_HOME = 'kasteren-a';
export const KASTEREN_TZ = 'Europe/Amsterdam';

/** The sensors (ids from the file header) as the hub's devices: reed switches, a flush, a microwave. */
const SENSORS: Record<number, { room: string; kind: DeviceKind }> = {
  1: { room: 'kitchen', kind: 'appliance' }, // microwave
  5: { room: 'toilet', kind: 'door' },
  6: { room: 'bathroom', kind: 'door' },
  7: { room: 'kitchen', kind: 'door' }, // cups cupboard
  8: { room: 'kitchen', kind: 'door' }, // fridge
  9: { room: 'kitchen', kind: 'door' }, // plates cupboard
  12: { room: 'entrance', kind: 'exit-door' },
  13: { room: 'kitchen', kind: 'door' }, // dishwasher
  14: { room: 'toilet', kind: 'other' }, // toilet flush
  17: { room: 'kitchen', kind: 'door' }, // freezer
  18: { room: 'kitchen', kind: 'door' }, // pans cupboard
  20: { room: 'utility', kind: 'door' }, // washing machine
  23: { room: 'kitchen', kind: 'door' }, // groceries cupboard
  24: { room: 'bedroom', kind: 'door' }, // hall-bedroom door
};

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3 };

/** "25-Feb-2008 00:20:14", local time in Amsterdam → epoch ms. */
function localTime(text: string): number {
  const m = /^(\d{2})-(\w{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`not a Kasteren time: ${text}`);
  const zone = new ZoneClock(KASTEREN_TZ);
  const month = MONTHS[m[2] ?? ''];
  if (month === undefined) throw new Error(`not a Kasteren month: ${text}`);
  const day = Date.UTC(Number(m[3]), month, Number(m[1])) / 86_400_000;
  const utc = zone.instantOf(day, Number(m[4]) * 60 + Number(m[5]));
  return utc + Number(m[6]) * 1000;
}

/** The rows of a Kasteren file: start time, end time, sensor or activity id. */
function rows(file: string): [start: string, end: string, id: string][] {
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => /^\d{2}-\w{3}-\d{4}/.test(line))
    .map((line) => {
      const [start, end, id] = line.split('\t');
      if (start === undefined || end === undefined || id === undefined)
        throw new Error(`short row in ${file}: ${line}`);
      return [start, end, id];
    });
}

/** Each firing (a state on, then off) becomes two events, in time order. */
export function kasterenEvents(dataDir: string): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (const [start, end, id] of rows(path.join(dataDir, 'kasterenSenseData.txt'))) {
    const sensor = SENSORS[Number(id)];
    if (!sensor) continue;
    const base = {
      homeId: KASTEREN_HOME,
      deviceId: `s${Number(id)}`,
      source: 'replay' as const,
      room: sensor.room,
      kind: sensor.kind,
      assigned: true,
    };
    const on = localTime(start);
    const off = localTime(end);
    if (sensor.kind === 'appliance') {
      events.push({ ...base, type: 'power', value: 800, ts: on }, { ...base, type: 'power', value: 0, ts: off });
    } else if (sensor.kind === 'other') {
      events.push({ ...base, type: 'motion', value: true, ts: on });
    } else {
      // A reed switch fires while the door is open: contact false (open), then true (closed).
      events.push(
        { ...base, type: 'contact', value: false, ts: on },
        { ...base, type: 'contact', value: true, ts: off },
      );
    }
  }
  return events.sort((a, b) => a.ts - b.ts);
}

export interface Activity {
  id: number;
  start: number;
  end: number;
}

/** Annotated activities: 1 leave house, 4 use toilet, 5 take shower, 10 go to bed, 13/15 breakfast/dinner, 17 drink. */
export function kasterenActivities(dataDir: string): Activity[] {
  return rows(path.join(dataDir, 'kasterenActData.txt'))
    .map(([start, end, id]) => ({ id: Number(id), start: localTime(start), end: localTime(end) }))
    .sort((a, b) => a.start - b.start);
}
