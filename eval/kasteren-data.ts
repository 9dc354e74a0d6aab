// The Kasteren house A recording (UbiComp 2008) as replay events: sensor ids mapped to device kinds and rooms.
import fs from 'node:fs';
import path from 'node:path';
import { ZoneClock } from '../rules/local-time.js';
import type { DeviceConfig, HomeConfig } from '../rules/types.js';
import { deviceKindFromName } from '../rules/vocabulary.js';
import type { ReplayLine } from '../replay/replay.js';

export const KASTEREN_HOME_ID = 'kasteren-a';
/** Recorded in Amsterdam, 25 Feb – 23 Mar 2008 (before the switch to summer time). */
export const KASTEREN_TIMEZONE = 'Europe/Amsterdam';

/**
 * The 14 sensors. Reed switches on doors, cupboards and appliance doors are contacts (`door`); a door
 * between the hall and a room is placed in the hall, since it does not say on which side the resident
 * is, except the bedroom door (the only sign of going to bed and getting up); the toilet flush is
 * appliance use in the toilet (SPEC 3 lists it as `appliance`), the one sensor that places the
 * resident in a room. The front door is the exit door. There is no PIR and no bed or chair mat.
 */
export const KASTEREN_DEVICES: Record<number, DeviceConfig & { label: string }> = {
  1: { id: 'microwave', label: 'Microwave', kind: 'door', room: 'kitchen' },
  5: { id: 'toilet-door', label: 'Hall-Toilet door', kind: 'door', room: 'hall' },
  6: { id: 'bathroom-door', label: 'Hall-Bathroom door', kind: 'door', room: 'hall' },
  7: { id: 'cups-cupboard', label: 'Cups cupboard', kind: 'door', room: 'kitchen' },
  8: { id: 'fridge', label: 'Fridge', kind: 'door', room: 'kitchen' },
  9: { id: 'plates-cupboard', label: 'Plates cupboard', kind: 'door', room: 'kitchen' },
  12: { id: 'front-door', label: 'Frontdoor', kind: 'exit-door', room: 'entrance' },
  13: { id: 'dishwasher', label: 'Dishwasher', kind: 'door', room: 'kitchen' },
  14: { id: 'toilet-flush', label: 'ToiletFlush', kind: 'appliance', room: 'toilet' },
  17: { id: 'freezer', label: 'Freezer', kind: 'door', room: 'kitchen' },
  18: { id: 'pans-cupboard', label: 'Pans Cupboard', kind: 'door', room: 'kitchen' },
  20: { id: 'washing-machine', label: 'Washingmachine', kind: 'door', room: 'utility' },
  23: { id: 'groceries-cupboard', label: 'Groceries Cupboard', kind: 'door', room: 'kitchen' },
  24: { id: 'bedroom-door', label: 'Hall-Bedroom door', kind: 'door', room: 'bedroom' },
};

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const ROW =
  /^(\d{2})-(\w{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})\s+(\d{2})-(\w{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})\s+(\d+)/;

export interface KasterenRecording {
  home: HomeConfig;
  /** Time-ordered replay lines (epoch-ms `ts`). */
  events: ReplayLine[];
  /** Annotated "leave house" intervals, epoch ms. */
  leaveHouse: [number, number][];
  firstAt: number;
  lastAt: number;
}

function localToUtc(zone: ZoneClock, m: RegExpExecArray, o: number): number {
  const field = (k: number): number => Number(m[o + k]);
  const month = MONTHS[m[o + 1] ?? ''];
  if (month === undefined) throw new Error(`unknown month "${m[o + 1]}"`);
  const wall = Date.UTC(field(2), month, field(0), field(3), field(4), field(5));
  return wall - zone.offsetAt(wall - zone.offsetAt(wall));
}

function rows(file: string): RegExpExecArray[] {
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => ROW.exec(line))
    .filter((m): m is RegExpExecArray => m !== null);
}

/** Each sensor row (start, end) becomes two events: open/on at the start, closed/off at the end. */
export function loadKasteren(dir: string): KasterenRecording {
  const zone = new ZoneClock(KASTEREN_TIMEZONE);
  const events: (ReplayLine & { ts: number; order: number })[] = [];
  let order = 0;
  for (const m of rows(path.join(dir, 'kasterenSenseData.txt'))) {
    const device = KASTEREN_DEVICES[Number(m[13])];
    if (!device) continue;
    const start = localToUtc(zone, m, 1);
    const end = localToUtc(zone, m, 7);
    const common = { homeId: KASTEREN_HOME_ID, deviceId: device.id };
    if (device.kind === 'appliance') {
      events.push({ ...common, ts: start, type: 'power', value: 100, order: order++ });
      events.push({ ...common, ts: end, type: 'power', value: 0, order: order++ });
    } else {
      events.push({ ...common, ts: start, type: 'contact', value: false, order: order++ });
      events.push({ ...common, ts: end, type: 'contact', value: true, order: order++ });
    }
  }
  events.sort((a, b) => a.ts - b.ts || a.order - b.order);
  const leaveHouse: [number, number][] = rows(path.join(dir, 'kasterenActData.txt'))
    .filter((m) => Number(m[13]) === 1)
    .map((m) => [localToUtc(zone, m, 1), localToUtc(zone, m, 7)]);
  const home: HomeConfig = {
    id: KASTEREN_HOME_ID,
    timezone: KASTEREN_TIMEZONE,
    nightWindow: { start: '23:00', end: '06:00' },
    away: false,
    residents: [{ id: 'resident-a' }],
    devices: Object.values(KASTEREN_DEVICES).map(({ label: _label, ...d }) => d),
    rules: {},
  };
  return {
    home,
    events: events.map(({ order: _order, ...e }) => e),
    leaveHouse,
    firstAt: events[0]?.ts ?? NaN,
    lastAt: events[events.length - 1]?.ts ?? NaN,
  };
}

