// The simulator's public entry: every event of one home or a scheme of flats, in time order.
import type { EventValue } from '../rules/types.js';
import type { DeviceKind, NativeEventType } from '../rules/vocabulary.js';
import type { DeviceEvent } from './emit.js';
import { homeEvents } from './home.js';
import type { Incident } from './incidents.js';
import { deviceById, homeIds } from './layout.js';
import { assertTimeZone, localMidnight } from './localTime.js';

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

interface Cursor {
  homeId: string;
  chunks: Generator<DeviceEvent[]>;
  chunk: DeviceEvent[];
  index: number;
}

function advance(c: Cursor): boolean {
  c.index += 1;
  while (c.index >= c.chunk.length) {
    const next = c.chunks.next();
    if (next.done) return false;
    c.chunk = next.value;
    c.index = 0;
  }
  return true;
}

/** Every event of every simulated flat, merged in time order (ties: lower home first). */
export function* simulate(options: SimulationOptions): Generator<SimEvent> {
  validateSimulation(options);
  const ids = homeIds(options.homes);
  const heap: Cursor[] = [];
  for (const homeId of ids) {
    const incidents = (options.incidents ?? []).filter((i) => (i.homeId ?? ids[0]) === homeId);
    const c: Cursor = {
      homeId,
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
      chunk: [],
      index: -1,
    };
    if (advance(c)) heapPush(heap, c);
  }
  while (heap.length > 0) {
    const c = heap[0];
    const e = c.chunk[c.index];
    yield { ts: e.ts, homeId: c.homeId, deviceId: e.deviceId, type: e.type, value: e.value };
    if (advance(c)) siftDown(heap, 0);
    else {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown(heap, 0);
      }
    }
  }
}

/** A replay NDJSON line (SPEC 8): the event with its room and kind, so it replays without a configuration too. */
export function toReplayLine(e: SimEvent): string {
  const device = deviceById(e.deviceId);
  const line: Record<string, unknown> = {
    ts: new Date(e.ts).toISOString(),
    homeId: e.homeId,
    deviceId: e.deviceId,
    type: e.type,
    value: e.value,
  };
  if (device?.room) line.room = device.room;
  if (device) line.kind = device.kind satisfies DeviceKind;
  return JSON.stringify(line);
}

const headTs = (c: Cursor): number => c.chunk[c.index].ts;
const before = (a: Cursor, b: Cursor): boolean =>
  headTs(a) < headTs(b) || (headTs(a) === headTs(b) && a.homeId < b.homeId);

function heapPush(heap: Cursor[], c: Cursor): void {
  heap.push(c);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i], heap[parent])) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

function siftDown(heap: Cursor[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && before(heap[l], heap[m])) m = l;
    if (r < heap.length && before(heap[r], heap[m])) m = r;
    if (m === i) return;
    [heap[i], heap[m]] = [heap[m], heap[i]];
    i = m;
  }
}
