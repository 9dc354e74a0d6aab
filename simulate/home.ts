// One simulated home, segment by segment (rising to next rising), with the incidents staged in it.
import type { EventValue } from '../rules/types.js';
import type { NativeEventType } from '../rules/vocabulary.js';
import { drawPersona, drawWakeMinutes, planDay, type Stay } from './behaviour.js';
import { fallTrace, toAccelEvents } from './accel.js';
import { emitStays, type DeviceEvent } from './emit.js';
import { DEFAULT_INCIDENT_DEVICE, incidentAtMs, type Incident } from './incidents.js';
import { DEVICE, ROOM_MOTION } from './layout.js';
import { addDays, dayClock, localMidnight } from './localTime.js';
import { drawDeviceHabits, periodicReports, type PeriodicOverrides } from './periodic.js';
import { createRng, hashSeed, type Rng } from './random.js';

export interface HomeRun {
  homeId: string;
  seed: number;
  /** First local date simulated (YYYY-MM-DD). */
  start: string;
  days: number;
  timeZone: string;
  accel: boolean;
  /** Zigbee-ish duplicates (a retried report arriving twice). */
  noise: boolean;
  incidents: Incident[];
}

interface TimedIncident extends Incident {
  atMs: number;
}

const S = 1000;
const MIN = 60_000;
const DUPLICATE_CHANCE = 0.01;

/** Replaces whatever the resident did in [fromMs, toMs) with `replacement` (clipped to the segment). */
function overlay(stays: Stay[], fromMs: number, toMs: number, replacement: Stay[]): Stay[] {
  const out: Stay[] = [];
  for (const s of stays) {
    if (s.endMs <= fromMs || s.startMs >= toMs) {
      out.push(s);
      continue;
    }
    if (s.startMs < fromMs) out.push({ ...s, endMs: fromMs });
    if (s.endMs > toMs) out.push({ ...s, startMs: toMs });
  }
  out.push(...replacement.filter((r) => r.endMs > r.startMs));
  return out.sort((a, b) => a.startMs - b.startMs);
}

function roomAt(stays: Stay[], atMs: number): string {
  const s = stays.find((x) => x.startMs <= atMs && atMs < x.endMs);
  return s && ROOM_MOTION[s.room] ? s.room : 'living';
}

/** A staged sequence of stays from `atMs`, each [room, mode, minutes]. */
function sequence(atMs: number, parts: [string, Stay['mode'], number, boolean?][]): Stay[] {
  let t = atMs;
  return parts.map(([room, mode, minutes, sparse]) => {
    const s: Stay = { room, mode, startMs: t, endMs: t + minutes * MIN, ...(sparse ? { sparse } : {}) };
    t = s.endMs;
    return s;
  });
}

/** What an incident does to the resident's movements (the ones that change behaviour). */
function stageBehaviour(stays: Stay[], inc: TimedIncident, segEndMs: number): Stay[] {
  const at = inc.atMs;
  const room = roomAt(stays, at);
  const end = (minutes: number): number => Math.min(segEndMs, at + minutes * MIN);
  switch (inc.kind) {
    case 'collapse':
      // Falls where they are (the fall itself is seen), then nothing until the next morning.
      return overlay(
        stays,
        at,
        segEndMs,
        sequence(at, [
          [room, 'active', 0.1],
          [room, 'still', (segEndMs - at) / MIN],
        ]),
      );
    case 'fall':
      return overlay(
        stays,
        at,
        end(15),
        sequence(at, [
          [room, 'active', 0.05],
          [room, 'still', 15],
        ]),
      );
    case 'night-exit':
      return overlay(
        stays,
        at,
        end(55),
        sequence(at, [
          ['bedroom', 'active', 1],
          ['hall', 'active', 1],
          ['out', 'out', 50],
          ['hall', 'active', 1],
          ['bedroom', 'active', 2],
        ]),
      );
    case 'out-of-bed-too-long':
      return overlay(
        stays,
        at,
        end(90),
        sequence(at, [
          ['bedroom', 'active', 1],
          ['hall', 'active', 0.5],
          ['living', 'resting', 88.5],
        ]),
      );
    case 'bathroom-too-long':
      return overlay(
        stays,
        at,
        end(100),
        sequence(at, [
          ['hall', 'active', 0.5],
          ['bathroom', 'active', 99.5, true],
        ]),
      );
    default:
      return stays;
  }
}