/** A header's id table line of the 2008 format: `[ 1]    'Microwave'` (sensors) or `10:'go to bed'` (activities). */
const ID_LINE = /^\s*\[?\s*(\d+)\s*\]?\s*:?\s*'([^']+)'/;

/** The id table of a 2008-format file's header (before its column rows): id → label. */
export function kasterenIdTable(file: string): Map<number, string> {
  const table = new Map<number, string>();
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    if (ROW.test(line)) break;
    const m = ID_LINE.exec(line);
    if (m) table.set(Number(m[1]), (m[2] ?? '').trim());
  }
  return table;
}

/**
 * Where a 2008-format sensor is, from its label (the format names no room): a door between the hall and a room
 * ("Hall-Toilet door") is placed in the hall, as house A's, except the bedroom's (the only sign of going to bed); the
 * front door at the entrance; a flush in the toilet; cupboards and kitchen appliances in the kitchen.
 */
export function kasterenRoomFromLabel(label: string): string | undefined {
  const l = label.toLowerCase();
  if (/front ?door|main ?door|entrance/.test(l)) return 'entrance';
  if (/^hall\b/.test(l)) return /bedroom/.test(l) ? 'bedroom' : 'hall';
  if (/toilet|flush|\bwc\b/.test(l)) return 'toilet';
  if (/bath|shower/.test(l)) return 'bathroom';
  if (/washing|dryer|laundry/.test(l)) return 'utility';
  if (
    /fridge|freezer|microwave|dishwasher|cupboard|stove|oven|kettle|toaster|pans?\b|plates?|cups?|groceries|cutlery|drawer/.test(
      l,
    )
  )
    return 'kitchen';
  if (/bed/.test(l)) return 'bedroom';
  if (/couch|sofa|living|lounge/.test(l)) return 'living';
  return undefined;
}

/**
 * A home in the 2008 format of house A (`*SenseData.txt`, `*ActData.txt`) whose sensors are named only in the files'
 * headers: every sensor of that format is a reed switch firing (a contact: a door, a cupboard, an appliance's door),
 * except a flush (appliance use). Kinds are read from the labels (`deviceKindFromName`, "ToiletFlush" as "Toilet
 * Flush"), rooms as `kasterenRoomFromLabel`; house A read so gets the kinds and rooms of `KASTEREN_DEVICES`.
 */
export function loadKasterenFormat(
  senseFile: string,
  actFile: string | undefined,
  id: string,
  timezone: string,
): KasterenRecording & { asleep: [number, number][] } {
  const zone = new ZoneClock(timezone);
  const devices = new Map<number, DeviceConfig>();
  for (const [sensor, label] of kasterenIdTable(senseFile)) {
    const spaced = label.replace(/([a-z])([A-Z])/g, '$1 $2');
    const named = deviceKindFromName(spaced, undefined);
    const kind = named === 'appliance' || named === 'exit-door' || named === 'door' ? named : 'door';
    const slug = spaced
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    devices.set(sensor, { id: `${sensor}-${slug || 'sensor'}`, kind, room: kasterenRoomFromLabel(spaced) });
  }
  const events: (ReplayLine & { ts: number; order: number })[] = [];
  let order = 0;
  for (const m of rows(senseFile)) {
    const device = devices.get(Number(m[13]));
    if (!device) continue;
    const common = { homeId: id, deviceId: device.id };
    const [on, off] = device.kind === 'appliance' ? [100, 0] : [false, true];
    const type = device.kind === 'appliance' ? 'power' : 'contact';
    events.push({ ...common, ts: localToUtc(zone, m, 1), type, value: on, order: order++ });
    events.push({ ...common, ts: localToUtc(zone, m, 7), type, value: off, order: order++ });
  }
  events.sort((a, b) => a.ts - b.ts || a.order - b.order);
  const leaveHouse: [number, number][] = [];
  const asleep: [number, number][] = [];
  if (actFile) {
    const activities = kasterenIdTable(actFile);
    for (const m of rows(actFile)) {
      const name = activities.get(Number(m[13])) ?? '';
      const span: [number, number] = [localToUtc(zone, m, 1), localToUtc(zone, m, 7)];
      if (/leave|go(ing)? out/i.test(name)) leaveHouse.push(span);
      else if (/bed|sleep/i.test(name)) asleep.push(span);
    }
  }
  return {
    home: {
      id,
      timezone,
      nightWindow: { start: '23:00', end: '06:00' },
      away: false,
      residents: [{ id: `resident-${id}` }],
      devices: [...devices.values()],
      rules: {},
    },
    events: events.map(({ order: _order, ...e }) => e),
    leaveHouse,
    asleep,
    firstAt: events[0]?.ts ?? NaN,
    lastAt: events[events.length - 1]?.ts ?? NaN,
  };
}
