// Every real home recording in ../shared/data as replay events with a configuration: Kasteren A, B, C and the CASAS home.
import fs from 'node:fs';
import path from 'node:path';
import { ZoneClock } from '../rules/local-time.js';
import type { DeviceConfig, HomeConfig } from '../rules/types.js';
import type { DeviceKind } from '../rules/vocabulary.js';
import type { ReplayLine } from '../replay/replay.js';
import { loadKasteren } from './kasteren-data.js';
import { HOUR_MS } from '../rules/time.js';

/** One home's recording, ready for the evaluation. */
export interface HomeRecording {
  id: string;
  title: string;
  home: HomeConfig;
  /** Time-ordered replay lines, epoch-ms `ts`, with numeric `ts` already set. */
  events: (ReplayLine & { ts: number })[];
  /** Annotated intervals when the resident was out of the home (epoch ms). */
  out: [number, number][];
  /** Annotated intervals of sleep (in bed), to place a collapse in bed where there is no bed mat. */
  asleep: [number, number][];
  /**
   * The span the activity annotation covers (epoch ms), when shorter than the recording: outside it nothing says
   * whether the resident was home (Kasteren B: the sensors' first three days, and ten days after the annotation ends
   * with the mats held on and the front door used four times), so no collapse is simulated there. Undefined: all.
   */
  annotated?: [number, number];
  firstAt: number;
  lastAt: number;
}

export const KASTEREN_BC_TIMEZONE = 'Europe/Amsterdam';
export const CASAS_TIMEZONE = 'America/Los_Angeles';

function localIsoToUtc(zone: ZoneClock, iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(iso);
  if (!m) return NaN;
  const [year = NaN, month = NaN, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return wall - zone.offsetAt(wall - zone.offsetAt(wall));
}

function tsv(file: string): string[][] {
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim().length > 0)
    .map((l) => l.split('\t'));
}

function sortEvents<T extends { ts: number; order: number }>(events: T[]): Omit<T, 'order'>[] {
  events.sort((a, b) => a.ts - b.ts || a.order - b.order);
  return events.map(({ order: _order, ...e }) => e);
}

/** A home of SPEC's defaults with the recording's devices, its events in time order (ties in file order). */
function recording(
  id: string,
  title: string,
  timezone: string,
  devices: HomeConfig['devices'],
  events: (ReplayLine & { ts: number; order: number })[],
  out: [number, number][],
  asleep: [number, number][],
): HomeRecording {
  const sorted = sortEvents(events);
  const home: HomeConfig = {
    id,
    timezone,
    nightWindow: { start: '23:00', end: '06:00' },
    away: false,
    residents: [{ id: `${id}-resident` }],
    devices,
    rules: {},
  };
  const firstAt = sorted[0]?.ts ?? NaN;
  const lastAt = sorted[sorted.length - 1]?.ts ?? NaN;
  return { id, title, home, events: sorted, out, asleep, firstAt, lastAt };
}

/**
 * Kasteren B and C (`sensors.tsv`, `events.tsv`, `activities.tsv`). The suggested kinds and rooms are
 * kept, with two corrections: a door between a room and the hall (toilet, bathroom swing doors) does
 * not say on which side the resident is, so it is placed in the hall, as for house A; the bedroom
 * door stays in the bedroom. Water floats and temperature probes (`other`) are activity only.
 */
