// The simulator's public entry: every event of one home or a scheme of flats, in time order.
import { DEFAULT_RULE_PARAMS } from '../rules/params.js';
import type { EventValue } from '../rules/types.js';
import type { DeviceKind, NativeEventType } from '../rules/vocabulary.js';
import type { DeviceEvent } from './emit.js';
import { homeEvents } from './home.js';
import { incidentAtMs, type Incident } from './incidents.js';
import { deviceById, homeIds } from './layout.js';
import { addDays, assertTimeZone, localMidnight } from './localTime.js';

/** One native event as the simulator produces it (SPEC 4.1 plus the home and device of its topic). */
export interface SimEvent {
  ts: number;
  homeId: string;
  deviceId: string;
  type: NativeEventType;
  value: EventValue;
}

export interface SimulationOptions {
  /** Number of flats (h1 … hN). */
  homes: number;
  days: number;
  /** First local date, YYYY-MM-DD. */
  start: string;
  seed: number;
  timeZone: string;
  incidents?: Incident[];
  /** Wearable sends wrist accelerometer traces (falls, sitting down) instead of `fall` reports. */
  accel?: boolean;
  /** Zigbee-ish duplicate reports (default on). */
  noise?: boolean;
}

export function validateSimulation(options: SimulationOptions): void {
  if (!Number.isInteger(options.homes) || options.homes < 1)
    throw new Error(`--homes must be a whole number ≥ 1 (got ${options.homes})`);
  if (!Number.isInteger(options.days) || options.days < 1)
    throw new Error(`--days must be a whole number ≥ 1 (got ${options.days})`);
  if (!Number.isInteger(options.seed)) throw new Error(`--seed must be a whole number (got ${options.seed})`);
  assertTimeZone(options.timeZone);
  localMidnight(options.start, options.timeZone);
  const ids = new Set(homeIds(options.homes));
  for (const inc of options.incidents ?? []) {
    if (inc.homeId && !ids.has(inc.homeId))
      throw new Error(`incident ${inc.kind}: no home "${inc.homeId}" (homes are h1 … h${options.homes})`);
    if (inc.deviceId && !deviceById(inc.deviceId))
      throw new Error(`incident ${inc.kind}: no device "${inc.deviceId}" in a simulated flat`);
  }
}

/** Incidents whose effect outlasts their moment (a device left silent, a routine changed from then on). */
const LASTING: ReadonlySet<Incident['kind']> = new Set(['sensor-offline', 'routine-change']);

function incidentText(inc: Incident): string {
  const hhmm = `${String(Math.floor(inc.minutes / 60)).padStart(2, '0')}:${String(inc.minutes % 60).padStart(2, '0')}`;
  const where = inc.homeId ? `/${inc.homeId}${inc.deviceId ? `/${inc.deviceId}` : ''}` : '';
  return `${inc.kind}@${inc.date ? `${inc.date}T` : ''}${hhmm}${where}`;
}

/**
 * The incidents asked for that nobody will see, each with the reason and what to do instead: one after the last
 * simulated day, one before the first (unless its effect lasts), and, in a live run that publishes from `liveFromMs`
 * on (no `--start`), one whose moment has passed. The simulation is still valid: these are warnings, not errors.
 */
export function unseenIncidents(options: SimulationOptions, liveFromMs?: number): string[] {
  const { start, days, timeZone } = options;
  const windowStart = localMidnight(start, timeZone);
  const windowEnd = localMidnight(addDays(start, days), timeZone);
  const last = addDays(start, days - 1);
  const notes: string[] = [];
  for (const inc of options.incidents ?? []) {
    const atMs = incidentAtMs(inc, start, timeZone);
    const text = incidentText(inc);
    if (atMs >= windowEnd) {
      notes.push(`incident ${text} is after the last simulated day (${last}): it never happens; add --days`);
    } else if (LASTING.has(inc.kind)) {
      continue;
    } else if (atMs < windowStart) {
      notes.push(`incident ${text} is before the first simulated day (${start}): it never happens`);
    } else if (liveFromMs !== undefined && atMs < liveFromMs) {
      notes.push(
        `incident ${text} is before now: a live run without --start publishes from now on, so it is not sent; ` +
          `give a later time, or --start ${start} to publish the whole day from midnight`,
      );
    }
  }
  return notes;
}

/**
 * What the hub waits for, on its own clock, before it calls each incident found by a silence or by a state that lasts
 * (with the rules' defaults, in a hub's first fortnight: a learned normal may be longer).
 */
function hubWait(kind: Incident['kind']): string | undefined {
  const p = DEFAULT_RULE_PARAMS;
  switch (kind) {
    case 'collapse':
      return `a possible fall ${p.possibleFall.coldStartDayMinutes} min after it, ${p.possibleFall.coldStartNightMinutes} at night`;
    case 'bathroom-too-long':
      return `${p.bathroom.coldStartDayMinutes} min in the bathroom, ${p.bathroom.coldStartNightMinutes} at night`;
    case 'out-of-bed-too-long':
      return `${p.outOfBed.coldStartMinutes} min out of bed`;
    case 'no-morning-activity':
      return `the morning check at ${p.noMorningActivity.coldStartTime} of the hub's own day`;
    case 'sensor-offline':
      return "the device's offline allowance (hours)";
    case 'cold':
    case 'heat':
      return `${p.climate.sustainMinutes} min of the temperature`;
    case 'routine-change':
      return "days of the hub's own history";
    default:
      return undefined;
  }
}

