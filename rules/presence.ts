// What counts as the resident's activity, and where it places them (SPEC 6, issue 4).
import type { DeviceState, HomeState } from './home-state.js';
import type { SensorEvent } from './types.js';
import { isBathroom } from './vocabulary.js';

/**
 * Whether this event is the resident's activity: motion seen, a contact or occupancy change, an
 * appliance's power rising, a pendant press. Remembers the device's last value to tell changes.
 */
export function isActivity(h: HomeState, device: DeviceState, event: SensorEvent): boolean {
  const value = event.value;
  switch (event.type) {
    case 'motion': {
      // A PIR that reports a held state sends `false` when movement stops: the resident was there
      // until then, so the end of a held state is activity too (a pulse PIR never sends it).
      const wasHeld = !Number.isNaN(device.heldSince);
      if (wasHeld && value === false) device.reportsHeld = true;
      device.heldSince = value === true ? (wasHeld ? device.heldSince : event.ts) : NaN;
      return value === true || wasHeld;
    }
    case 'pendant':
      return value === true;
    case 'contact': {
      const changed = device.lastValue !== value;
      device.lastValue = value as boolean;
      return changed;
    }
    case 'occupancy': {
      // Room presence sensors repeat `true` while someone is there; mats report changes.
      const changed = device.lastValue !== value;
      device.lastValue = value as boolean;
      const mat = device.kind === 'bed' || device.kind === 'chair';
      if (mat) onMatReport(h, device, value === true, event.ts);
      if (!mat && value === false && !Number.isNaN(device.heldSince)) device.reportsHeld = true;
      if (!mat)
        device.heldSince = value === true ? (Number.isNaN(device.heldSince) ? event.ts : device.heldSince) : NaN;
      return changed || (value === true && !mat);
    }
    case 'power': {
      if (typeof value !== 'number') return false;
      const before = typeof device.lastValue === 'number' ? device.lastValue : 0;
      device.lastValue = value;
      return value - before >= h.params.presence.powerRiseW;
    }
    default:
      return false;
  }
}

/** Holds counted per mat before they are halved (old habits count half; the counters stay small). */
const MAT_HOLDS_KEPT = 1000;

/**
 * A mat's report: count its holds (short ones tell a mat that reports each movement on it), and whether it
 * says someone rests on it now: while on, and, for a mat that pulses, after the end of a short press.
 */
function onMatReport(h: HomeState, device: DeviceState, on: boolean, ts: number): void {
  device.restVoid = false;
  if (on) {
    if (Number.isNaN(device.heldSince)) device.heldSince = device.restSince = ts;
    return;
  }
  if (Number.isNaN(device.heldSince)) {
    device.restSince = NaN;
    return;
  }
  const brief = ts - device.heldSince < h.params.presence.matPulseSeconds * 1000;
  if (device.matHolds >= MAT_HOLDS_KEPT) {
    device.matHolds >>= 1;
    device.matBriefHolds >>= 1;
  }
  device.matHolds++;
  if (brief) device.matBriefHolds++;
  device.heldSince = NaN;
  device.restSince = brief && h.matPulses(device) ? ts : NaN;
}

/**
 * Whether an activity places the resident in one room: a PIR or room-presence sensor, or anything in
 * the bathroom but an appliance (a toilet flush is how a visit ends, not a sign of staying: the
 * bathroom-too-long rule still watches the visit). A PIR in the bedroom of a home without a bed mat
 * cannot tell sleep from collapse.
 */
export function isLocated(h: HomeState, device: DeviceState, event: SensorEvent): boolean {
  if (device.room === undefined) return false;
  if (isBathroom(device.room)) return event.type !== 'power';
  const pir =
    event.type === 'motion' || (event.type === 'occupancy' && device.kind !== 'bed' && device.kind !== 'chair');
  if (!pir) return false;
  return device.room !== 'bedroom' || h.hasBedMat;
}

/** What a silence after this activity is learned under: the device, and for a contact which way it moved. */
export function activityKey(device: DeviceState, event: SensorEvent): string {
  const keys = device.activityKeys;
  if (event.type === 'contact') return event.value === true ? keys.closed : keys.open;
  return keys.any;
}