export function loadKasterenBC(dir: string, id: string, title: string): HomeRecording {
  const zone = new ZoneClock(KASTEREN_BC_TIMEZONE);
  const devices = new Map<string, DeviceConfig>();
  for (const [sensorId, name, kind, room] of tsv(path.join(dir, 'sensors.tsv'))) {
    if (!sensorId || !kind || kind === '-') continue;
    const roomDoor = kind === 'door' && /(toilet|bathroom).*door/.test(name ?? '');
    const placed = roomDoor ? 'hall' : room && room !== '-' ? room : undefined;
    devices.set(sensorId, { id: `s${sensorId}`, kind: kind as DeviceKind, room: placed });
  }
  const events: (ReplayLine & { ts: number; order: number })[] = [];
  let order = 0;
  for (const [start, end, sensorId] of tsv(path.join(dir, 'events.tsv'))) {
    const d = devices.get(sensorId ?? '');
    if (!d || !start || !end) continue;
    const from = localIsoToUtc(zone, start);
    const to = localIsoToUtc(zone, end);
    if (!Number.isFinite(from) || !Number.isFinite(to)) continue;
    const common = { homeId: id, deviceId: d.id };
    // Each row is a held state: on at the start, off at the end (one event each, as such sensors report).
    const [type, on, off]: [string, unknown, unknown] =
      d.kind === 'motion'
        ? ['motion', true, false]
        : d.kind === 'bed' || d.kind === 'chair'
          ? ['occupancy', true, false]
          : d.kind === 'appliance'
            ? ['power', 100, 0]
            : ['contact', false, true];
    events.push({ ...common, ts: from, type, value: on, order: order++ });
    events.push({ ...common, ts: Math.max(from, to), type, value: off, order: order++ });
  }
  const out: [number, number][] = [];
  const asleep: [number, number][] = [];
  const annotated: [number, number] = [Infinity, -Infinity];
  for (const [start, end, , activity] of tsv(path.join(dir, 'activities.tsv'))) {
    const interval: [number, number] = [localIsoToUtc(zone, start ?? ''), localIsoToUtc(zone, end ?? '')];
    if (/leav/i.test(activity ?? '')) out.push(interval);
    if (/go to bed/i.test(activity ?? '')) asleep.push(interval);
    if (Number.isFinite(interval[0]) && Number.isFinite(interval[1])) {
      annotated[0] = Math.min(annotated[0], interval[0]);
      annotated[1] = Math.max(annotated[1], interval[1]);
    }
  }
  const rec = recording(id, title, KASTEREN_BC_TIMEZONE, [...devices.values()], events, out, asleep);
  // The annotation's span, where it leaves part of the recording out (more than an hour at either end).
  const partial = annotated[0] > rec.firstAt + HOUR_MS || annotated[1] < rec.lastAt - HOUR_MS;
  return partial && annotated[0] < annotated[1] ? { ...rec, annotated } : rec;
}

/** Kasteren house A through the existing loader, with its sleep annotation (activity 10). */
export function loadKasterenA(dir: string): HomeRecording {
  const rec = loadKasteren(dir);
  const zone = new ZoneClock(rec.home.timezone);
  const asleep: [number, number][] = [];
  const months: Record<string, string> = { Feb: '02', Mar: '03' };
  for (const line of fs.readFileSync(path.join(dir, 'kasterenActData.txt'), 'utf8').split(/\r?\n/)) {
    const m =
      /^(\d{2})-(\w{3})-(\d{4}) (\d{2}:\d{2}:\d{2})\s+(\d{2})-(\w{3})-(\d{4}) (\d{2}:\d{2}:\d{2})\s+10\s*$/.exec(line);
    const [, fromDay, fromMonth, fromYear, fromTime, toDay, toMonth, toYear, toTime] = m ?? [];
    const from = months[fromMonth ?? ''];
    const to = months[toMonth ?? ''];
    if (!from || !to) continue;
    asleep.push([
      localIsoToUtc(zone, `${fromYear}-${from}-${fromDay}T${fromTime}`),
      localIsoToUtc(zone, `${toYear}-${to}-${toDay}T${toTime}`),
    ]);
  }
  return {
    id: 'kasteren-a',
    title: 'Kasteren A',
    home: rec.home,
    events: rec.events as (ReplayLine & { ts: number })[],
    out: rec.leaveHouse,
    asleep,
    firstAt: rec.firstAt,
    lastAt: rec.lastAt,
  };
}