/**
 * Said to whoever publishes a demo faster than real time: the hub's rules run on its own clock (SPEC 4.1), so an
 * incident found by a silence is called after the real allowance, whatever `--speed`: collapse@14:05 at 60x is
 * published within minutes but called 45 minutes after. Names each such incident still to come at `nowMs` and the
 * command that shows the whole day's alerts at once (replay runs on the events' time). Empty when nothing is timed by
 * the hub or at 1x.
 */
export function hubClockNotes(options: SimulationOptions, speed: number, config: string, nowMs: number): string[] {
  if (speed === 1) return [];
  // One whose moment has passed is published stamped in the past: its silence has already lasted, and it is called
  // as soon as its events are in.
  const timed = (options.incidents ?? []).filter(
    (inc) => hubWait(inc.kind) !== undefined && incidentAtMs(inc, options.start, options.timeZone) > nowMs,
  );
  if (timed.length === 0) return [];
  const waits = timed.map((inc) => `${incidentText(inc)}: ${hubWait(inc.kind)}`).join('; ');
  const args = [
    `--start ${options.start}`,
    ...(options.days !== 1 ? [`--days ${options.days}`] : []),
    ...(options.homes !== 1 ? [`--homes ${options.homes}`] : []),
    `--tz ${options.timeZone}`,
    ...(options.incidents ?? []).map((inc) => `--incident ${incidentText(inc)}`),
  ].join(' ');
  return [
    `the hub times silences on its own clock, not the simulation's: at --speed ${speed} the home's day runs ` +
      `${speed} times as fast, but ${timed.length === 1 ? 'this incident is' : 'these incidents are'} called only ` +
      `after the real wait, as in a hub's first fortnight (${waits}). To see the whole day's alerts at once, replay ` +
      `it: npx telecare simulate ${args} --out day.ndjson && npx telecare replay --input day.ndjson --config ${config}`,
  ];
}

/** One home's events as the merge reads them: the chunk being read, the position in it, and the event there. */
interface Cursor {
  homeId: string;
  chunks: Generator<DeviceEvent[]>;
  chunk: DeviceEvent[];
  index: number;
  head: DeviceEvent;
}

/** Moves to the next event, reading further chunks as needed; undefined (and the cursor spent) at the end. */
function nextEvent(c: Omit<Cursor, 'homeId' | 'head'>): DeviceEvent | undefined {
  c.index += 1;
  let event = c.chunk[c.index];
  while (event === undefined) {
    const next = c.chunks.next();
    if (next.done) return undefined;
    c.chunk = next.value;
    c.index = 0;
    event = c.chunk[0];
  }
  return event;
}

/** Every event of every simulated flat, merged in time order (ties: lower home first). */
export function* simulate(options: SimulationOptions): Generator<SimEvent> {
  validateSimulation(options);
  const ids = homeIds(options.homes);
  const heap: Cursor[] = [];
  for (const homeId of ids) {
    const incidents = (options.incidents ?? []).filter((i) => (i.homeId ?? ids[0]) === homeId);
    const position = {
      chunks: homeEvents({
        homeId,
        seed: options.seed,
        start: options.start,
        days: options.days,
        timeZone: options.timeZone,
        accel: options.accel ?? false,
        noise: options.noise ?? true,
        incidents,
      }),
      chunk: [] as DeviceEvent[],
      index: -1,
    };
    const head = nextEvent(position);
    if (head) heapPush(heap, { homeId, ...position, head });
  }
  for (let first = heap[0]; first !== undefined; first = heap[0]) {
    const e = first.head;
    yield { ts: e.ts, homeId: first.homeId, deviceId: e.deviceId, type: e.type, value: e.value };
    const next = nextEvent(first);
    if (next) {
      first.head = next;
      siftDown(heap, 0);
    } else {
      const last = heap.pop();
      if (last !== undefined && heap.length > 0) {
        heap[0] = last;
        siftDown(heap, 0);
      }
    }
  }
}

/** A replay NDJSON line (SPEC 8): the event with its room and kind, so it replays without a configuration too. */
export function toReplayLine(event: SimEvent): string {
  const device = deviceById(event.deviceId);
  const line: Record<string, unknown> = {
    ts: new Date(event.ts).toISOString(),
    homeId: event.homeId,
    deviceId: event.deviceId,
    type: event.type,
    value: event.value,
  };
  if (device?.room) line.room = device.room;
  if (device) line.kind = device.kind satisfies DeviceKind;
  return JSON.stringify(line);
}

const before = (a: Cursor, b: Cursor): boolean =>
  a.head.ts < b.head.ts || (a.head.ts === b.head.ts && a.homeId < b.homeId);

/** Adds `c` to the binary min-heap, moving it up past every parent it comes before. */
function heapPush(heap: Cursor[], c: Cursor): void {
  let i = heap.push(c) - 1;
  while (i > 0) {
    const parentIndex = (i - 1) >> 1;
    const parent = heap[parentIndex];
    if (parent === undefined || !before(c, parent)) break;
    heap[i] = parent;
    heap[parentIndex] = c;
    i = parentIndex;
  }
}

/** Moves the cursor at `i` down the heap until no child comes before it. */
function siftDown(heap: Cursor[], i: number): void {
  const c = heap[i];
  if (c === undefined) return;
  for (;;) {
    const leftIndex = 2 * i + 1;
    const rightIndex = leftIndex + 1;
    const left = heap[leftIndex];
    const right = heap[rightIndex];
    let firstIndex = i;
    let first = c;
    if (left !== undefined && before(left, first)) [firstIndex, first] = [leftIndex, left];
    if (right !== undefined && before(right, first)) [firstIndex, first] = [rightIndex, right];
    if (firstIndex === i) return;
    heap[i] = first;
    heap[firstIndex] = c;
    i = firstIndex;
  }
}
