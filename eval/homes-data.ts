// Every real home recording in ../shared/data as replay events with a configuration: Kasteren A, B, C and the CASAS home.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZoneClock } from '../rules/local-time.js';
import type { DeviceConfig, HomeConfig } from '../rules/types.js';
import { canonicalRoom, deviceKindFromName, type DeviceKind } from '../rules/vocabulary.js';
import type { ReplayLine } from '../replay/replay.js';
import { casasDevice, casasEvent, parseCasasLine } from '../replay/casas.js';
import { parseIsoMs } from '../rules/iso-time.js';
import { kasterenIdTable, loadKasteren, loadKasterenFormat } from './kasteren-data.js';
import { ARAS_TIMEZONE, convertAras } from './aras-convert.js';
import { DAY_MS, HOUR_MS } from '../rules/time.js';

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
  /**
   * Spans with no recording in them (between the passes of a repeated recording, `repeatRecording`): an alert raised in
   * one is not counted, and they are not counted as days watched.
   */
  unrecorded?: [number, number][];
  firstAt: number;
  lastAt: number;
  /** Rows of the recording's files not read, and why (session 67: they were dropped without a word). */
  leftOut?: { rows: number; why: string }[];
}

export const KASTEREN_BC_TIMEZONE = 'Europe/Amsterdam';
export const CASAS_TIMEZONE = 'America/Los_Angeles';

/**
 * The column of a tab-separated file named by one of `names` in its header, else `fallback` (the Kasteren B/C layout's
 * place), or -1 when the header names the file's columns and none of them is this one (an optional column left out).
 * A home nobody here has seen may add columns (a floor, a value) or leave one out: read by name, never by place alone.
 */
function columnOf(header: readonly string[], names: readonly string[], fallback: number): number {
  const named = header.findIndex((h) => names.includes(h));
  if (named >= 0) return named;
  return header.some((h) => KNOWN_HEADERS.has(h)) ? -1 : fallback;
}

const SENSOR_ID_COLUMN = ['id', 'sensor_id', 'sensor', 'sensorid', 'sensor id'];
const SENSOR_NAME_COLUMN = ['name', 'label', 'description', 'sensor_name'];
const SENSOR_KIND_COLUMN = ['suggested_kind', 'kind', 'type', 'sensor_type', 'device_kind'];
const SENSOR_ROOM_COLUMN = ['room', 'location', 'place', 'area'];
const EVENT_START_COLUMN = ['start', 'begin', 'from', 'start_time', 'starttime', 'start time'];
const EVENT_END_COLUMN = ['end', 'stop', 'to', 'end_time', 'endtime', 'end time'];
const EVENT_SENSOR_COLUMN = ['sensor_id', 'sensor', 'id', 'sensorid', 'sensor id'];
/** Header words of these files: a header holding any of them names its columns (a missing one is then absent). */
const KNOWN_HEADERS = new Set([
  ...SENSOR_ID_COLUMN,
  ...SENSOR_NAME_COLUMN,
  ...SENSOR_KIND_COLUMN,
  ...SENSOR_ROOM_COLUMN,
  ...EVENT_START_COLUMN,
  ...EVENT_END_COLUMN,
  'original_label',
]);

