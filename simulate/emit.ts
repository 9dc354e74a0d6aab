// Turns stays into the sensor events a real flat would send: PIR triggers, mats, doors, appliances.
import type { EventValue } from '../rules/types.js';
import type { NativeEventType } from '../rules/vocabulary.js';
import type { Stay } from './behaviour.js';
import { DEVICE, ROOM_MOTION } from './layout.js';
import type { Rng } from './random.js';
import { sitDownTrace, toAccelEvents } from './accel.js';

/** One event of one device of the home being generated (the home is added by the generator). */
export interface DeviceEvent {
  ts: number;
  deviceId: string;
  type: NativeEventType;
  value: EventValue;
}

/** A PIR reports motion again at most this often while it keeps seeing someone (Aqara-like). */
const PIR_RETRIGGER_MS = 60_000;
/** A PIR reports "no motion" this long after it last saw someone. */
const PIR_CLEAR_MS = 90_000;

const S = 1000;
const MIN = 60_000;

/** Motion-sensor model: raw detections in, the occupancy reports a Zigbee PIR would send out. */
export function pirReports(deviceId: string, detections: number[], rng: Rng): DeviceEvent[] {
  const out: DeviceEvent[] = [];
  detections.sort((a, b) => a - b);
  let on = false;
  let lastReportMs = -Infinity;
  let lastSeenMs = -Infinity;
  for (const t of detections) {
    if (on && t - lastSeenMs > PIR_CLEAR_MS) {
      out.push({
        ts: Math.round(lastSeenMs + PIR_CLEAR_MS + rng.uniform(0, 5 * S)),
        deviceId,
        type: 'motion',
        value: false,
      });
      on = false;
    }
    if (!on || t - lastReportMs >= PIR_RETRIGGER_MS) {
      out.push({ ts: Math.round(t), deviceId, type: 'motion', value: true });
      lastReportMs = t;
      on = true;
    }
    lastSeenMs = t;
  }
  if (on) {
    out.push({
      ts: Math.round(lastSeenMs + PIR_CLEAR_MS + rng.uniform(0, 5 * S)),
      deviceId,
      type: 'motion',
      value: false,
    });
  }
  return out;
}

/** Every event the resident's stays cause (motion, mats, front door, appliances; wrist traces with `accel`). */
export function emitStays(stays: readonly Stay[], rng: Rng, accel: boolean): DeviceEvent[] {
  const out: DeviceEvent[] = [];
  const detections = new Map<string, number[]>();
  const detect = (room: string, ts: number): void => {
    const deviceId = ROOM_MOTION[room];
    if (!deviceId) return;
    const list = detections.get(deviceId);
    if (list) list.push(ts);
    else detections.set(deviceId, [ts]);
  };
  const push = (ts: number, deviceId: string, type: NativeEventType, value: EventValue): void => {
    out.push({ ts: Math.round(ts), deviceId, type, value });
  };

  for (const s of stays) {
    const { startMs, endMs } = s;
    switch (s.mode) {
      case 'active': {
        const [minGap, maxGap] = s.sparse ? [3 * MIN, 8 * MIN] : [30 * S, 150 * S];
        for (let t = startMs + rng.uniform(1 * S, 6 * S); t < endMs; t += rng.uniform(minGap, maxGap))
          detect(s.room, t);
        break;
      }
      case 'resting':
      case 'asleep': {
        const mat = s.mode === 'resting' ? DEVICE.chair : DEVICE.bed;
        const onAt = startMs + rng.uniform(5 * S, 30 * S);
        const offAt = endMs - rng.uniform(2 * S, 8 * S);
        detect(s.room, startMs + rng.uniform(0.5 * S, 3 * S));
        if (onAt < offAt) {
          push(onAt, mat, 'occupancy', true);
          push(offAt, mat, 'occupancy', false);
        }
        // Fidgeting in the chair, turning over in bed: motion now and then.
        const [minGap, maxGap] = s.mode === 'resting' ? [5 * MIN, 25 * MIN] : [40 * MIN, 150 * MIN];
        for (let t = startMs + rng.uniform(minGap, maxGap); t < endMs - MIN; t += rng.uniform(minGap, maxGap)) {
          if (s.mode === 'resting' || rng.chance(0.5)) detect(s.room, t);
        }
        detect(s.room, endMs - rng.uniform(0.5 * S, 2 * S));
        if (accel && s.mode === 'resting') {
          for (const e of toAccelEvents(Math.round(startMs), sitDownTrace(rng)))
            push(e.ts, DEVICE.wearable, 'accel', e.value);
        }
        break;
      }
      case 'out': {
        const leaveAt = startMs + rng.uniform(1 * S, 3 * S);
        push(leaveAt, DEVICE.frontDoor, 'contact', false);
        push(leaveAt + rng.uniform(4 * S, 12 * S), DEVICE.frontDoor, 'contact', true);
        const backAt = endMs - rng.uniform(8 * S, 14 * S);
        push(backAt, DEVICE.frontDoor, 'contact', false);
        push(backAt + rng.uniform(3 * S, 6 * S), DEVICE.frontDoor, 'contact', true);
        break;
      }
      case 'still':
        break;
    }
    for (const u of s.uses ?? []) {
      if (u.atMs < startMs || u.atMs >= endMs) continue;
      if (u.use === 'fridge') {
        push(u.atMs, DEVICE.fridge, 'contact', false);
        push(u.atMs + rng.uniform(8 * S, 40 * S), DEVICE.fridge, 'contact', true);
      } else {
        const device = u.use === 'kettle' ? DEVICE.kettle : DEVICE.microwave;
        const watts = u.use === 'kettle' ? rng.uniform(1900, 2300) : rng.uniform(750, 1000);
        push(u.atMs, device, 'power', Math.round(watts));
        push(u.atMs + rng.uniform(90 * S, 220 * S), device, 'power', 0);
      }
    }
  }
  for (const [deviceId, list] of detections) out.push(...pirReports(deviceId, list, rng));
  return out;
}
