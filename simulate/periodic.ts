// Reports devices send on their own: supervision heartbeats, battery levels, temperature and humidity.
import { DEVICE, FLAT_DEVICES, isBatteryPowered } from './layout.js';
import type { DeviceEvent } from './emit.js';
import type { Rng } from './random.js';

const MIN = 60_000;
const HEARTBEAT_MS = 60 * MIN;
const BATTERY_MS = 12 * 60 * MIN;
const CLIMATE_MS = 10 * MIN;

/** Per device: where in the hour it checks in, and its battery level at the start of the run. */
export interface DeviceHabits {
  phaseMs: Map<string, number>;
  batteryStart: Map<string, number>;
  /** Tenths of a degree the flat runs above or below a typical 20.5 °C. */
  warmthC: number;
}

export function drawDeviceHabits(rng: Rng): DeviceHabits {
  const phaseMs = new Map<string, number>();
  const batteryStart = new Map<string, number>();
  for (const d of FLAT_DEVICES) {
    phaseMs.set(d.id, Math.floor(rng.uniform(0, HEARTBEAT_MS)));
    if (isBatteryPowered(d.id)) batteryStart.set(d.id, rng.uniform(55, 100));
  }
  return { phaseMs, batteryStart, warmthC: rng.uniform(-1.5, 1.5) };
}

/** Changes an incident makes to periodic reports. */
export interface PeriodicOverrides {
  /** Indoor temperature forced over a period (cold or heat incidents). */
  climate: { fromMs: number; toMs: number; tempC: number }[];
  /** Battery level capped from a time on (low-battery incident). */
  batteryCap: { deviceId: string; fromMs: number; percent: number }[];
}

/** Times in [fromMs, toMs) that are `phase` plus a whole number of `period`. */
function ticks(fromMs: number, toMs: number, periodMs: number, phaseMs: number): number[] {
  const out: number[] = [];
  for (let t = phaseMs + Math.ceil((fromMs - phaseMs) / periodMs) * periodMs; t < toMs; t += periodMs) out.push(t);
  return out;
}

function indoorTempC(habits: DeviceHabits, deviceId: string, ts: number, rng: Rng): number {
  const hour = (ts / 3_600_000) % 24;
  const base = deviceId === DEVICE.climateBedroom ? 18.8 : 20.5;
  const daily = 1.2 * Math.sin((2 * Math.PI * (hour - 10)) / 24);
  return Math.round((base + habits.warmthC + daily + rng.normal(0, 0.15)) * 10) / 10;
}

export function periodicReports(
  habits: DeviceHabits,
  fromMs: number,
  toMs: number,
  dayIndex: number,
  overrides: PeriodicOverrides,
  rng: Rng,
): DeviceEvent[] {
  const out: DeviceEvent[] = [];
  for (const d of FLAT_DEVICES) {
    const phase = habits.phaseMs.get(d.id) ?? 0;
    for (const t of ticks(fromMs, toMs, HEARTBEAT_MS, phase)) {
      out.push({ ts: t, deviceId: d.id, type: 'heartbeat', value: true });
    }
    const start = habits.batteryStart.get(d.id);
    if (start !== undefined) {
      for (const t of ticks(fromMs, toMs, BATTERY_MS, phase)) {
        // Coin cells fade slowly: about one percent a month.
        let percent = Math.max(1, Math.round(start - dayIndex * 0.033));
        for (const cap of overrides.batteryCap) {
          if (cap.deviceId === d.id && t >= cap.fromMs) percent = Math.min(percent, cap.percent);
        }
        out.push({ ts: t + 1_500, deviceId: d.id, type: 'battery', value: percent });
      }
    }
  }
  for (const deviceId of [DEVICE.climateLiving, DEVICE.climateBedroom]) {
    const phase = (habits.phaseMs.get(deviceId) ?? 0) % CLIMATE_MS;
    for (const t of ticks(fromMs, toMs, CLIMATE_MS, phase)) {
      const forced = overrides.climate.find((c) => t >= c.fromMs && t < c.toMs);
      const tempC = forced
        ? Math.round((forced.tempC + rng.normal(0, 0.1)) * 10) / 10
        : indoorTempC(habits, deviceId, t, rng);
      out.push({ ts: t, deviceId, type: 'temperature', value: tempC });
      out.push({ ts: t, deviceId, type: 'humidity', value: Math.round(rng.normal(48, 3)) });
    }
  }
  return out;
}