/** Events an incident sends directly (alarms, buttons, a fall report, a tamper switch). */
function incidentEvents(inc: TimedIncident, accel: boolean, rng: Rng): DeviceEvent[] {
  const at = inc.atMs;
  const ev = (ts: number, deviceId: string, type: NativeEventType, value: EventValue): DeviceEvent => ({
    ts: Math.round(ts),
    deviceId,
    type,
    value,
  });
  switch (inc.kind) {
    case 'pendant':
      return [ev(at, DEVICE.pendant, 'pendant', true)];
    case 'fall':
    case 'collapse':
      if (inc.kind === 'collapse') return [];
      if (accel) {
        const beforeS = 4;
        return toAccelEvents(at - beforeS * S, fallTrace(rng, beforeS, 10)).map((e) =>
          ev(e.ts, DEVICE.wearable, 'accel', e.value),
        );
      }
      return [ev(at + 800, DEVICE.wearable, 'fall', true)];
    case 'smoke':
      return [ev(at, DEVICE.smoke, 'smoke', true), ev(at + 10 * MIN, DEVICE.smoke, 'smoke', false)];
    case 'co':
      return [ev(at, DEVICE.co, 'co', true), ev(at + 20 * MIN, DEVICE.co, 'co', false)];
    case 'gas':
      return [ev(at, DEVICE.gas, 'gas', true), ev(at + 15 * MIN, DEVICE.gas, 'gas', false)];
    case 'flood':
      return [ev(at, DEVICE.water, 'water', true), ev(at + 30 * MIN, DEVICE.water, 'water', false)];
    case 'tamper':
      return [ev(at, inc.deviceId ?? DEFAULT_INCIDENT_DEVICE.tamper!, 'tamper', true)];
    case 'low-battery':
      return [ev(at, inc.deviceId ?? DEFAULT_INCIDENT_DEVICE['low-battery']!, 'battery', 12)];
    default:
      return [];
  }
}

function periodicOverrides(incidents: TimedIncident[]): PeriodicOverrides {
  const overrides: PeriodicOverrides = { climate: [], batteryCap: [] };
  for (const inc of incidents) {
    if (inc.kind === 'cold' || inc.kind === 'heat') {
      overrides.climate.push({
        fromMs: inc.atMs,
        toMs: inc.atMs + 3 * 60 * MIN,
        tempC: inc.kind === 'cold' ? 14.5 : 31.5,
      });
    } else if (inc.kind === 'low-battery') {
      overrides.batteryCap.push({
        deviceId: inc.deviceId ?? DEFAULT_INCIDENT_DEVICE['low-battery']!,
        fromMs: inc.atMs,
        percent: 12,
      });
    }
  }
  return overrides;
}

/**
 * The home's events in time order, one array per segment (rising to next rising), clipped to
 * the simulated days. Pure: the same run gives the same events.
 */