/** CASAS area names to SPEC rooms. */
const CASAS_ROOMS: Record<string, string> = {
  Bedroom: 'bedroom',
  Bathroom: 'bathroom',
  Kitchen: 'kitchen',
  LivingRoom: 'living',
  WorkArea: 'office',
  Entry: 'entrance',
  FrontDoor: 'entrance',
};

/**
 * The CASAS AL-Smarthome recording (`date time sensor location state activity`). Area motion
 * sensors report ON and OFF (a held state); `OutsideDoor`/`FrontDoor` OPEN/CLOSE is the exit door,
 * the motion sensor at the entry stays an entrance PIR; the closet is a door; lights switched on are
 * the resident's activity (an appliance). No mats.
 */
export function loadCasas(file: string, id = 'casas', title = 'CASAS AL'): HomeRecording {
  const zone = new ZoneClock(CASAS_TIMEZONE);
  const devices = new Map<string, DeviceConfig>();
  const events: (ReplayLine & { ts: number; order: number })[] = [];
  const out: [number, number][] = [];
  const asleep: [number, number][] = [];
  let outSince = NaN;
  let sleepSince = NaN;
  let lastTs = NaN;
  let order = 0;
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const [date, time, sensor, location, state, activity] = line.trim().split(/\s+/);
    if (!date || !time || !sensor || !location || !state) continue;
    const ts = localIsoToUtc(zone, `${date}T${time}`);
    if (!Number.isFinite(ts)) continue;
    const isOut = activity === 'Leave_Home' || activity === 'Step_Out';
    if (isOut && Number.isNaN(outSince)) outSince = ts;
    if (!isOut && !Number.isNaN(outSince)) {
      out.push([outSince, ts]);
      outSince = NaN;
    }
    const isAsleep = activity === 'Sleep';
    if (isAsleep && Number.isNaN(sleepSince)) sleepSince = ts;
    if (!isAsleep && !Number.isNaN(sleepSince)) {
      asleep.push([sleepSince, lastTs]);
      sleepSince = NaN;
    }
    lastTs = ts;
    const deviceId = `${sensor}-${location}`;
    let d = devices.get(deviceId);
    if (!d) {
      const kind: DeviceKind =
        location === 'FrontDoor'
          ? 'exit-door'
          : /Light$/.test(location)
            ? 'appliance'
            : location === 'Closet'
              ? 'door'
              : 'motion';
      const room = CASAS_ROOMS[location] ?? CASAS_ROOMS[sensor] ?? sensor.toLowerCase();
      d = { id: deviceId, kind, room: sensor === 'LoungeChair' ? 'living' : room };
      devices.set(deviceId, d);
    }
    const on = state === 'ON' || state === 'OPEN';
    const common = { homeId: id, deviceId, ts, order: order++ };
    if (d.kind === 'motion') events.push({ ...common, type: 'motion', value: on });
    else if (d.kind === 'appliance') events.push({ ...common, type: 'power', value: on ? 100 : 0 });
    else events.push({ ...common, type: 'contact', value: !on });
  }
  return recording(id, title, CASAS_TIMEZONE, [...devices.values()], events, out, asleep);
}

/** Every home whose files are present under `dataDir`, in a fixed order. */
export function loadHomes(dataDir: string): HomeRecording[] {
  const homes: HomeRecording[] = [];
  const a = path.join(dataDir, 'kasteren-houseA');
  if (fs.existsSync(path.join(a, 'kasterenSenseData.txt'))) homes.push(loadKasterenA(a));
  for (const [letter, name] of [
    ['B', 'kasteren-b'],
    ['C', 'kasteren-c'],
  ] as const) {
    const dir = path.join(dataDir, `kasteren-house${letter}`);
    if (fs.existsSync(path.join(dir, 'events.tsv'))) homes.push(loadKasterenBC(dir, name, `Kasteren ${letter}`));
  }
  const casas = path.join(dataDir, 'casas-al-smarthome', 'data');
  if (fs.existsSync(casas)) homes.push(loadCasas(casas));
  return homes;
}