/** A recording's text; a file that cannot be read is named in the error (`events.tsv: EISDIR…`), for the skip's words. */
function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${path.basename(file)}: ${(err as Error).message}`, { cause: err });
  }
}

/** A tab-separated file's header (lower case) and rows; an absent file has neither. */
function tsvWithHeader(file: string): { header: string[]; rows: string[][]; first?: string[] } {
  if (!fs.existsSync(file)) return { header: [], rows: [] };
  const lines = readText(file)
    .split(/\r?\n/)
    .filter((l) => l.trim().length > 0)
    .map((l) => l.split('\t'));
  return { header: (lines[0] ?? []).map((h) => h.trim().toLowerCase()), rows: lines.slice(1), first: lines[0] };
}

/**
 * A file whose first line names no column this reads (no header at all: a row of data) keeps that line as a row: read
 * as a header, the first sensor of a headerless `sensors.tsv` was lost, and every event of it with it (session 67).
 */
function headerOptional(t: { header: string[]; rows: string[][]; first?: string[] }): {
  header: string[];
  rows: string[][];
} {
  if (!t.first || t.header.some((h) => KNOWN_HEADERS.has(h))) return t;
  return { header: [], rows: [t.first, ...t.rows] };
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
 * One row of a recording that gives each sensor's state as an interval: on at `from`, off at `to` (one event each, as
 * such sensors report), in the event type of the device's kind. Returns the next file order.
 */
function pushHeldState(
  events: (ReplayLine & { ts: number; order: number })[],
  homeId: string,
  d: DeviceConfig,
  from: number,
  to: number,
  order: number,
): number {
  const common = { homeId, deviceId: d.id };
  const [type, on, off]: [string, unknown, unknown] =
    d.kind === 'motion'
      ? ['motion', true, false]
      : d.kind === 'bed' || d.kind === 'chair'
        ? ['occupancy', true, false]
        : d.kind === 'appliance'
          ? ['power', 100, 0]
          : ['contact', false, true];
  events.push({ ...common, ts: from, type, value: on, order });
  events.push({ ...common, ts: Math.max(from, to), type, value: off, order: order + 1 });
  return order + 2;
}

/** Annotated activities meaning the resident was out ("leave house", "Leaving", "Step_Out") or asleep in bed. */
const OUT_ACTIVITY = /leav|step.?out|go(ing)?.?out|outside|away/i;
const ASLEEP_ACTIVITY = /go to bed|sleep/i;

/**
 * Kasteren B and C (`sensors.tsv`, `events.tsv`, `activities.tsv`). The suggested kinds and rooms are
 * kept (an empty kind read from the name, and a `door` the name calls the front or main door the exit door), with two
 * corrections: a door between a room and the hall (toilet, bathroom swing doors) does
 * not say on which side the resident is, so it is placed in the hall, as for house A; the bedroom
 * door stays in the bedroom. Water floats and temperature probes (`other`) are activity only.
 */
export function loadKasterenBC(dir: string, id: string, title: string, timezone = KASTEREN_BC_TIMEZONE): HomeRecording {
  const zone = new ZoneClock(timezone);
  const devices = new Map<string, DeviceConfig>();
  const deadSensors = new Set<string>();
  const sensors = headerOptional(tsvWithHeader(path.join(dir, 'sensors.tsv')));
  const sensorCols = [
    columnOf(sensors.header, SENSOR_ID_COLUMN, 0),
    columnOf(sensors.header, SENSOR_NAME_COLUMN, 1),
    columnOf(sensors.header, SENSOR_KIND_COLUMN, 2),
    columnOf(sensors.header, SENSOR_ROOM_COLUMN, 3),
  ];
  for (const row of sensors.rows) {
    const [sensorId, name, named, room] = sensorCols.map((c) => (c < 0 ? undefined : row[c]?.trim()));
    // A kind of `-` is a sensor left out (dead); an empty one is read from the name.
    if (sensorId && named === '-') deadSensors.add(sensorId);
    if (!sensorId || named === '-' || (!named && !name)) continue;
    const suggested = deviceKindFromName(named || name || '', room);
    // A door the name calls the way out ("front door", "main door") is the exit door, whatever kind was suggested.
    const kind = suggested === 'door' && deviceKindFromName(name ?? '', room) === 'exit-door' ? 'exit-door' : suggested;
    const roomDoor = kind === 'door' && /(toilet|bathroom).*door/.test(name ?? '');
    const placed = roomDoor ? 'hall' : room && room !== '-' ? canonicalRoom(room) : undefined;
    devices.set(sensorId, { id: `s${sensorId}`, kind, room: placed });
  }
  const events: (ReplayLine & { ts: number; order: number })[] = [];
  let order = 0;
  const rows = headerOptional(tsvWithHeader(path.join(dir, 'events.tsv')));
  const eventCols = [
    columnOf(rows.header, EVENT_START_COLUMN, 0),
    columnOf(rows.header, EVENT_END_COLUMN, 1),
    columnOf(rows.header, EVENT_SENSOR_COLUMN, 2),
  ];
  // Rows not read: a sensor sensors.tsv does not list (by id), times in no format read (the first such row's number).
  const unlisted = new Map<string, number>();
  let badTimes = 0;
  let firstBadTime = 0;
  for (const [n, row] of rows.rows.entries()) {
    const [start, end, sensorId] = eventCols.map((c) => (c < 0 ? undefined : row[c]?.trim()));
    const d = devices.get(sensorId ?? '');
    if (!d) {
      if (!deadSensors.has(sensorId ?? '')) unlisted.set(sensorId ?? '', (unlisted.get(sensorId ?? '') ?? 0) + 1);
      continue;
    }
    const from = parseIsoMs(start ?? '', zone);
    const to = parseIsoMs(end ?? '', zone);
    if (!Number.isFinite(from) || !Number.isFinite(to)) {
      if (badTimes++ === 0) firstBadTime = n + 1;
      continue;
    }
    // Each row is a held state: on at the start, off at the end (one event each, as such sensors report).
    order = pushHeldState(events, id, d, from, to, order);
  }
  const out: [number, number][] = [];
  const asleep: [number, number][] = [];
  const annotated: [number, number] = [Infinity, -Infinity];
  const activities = tsvWithHeader(path.join(dir, 'activities.tsv'));
  const column = (name: string, fallback: number): number => {
    const i = activities.header.indexOf(name);
    return i >= 0 ? i : fallback;
  };
  const [startAt, endAt, activityAt] = [column('start', 0), column('end', 1), column('activity', 3)];
  for (const row of activities.rows) {
    const [start, end, activity] = [row[startAt], row[endAt], row[activityAt] ?? row[row.length - 1]];
    const interval: [number, number] = [parseIsoMs(start ?? '', zone), parseIsoMs(end ?? '', zone)];
    if (OUT_ACTIVITY.test(activity ?? '')) out.push(interval);
    if (ASLEEP_ACTIVITY.test(activity ?? '')) asleep.push(interval);
    if (Number.isFinite(interval[0]) && Number.isFinite(interval[1])) {
      annotated[0] = Math.min(annotated[0], interval[0]);
      annotated[1] = Math.max(annotated[1], interval[1]);
    }
  }
  const leftOut: { rows: number; why: string }[] = [];
  const unlistedRows = [...unlisted.values()].reduce((a, b) => a + b, 0);
  if (unlistedRows > 0) {
    const ids = [...unlisted.keys()].slice(0, 5).map((k) => (k === '' ? '(none)' : k));
    leftOut.push({
      rows: unlistedRows,
      why: `events.tsv names a sensor sensors.tsv does not list (${ids.join(', ')}${unlisted.size > 5 ? ', ...' : ''})`,
    });
  }
  if (badTimes > 0)
    leftOut.push({
      rows: badTimes,
      why: `events.tsv has a start or end in no date-and-time format read (the first: data row ${firstBadTime}; a time reads as 2009-07-21T13:30:11)`,
    });
  const read = recording(id, title, timezone, [...devices.values()], events, out, asleep);
  const rec = leftOut.length > 0 ? { ...read, leftOut } : read;
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
      parseIsoMs(`${fromYear}-${from}-${fromDay}T${fromTime}`, zone),
      parseIsoMs(`${toYear}-${to}-${toDay}T${toTime}`, zone),
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

/**
 * A CASAS recording (`data`), in any of the CASAS line formats (`replay/casas.ts`, the reading `telecare replay
 * --format casas` makes of the same file): AL-Smarthome's `date time sensor location state activity` (area PIRs ON/OFF,
 * held; `OutsideDoor`/`FrontDoor` OPEN/CLOSE the exit door; the entry PIR an entrance PIR; the closet a door; lights
 * switched on the resident's activity, as an appliance; no mats), Aruba's `date time sensor state [activity
 * begin|end]` (an annotation then lasts from its `begin` to its `end`), the HH homes' `sensor room place state
 * activity`. Temperatures and light levels are not activity and are left out.
 */
export function loadCasas(file: string, id = 'casas', title = 'CASAS AL', timezone = CASAS_TIMEZONE): HomeRecording {
  const zone = new ZoneClock(timezone);
  const lines = readText(file).split(/\r?\n/);
  const read = readCasasLines(lines, id, zone);
  if (read) return withUnread(recording(id, title, timezone, read.devices, read.events, read.out, read.asleep), read);
  // Lines out of time order (a file put together from pieces): the annotation's spans are read in time order, as the
  // events are (session 67: read in file order, a line moved back opened a span of "out" that never was).
  const at = lines.map((line) => {
    const r = parseCasasLine(line);
    return r ? parseIsoMs(r.wall, zone) : NaN;
  });
  const order = lines.map((_, i) => i).filter((i) => Number.isFinite(at[i]));
  order.sort((a, b) => (at[a] ?? 0) - (at[b] ?? 0) || a - b);
  const sorted = readCasasLines(
    order.map((i) => lines[i] ?? ''),
    id,
    zone,
    true,
  );
  if (!sorted) throw new Error(`${file}: lines still out of order after sorting`);
  const unread = lines.flatMap((l, i) => (l.trim().length > 0 && !Number.isFinite(at[i]) ? [i + 1] : []));
  return withUnread(recording(id, title, timezone, sorted.devices, sorted.events, sorted.out, sorted.asleep), {
    unread: unread.length,
    firstUnread: unread[0] ?? 0,
  });
}

/** A CASAS recording with its lines that read as no CASAS line said (`HomeRecording.leftOut`; session 67). */
function withUnread(rec: HomeRecording, read: { unread: number; firstUnread: number }): HomeRecording {
  if (read.unread === 0) return rec;
  const why =
    `lines of no CASAS layout read (the first: line ${read.firstUnread}; a line reads as date, time, sensor, ` +
    'then a state: ON, OFF, OPEN, CLOSE, PRESENT, ABSENT or a number)';
  return { ...rec, leftOut: [{ rows: read.unread, why }] };
}

/** An annotation's resident (`R1_Sleep`, `R2 Leave_Home`: Kyoto, Tulum, Cairo) and the activity without it. */
function residentOf(activity: string): [string, string] {
  const m = /^(R\d+)[_ ](.+)$/i.exec(activity);
  return m ? [(m[1] ?? '').toUpperCase(), m[2] ?? ''] : ['', activity];
}

/**
 * `loadCasas`' reading of `lines` in the order given, or undefined when a line is older than the one before it and
 * `sorted` was not promised (the caller sorts and reads again). Aruba's `begin`/`end` annotations are kept open per
 * resident (`R1_…`, `R2_…`; none named: one resident, as before); the home is out, or asleep, when the annotation of
 * every resident named so far says so (a home of two is not out while one of them is in, nor asleep while one is up).
 */
function readCasasLines(
  lines: Iterable<string>,
  id: string,
  zone: ZoneClock,
  sorted = false,
):
  | {
      devices: DeviceConfig[];
      events: (ReplayLine & { ts: number; order: number })[];
      out: [number, number][];
      asleep: [number, number][];
      /** Lines (not blank) that read as no CASAS line, and the first one's number (1-based). */
      unread: number;
      firstUnread: number;
    }
  | undefined {
  const devices = new Map<string, DeviceConfig>();
  const events: (ReplayLine & { ts: number; order: number })[] = [];
  const out: [number, number][] = [];
  const asleep: [number, number][] = [];
  let outSince = NaN;
  let sleepSince = NaN;
  let lastTs = NaN;
  let order = 0;
  const open = new Map<string, string>();
  /** The residents the annotations have named so far (`R1`, `R2`; '' for annotations that name none). */
  const known = new Set<string>();
  const doingNow = (): string[] => [...known].map((k) => open.get(k) ?? '');
  let unread = 0;
  let firstUnread = 0;
  let lineNo = 0;
  for (const line of lines) {
    lineNo++;
    const r = parseCasasLine(line);
    const ts = r ? parseIsoMs(r.wall, zone) : NaN;
    if (!r || !Number.isFinite(ts)) {
      if (line.trim().length > 0 && unread++ === 0) firstUnread = lineNo;
      continue;
    }
    if (!sorted && ts < lastTs) return undefined;
    // Every line labelled (AL), or an activity from its `begin` to its `end` (Aruba), one open per resident.
    let doing: string[];
    if (r.mark !== undefined && r.activity !== undefined) {
      const [resident, activity] = residentOf(r.activity);
      known.add(resident);
      open.set(resident, activity);
      doing = doingNow();
      if (r.mark === 'end') open.delete(resident);
    } else if (r.mark !== undefined) {
      doing = doingNow();
    } else doing = r.activity !== undefined ? [residentOf(r.activity)[1]] : doingNow();
    const isOut = doing.length > 0 && doing.every((a) => /^(leave_home|step_out)$/i.test(a));
    if (isOut && Number.isNaN(outSince)) outSince = ts;
    if (!isOut && !Number.isNaN(outSince)) {
      out.push([outSince, ts]);
      outSince = NaN;
    }
    const isAsleep = doing.length > 0 && doing.every((a) => /^sleep(ing)?$/i.test(a));
    if (isAsleep && Number.isNaN(sleepSince)) sleepSince = ts;
    if (!isAsleep && !Number.isNaN(sleepSince)) {
      asleep.push([sleepSince, lastTs]);
      sleepSince = NaN;
    }
    lastTs = ts;
    const device = casasDevice(r);
    const event = device && device.kind !== 'climate' ? casasEvent(device, r.state) : undefined;
    if (!device || !event) continue;
    if (!devices.has(device.id)) devices.set(device.id, { id: device.id, kind: device.kind, room: device.room });
    events.push({ homeId: id, deviceId: device.id, ts, order: order++, ...event });
  }
  return { devices: [...devices.values()], events, out, asleep, unread, firstUnread };
}

export const ORDONEZ_TIMEZONE = 'Europe/Madrid';

/** A UCI ADL line's fields: tab-separated (single or doubled tabs), trimmed; a header or rule line reads as no date. */
function uciFields(line: string): string[] {
  return line
    .trim()
    .split(/\t+/)
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
}

/**
 * A UCI ADL sensor (Location, Type) as SPEC 3's device kind: the main door is the exit door; a pressure mat is the
 * bed's when on the bed, else a chair's (the seat); PIR is motion (a PIR at a doorway, Ordonez B's `Door PIR`, is
 * motion, not a door contact); magnetic contacts are doors (fridge, cabinet, cupboard); flush and electric are
 * appliances.
 */
export function uciSensorKind(location: string, type: string): DeviceKind {
  const [where, what] = [location.trim().toLowerCase(), type.trim().toLowerCase()];
  if (/^(main|front|entrance|outside).?door$/.test(where)) return 'exit-door';
  if (what === 'pressure' || what === 'seat') return /bed/.test(where) ? 'bed' : 'chair';
  const kind = deviceKindFromName(what);
  return kind === 'other' ? deviceKindFromName(where) : kind;
}

/** UCI ADL places to SPEC rooms (`Living` is the living room; the main door's `Entrance` is SPEC's entrance). */
const UCI_ROOMS: Record<string, string> = {
  living: 'living',
  livingroom: 'living',
  entrance: 'entrance',
  hall: 'hall',
};

/**
 * The UCI "Activities of Daily Living" recordings as published (Ordóñez, de Toledo, Sanchis, Sensors 13(5), 2013;
 * `OrdonezA_Sensors.txt`, `OrdonezA_ADLs.txt`): tab-separated (tabs doubled), CRLF, a padded header and a rule of
 * dashes (some copies drop both), sensors as `Start time, End time, Location, Type, Place` (one row per held state: a PIR's detection, a mat occupied, a contact open, an appliance on),
 * activities as `Start time, End time, Activity` with doubled tabs and trailing whitespace. Devices are numbered
 * `s1`, `s2`... in the order they first report; each (Location, Type, Place) is one device. `Leaving` is out,
 * `Sleeping` asleep. Local times in Spain (the recordings' homes; `timezone.txt` overrides).
 */
export function loadUciAdl(
  sensorsFile: string,
  adlsFile: string,
  id: string,
  title: string,
  timezone = ORDONEZ_TIMEZONE,
): HomeRecording {
  const zone = new ZoneClock(timezone);
  const devices = new Map<string, DeviceConfig>();
  const events: (ReplayLine & { ts: number; order: number })[] = [];
  let order = 0;
  for (const line of fs.readFileSync(sensorsFile, 'utf8').split(/\r?\n/)) {
    const [start, end, location, type, place] = uciFields(line);
    if (!start || !end || !location || !type) continue;
    const from = parseIsoMs(start, zone);
    const to = parseIsoMs(end, zone);
    if (!Number.isFinite(from) || !Number.isFinite(to)) continue;
    const key = `${location}\t${type}\t${place ?? ''}`;
    let d = devices.get(key);
    if (!d) {
      const where = (place ?? '').toLowerCase().replace(/[^a-z]/g, '');
      d = {
        id: `s${devices.size + 1}`,
        kind: uciSensorKind(location, type),
        room: UCI_ROOMS[where] ?? (where ? canonicalRoom(where) : undefined),
      };
      devices.set(key, d);
    }
    order = pushHeldState(events, id, d, from, to, order);
  }
  const out: [number, number][] = [];
  const asleep: [number, number][] = [];
  const annotated: [number, number] = [Infinity, -Infinity];
  for (const line of fs.readFileSync(adlsFile, 'utf8').split(/\r?\n/)) {
    const [start, end, activity] = uciFields(line);
    if (!start || !end || !activity) continue;
    const interval: [number, number] = [parseIsoMs(start, zone), parseIsoMs(end, zone)];
    if (!Number.isFinite(interval[0]) || !Number.isFinite(interval[1])) continue;
    if (OUT_ACTIVITY.test(activity)) out.push(interval);
    if (ASLEEP_ACTIVITY.test(activity)) asleep.push(interval);
    annotated[0] = Math.min(annotated[0], interval[0]);
    annotated[1] = Math.max(annotated[1], interval[1]);
  }
  const rec = recording(id, title, timezone, [...devices.values()], events, out, asleep);
  const partial = annotated[0] > rec.firstAt + HOUR_MS || annotated[1] < rec.lastAt - HOUR_MS;
  return partial && annotated[0] < annotated[1] ? { ...rec, annotated } : rec;
}

/** A folder's home, recognised by the files in it (any folder name: a home nobody here has seen is evaluated too). */
interface FoundHome {
  folder: string;
  load: () => HomeRecording;
}

/** The homes shared with this project, in the order they are reported; any other home follows in folder order. */
const KNOWN_FOLDERS = ['kasteren-houseA', 'kasteren-houseB', 'kasteren-houseC', 'casas-al-smarthome'];

/** `kasteren-houseB` is `kasteren-b`, `casas-al-smarthome` is `casas` (the ids of the first reports); others as named. */
export function homeIdForFolder(folder: string): string {
  if (folder === 'casas-al-smarthome') return 'casas';
  const kasteren = /^kasteren-house(\w+)$/i.exec(folder);
  if (kasteren) return `kasteren-${(kasteren[1] ?? '').toLowerCase()}`;
  return (
    folder
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'home'
  );
}

function titleForFolder(folder: string): string {
  if (folder === 'casas-al-smarthome') return 'CASAS AL';
  const kasteren = /^kasteren-house(\w+)$/i.exec(folder);
  return kasteren ? `Kasteren ${kasteren[1]}` : folder;
}

/**
 * The home's time zone: a `timezone.txt` in its folder (an IANA name on the first line) wins; else the one known for
 * the dataset (Kasteren: Amsterdam; CASAS: Washington State); else UTC (local times are then read as UTC, which moves
 * nothing but a daylight-saving change inside the recording).
 */
export function timezoneForFolder(dir: string, fallback: string): string {
  const file = path.join(dir, 'timezone.txt');
  if (!fs.existsSync(file)) return fallback;
  const zone = (fs.readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '').trim();
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new Error(`${file}: "${zone}" is not an IANA time zone (e.g. Europe/Amsterdam)`);
  }
  return zone;
}

/**
 * How many residents the home is configured for: a `residents.txt` in its folder (a whole number from 1 to 10 on the
 * first line) says so for a home of two or more (ARAS: a couple, two roommates), else one, as every shared recording.
 * The rules read one resident unless configured otherwise (a mat held while a device fires in another room is then
 * not taken for a mat stuck on: someone else may be up).
 */
export function residentsForFolder(dir: string): number {
  const file = path.join(dir, 'residents.txt');
  if (!fs.existsSync(file)) return 1;
  const text = (fs.readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '').trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 10) {
    throw new Error(`${file}: "${text}" is not a number of residents from 1 to 10`);
  }
  return n;
}

/** The recording's home configured for `n` residents (the first keeps the id a one-resident home has). */
function withResidents(rec: HomeRecording, n: number): HomeRecording {
  if (n === 1) return rec;
  const residents = Array.from({ length: n }, (_, i) => ({ id: `${rec.id}-resident${i === 0 ? '' : i + 1}` }));
  return { ...rec, home: { ...rec.home, residents } };
}

function findHome(dataDir: string, folder: string): FoundHome | undefined {
  const dir = path.join(dataDir, folder);
  const found = findHomeFormat(dir, folder);
  if (!found) return undefined;
  const residents = residentsForFolder(dir);
  return { folder, load: () => withResidents(found.load(), residents) };
}

function findHomeFormat(dir: string, folder: string): FoundHome | undefined {
  const id = homeIdForFolder(folder);
  const title = titleForFolder(folder);
  // House A's own format names its 14 sensors by number (eval/kasteren-data.ts): only that house is read so.
  if (folder === 'kasteren-houseA' && fs.existsSync(path.join(dir, 'kasterenSenseData.txt')))
    return { folder, load: () => loadKasterenA(dir) };
  if (fs.existsSync(path.join(dir, 'events.tsv')) && fs.existsSync(path.join(dir, 'sensors.tsv'))) {
    const zone = timezoneForFolder(dir, /^kasteren/i.test(folder) ? KASTEREN_BC_TIMEZONE : 'UTC');
    return { folder, load: () => loadKasterenBC(dir, id, title, zone) };
  }
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  // Another home in house A's format (its sensors named only in the file's header), whatever the folder's name.
  const sense = files.find((f) => /sensedata\.txt$/i.test(f));
  if (sense && kasterenIdTable(path.join(dir, sense)).size > 0) {
    const act = files.find((f) => /actdata\.txt$/i.test(f));
    const zone = timezoneForFolder(dir, /^kasteren/i.test(folder) ? KASTEREN_BC_TIMEZONE : 'UTC');
    return {
      folder,
      load: () => {
        const rec = loadKasterenFormat(path.join(dir, sense), act && path.join(dir, act), id, zone);
        return {
          id,
          title,
          home: rec.home,
          events: rec.events as HomeRecording['events'],
          out: rec.leaveHouse,
          asleep: rec.asleep,
          firstAt: rec.firstAt,
          lastAt: rec.lastAt,
        };
      },
    };
  }
  const uciSensors = files.find((f) => /_Sensors\.txt$/i.test(f));
  const uciAdls =
    uciSensors &&
    files.find((f) => f.toLowerCase() === uciSensors.toLowerCase().replace(/_sensors\.txt$/, '_adls.txt'));
  if (uciSensors && uciAdls) {
    const zone = timezoneForFolder(dir, ORDONEZ_TIMEZONE);
    return { folder, load: () => loadUciAdl(path.join(dir, uciSensors), path.join(dir, uciAdls), id, title, zone) };
  }
  // An ARAS house as published (its README's sensor table and DAY_n files, one line a second): converted in a
  // temporary folder (eval/aras-convert.ts) and read as the converter's output would be; two residents.
  if (files.some((f) => /^readme/i.test(f)) && files.some((f) => /^DAY_\d+\.(txt|csv)$/i.test(f))) {
    return { folder, load: () => withResidents(loadArasHouse(dir, id, title), 2) };
  }
  const casas = casasFile(dir, files, /^casas/i.test(folder));
  if (casas) {
    const zone = timezoneForFolder(dir, CASAS_TIMEZONE);
    return { folder, load: () => loadCasas(casas, id, title, zone) };
  }
  return undefined;
}

/** Lines read from the head of a file to tell a CASAS recording, and the share of them that must be CASAS lines. */
const CASAS_HEAD_LINES = 20;
const CASAS_HEAD_SHARE = 0.8;

/**
 * A CASAS recording in a home folder: its `data` file in a folder named `casas…` (the shared home), or any file (`data`,
 * Aruba's; `hh101.ann.txt`, the HH homes'…) whose first lines are CASAS lines (`parseCasasLine`), whatever the
 * folder's name. The head is read, not the file: a recording can be hundreds of megabytes.
 */
function casasFile(dir: string, files: readonly string[], namedCasas: boolean): string | undefined {
  const data = path.join(dir, 'data');
  // CASAS publishes some homes (the Kyoto two-resident ones) as `data` and `annotated`, the same lines with and without
  // the activities: the annotated one is read, first (session 67: `data` was, and no night or outing was known).
  const annotated = files.includes('annotated');
  if (namedCasas && !annotated && files.includes('data') && fs.statSync(data).isFile()) return data;
  const order = [...files].sort((a, b) => Number(b === 'annotated') - Number(a === 'annotated') || (a < b ? -1 : 1));
  for (const f of order) {
    const file = path.join(dir, f);
    if (!/^(data|annotated)$|\.(txt|csv|log)$/i.test(f) || !fs.statSync(file).isFile()) continue;
    const fd = fs.openSync(file, 'r');
    let head: string;
    try {
      const buf = Buffer.alloc(8192);
      head = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
    const lines = head
      .split(/\r?\n/)
      .slice(0, CASAS_HEAD_LINES)
      .filter((l) => l.trim().length > 0);
    const read = lines.filter((l) => parseCasasLine(l) !== undefined).length;
    if (lines.length >= 3 && read >= CASAS_HEAD_SHARE * lines.length) return file;
  }
  return undefined;
}

/** An ARAS house folder as published, through the converter into a temporary folder removed after reading. */
function loadArasHouse(dir: string, id: string, title: string): HomeRecording {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-aras-'));
  try {
    convertAras(dir, tmp, { timezone: timezoneForFolder(dir, ARAS_TIMEZONE) });
    return loadKasterenBC(tmp, id, title, timezoneForFolder(tmp, ARAS_TIMEZONE));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A long deployment made of a short recording: `rec` played `times` times, each pass moved on by the recording's length
 * rounded up to whole days (so every pass keeps its local times of day, but for a daylight-saving change), the span
 * between two passes unrecorded. The rules learn from every pass before, as a hub does month after month; the days of
 * the later passes are days it has seen, so this measures how a history that grows changes the rules' own thresholds
 * (session 48: a quantile that left out more of a longer history called out again on what the home had already done),
 * not how they meet new days. Outside the annotated span of each pass no collapse is simulated (as in the recording).
 */
export function repeatRecording(rec: HomeRecording, times: number): HomeRecording {
  if (!Number.isInteger(times) || times < 1)
    throw new Error(`a recording is repeated a whole number of times, not ${times}`);
  if (times === 1) return rec;
  const step = Math.ceil((rec.lastAt - rec.firstAt + 1) / DAY_MS) * DAY_MS;
  const moved = (spans: readonly [number, number][], k: number): [number, number][] =>
    spans.map(([a, b]) => [a + k * step, b + k * step]);
  const events: HomeRecording['events'] = [];
  const out: [number, number][] = [];
  const asleep: [number, number][] = [];
  const unrecorded: [number, number][] = [];
  for (let k = 0; k < times; k++) {
    for (const e of rec.events) events.push({ ...e, ts: e.ts + k * step });
    out.push(...moved(rec.out, k));
    asleep.push(...moved(rec.asleep, k));
    // No collapse outside a pass's annotated span: taken as "out" (the only use of `out` is to keep cuts away).
    if (rec.annotated) {
      out.push([rec.firstAt + k * step, rec.annotated[0] + k * step]);
      out.push([rec.annotated[1] + k * step, rec.lastAt + k * step]);
    }
    if (k > 0) unrecorded.push([rec.lastAt + (k - 1) * step + 1, rec.firstAt + k * step - 1]);
  }
  const { annotated: _annotated, ...rest } = rec;
  return {
    ...rest,
    title: `${rec.title} x${times}`,
    events,
    out,
    asleep,
    unrecorded: [...(rec.unrecorded ?? []), ...unrecorded],
    lastAt: rec.lastAt + (times - 1) * step,
  };
}

/** A home recording found under a data folder, not yet read: its id (as reported), folder, and how to read it. */
export interface HomeFound {
  id: string;
  folder: string;
  load: () => HomeRecording;
}

/** Whether `p` is a folder, or a symbolic link to one (a data folder put together from recordings kept elsewhere). */
function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false; // a link that leads nowhere
  }
}

/** A folder (or file) under the data folder that was not evaluated, and why, in words a user can act on. */
export interface SkippedHome {
  folder: string;
  why: string;
  /** Set when the home is evaluated but this many rows of its files were left out (for `why`). */
  rows?: number;
}

/** Folders of the wearable datasets (`eval/wearable.ts`): read there, never said to be skipped as homes. */
const WEARABLE_FOLDERS = ['sisfall', 'mobifall-v2'];

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Why `dir` holds no home recording: empty, a file that cannot be read (a link to nothing, a folder where a file is
 * expected, no permission), or files of no format this reads (named, so the user sees what was there).
 */
function whyNoHome(dir: string): string {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (err) {
    return `the folder cannot be read (${errorText(err)})`;
  }
  if (names.length === 0) return 'an empty folder';
  const unreadable: string[] = [];
  for (const name of names) {
    try {
      fs.statSync(path.join(dir, name));
    } catch (err) {
      unreadable.push(`${name} (${(err as NodeJS.ErrnoException).code ?? errorText(err)}: a link to nothing?)`);
    }
  }
  const shown = names.slice(0, 6).join(', ') + (names.length > 6 ? `, and ${names.length - 6} more` : '');
  return (
    (unreadable.length > 0 ? `cannot read ${unreadable.join(', ')}; ` : '') +
    `no home recording in a format this reads (it holds ${shown}; the formats: eval/README.md "Which home is for what")`
  );
}

/**
 * Every home whose files are present under `dataDir`, not yet read: the shared homes first, in a fixed order, then any
 * other folder holding a recording in one of their formats (`sensors.tsv` + `events.tsv` + `activities.tsv` as
 * Kasteren B and C; a UCI ADL pair `<name>_Sensors.txt` + `<name>_ADLs.txt` as Ordóñez A and B; an ARAS house as
 * published; a CASAS recording, told by its lines), in folder order. A `dataDir` that is absent or no folder has none.
 * With `onSkip`, every other entry of `dataDir` (but the wearable datasets' folders and a README) is told to it with the
 * reason, and a folder whose `timezone.txt` or `residents.txt` is wrong is told there instead of thrown (session 67:
 * one bad folder stopped the whole evaluation with a stack trace).
 */
export function findHomes(dataDir: string, onSkip?: (skipped: SkippedHome) => void): HomeFound[] {
  if (!fs.existsSync(dataDir) || !fs.statSync(dataDir).isDirectory()) return [];
  const entries = fs.readdirSync(dataDir);
  if (onSkip)
    for (const name of entries.sort())
      if (!isFolder(path.join(dataDir, name)) && !/^readme/i.test(name))
        onSkip({ folder: name, why: 'not a folder (each home is a folder of its own under the data folder)' });
  const folders = entries
    .filter((name) => isFolder(path.join(dataDir, name)))
    .sort((a, b) => {
      const ka = KNOWN_FOLDERS.indexOf(a);
      const kb = KNOWN_FOLDERS.indexOf(b);
      if (ka >= 0 || kb >= 0) return (ka < 0 ? Infinity : ka) - (kb < 0 ? Infinity : kb);
      return a < b ? -1 : a > b ? 1 : 0;
    });
  return folders.flatMap((folder) => {
    let found: FoundHome | undefined;
    try {
      found = findHome(dataDir, folder);
    } catch (err) {
      if (!onSkip) throw err;
      onSkip({ folder, why: errorText(err) });
      return [];
    }
    if (!found && onSkip && !WEARABLE_FOLDERS.includes(folder))
      onSkip({ folder, why: whyNoHome(path.join(dataDir, folder)) });
    return found ? [{ id: homeIdForFolder(folder), ...found }] : [];
  });
}

/**
 * Every home recording under `dataDir`, read (`findHomes`' order); `only`: just the homes of these ids. A recording
 * from which no sensor event could be read is left out (it was evaluated as a row of nothing: 0 cuts, "NaN" days).
 * With `onSkip`, a folder that cannot be read or holds nothing readable is told to it and the others are read; without,
 * a folder that cannot be read throws.
 */
export function loadHomes(
  dataDir: string,
  only?: readonly string[],
  onSkip?: (skipped: SkippedHome) => void,
): HomeRecording[] {
  return findHomes(dataDir, onSkip)
    .filter((h) => !only || only.includes(h.id))
    .flatMap((h) => {
      let rec: HomeRecording;
      try {
        rec = h.load();
      } catch (err) {
        if (!onSkip) throw err;
        onSkip({ folder: h.folder, why: `cannot be read: ${errorText(err)}` });
        return [];
      }
      for (const l of rec.leftOut ?? []) onSkip?.({ folder: h.folder, why: l.why, rows: l.rows });
      if (rec.events.length === 0) {
        onSkip?.({
          folder: h.folder,
          why:
            'no sensor event could be read from its files (every row was refused: a date and time such as ' +
            '2009-07-21T13:30:11, and a sensor id its sensors.tsv names, or a line of its CASAS format)',
        });
        return [];
      }
      return [rec];
    });
}