export function* homeEvents(run: HomeRun): Generator<DeviceEvent[]> {
  const { homeId, seed, start, days, timeZone } = run;
  const windowStart = localMidnight(start, timeZone);
  const windowEnd = localMidnight(addDays(start, days), timeZone);
  const persona = drawPersona(createRng(hashSeed(seed, homeId, 'persona')));
  const habits = drawDeviceHabits(createRng(hashSeed(seed, homeId, 'devices')));

  const incidents: TimedIncident[] = run.incidents.map((inc) => ({
    ...inc,
    atMs: incidentAtMs(inc, start, timeZone),
  }));
  const wakeOverride = new Map<string, number>();
  for (const inc of incidents) if (inc.kind === 'no-morning-activity') wakeOverride.set(inc.date ?? start, inc.minutes);
  const routineChangeFrom = incidents
    .filter((i) => i.kind === 'routine-change')
    .reduce((min, i) => Math.min(min, i.atMs), Infinity);
  const offline = incidents
    .filter((i) => i.kind === 'sensor-offline')
    .map((i) => ({ deviceId: i.deviceId ?? DEFAULT_INCIDENT_DEVICE['sensor-offline']!, fromMs: i.atMs }));
  const overrides = periodicOverrides(incidents);

  const usualWakeMinutes = (date: string): number =>
    drawWakeMinutes(persona, createRng(hashSeed(seed, homeId, 'wake', date)));
  const wakeMinutes = (date: string): number => wakeOverride.get(date) ?? usualWakeMinutes(date);

  let carry: DeviceEvent[] = [];
  for (let d = -1; d < days; d++) {
    const date = addDays(start, d);
    const today = dayClock(date, timeZone);
    const tomorrow = dayClock(addDays(date, 1), timeZone);
    // Minutes past 1440 belong to the next date, whose offset may differ (clocks change at night).
    const toMs = (m: number): number => (m < 1440 ? today(m) : tomorrow(m - 1440));
    const wake = wakeMinutes(date);
    const nextWake = 1440 + wakeMinutes(addDays(date, 1));
    const segStart = toMs(wake);
    const segEnd = toMs(nextWake);
    const rng = createRng(hashSeed(seed, homeId, 'day', date));
    const extraNightVisits = toMs(22 * 60) >= routineChangeFrom ? 3 : 0;

    const lastVisit = 1440 + usualWakeMinutes(addDays(date, 1));
    let stays = planDay(persona, rng, wake, nextWake, extraNightVisits, lastVisit, (m) => Math.round(toMs(m)));
    const here = incidents.filter((i) => i.atMs >= segStart && i.atMs < segEnd).sort((a, b) => a.atMs - b.atMs);
    for (const inc of here) stays = stageBehaviour(stays, inc, segEnd);

    let events = emitStays(stays, rng, run.accel);
    if (segStart < windowStart) events.push(...stateAtStart(stays, windowStart));
    for (const inc of here) events.push(...incidentEvents(inc, run.accel, rng));
    if (run.noise) {
      const dupes = events
        .filter(() => rng.chance(DUPLICATE_CHANCE))
        .map((e) => ({ ...e, ts: e.ts + Math.round(rng.uniform(20, 300)) }));
      events.push(...dupes);
    }
    events.push(...periodicReports(habits, segStart, segEnd, d, overrides, rng));
    if (offline.length > 0)
      events = events.filter((e) => !offline.some((o) => o.deviceId === e.deviceId && e.ts >= o.fromMs));

    events.push(...carry);
    events.sort((a, b) => a.ts - b.ts);
    const cut = Math.min(segEnd, windowEnd);
    const firstKept = lowerBound(events, windowStart);
    const split = lowerBound(events, cut);
    carry = segEnd < windowEnd ? events.slice(split) : [];
    const chunk = events.slice(firstKept, split);
    if (chunk.length > 0) yield chunk;
    if (segEnd >= windowEnd) break;
  }
}

/**
 * The mats' state when the simulated window opens (the resident is usually asleep at midnight), as
 * Zigbee2MQTT's retained device states give it to a hub that starts listening then.
 */
function stateAtStart(stays: Stay[], windowStart: number): DeviceEvent[] {
  const s = stays.find((x) => x.startMs <= windowStart && windowStart < x.endMs);
  if (s?.mode === 'asleep') return [{ ts: windowStart, deviceId: DEVICE.bed, type: 'occupancy', value: true }];
  if (s?.mode === 'resting') return [{ ts: windowStart, deviceId: DEVICE.chair, type: 'occupancy', value: true }];
  return [];
}

/** Index of the first event at or after `ts` in a sorted array. */
function lowerBound(events: DeviceEvent[], ts: number): number {
  const index = events.findIndex((e) => e.ts >= ts);
  return index === -1 ? events.length : index;
}
