// Where the rules place the resident after an activity (SPEC 6, issue 4); what counts as activity is `activity.ts`.
import { matPulses, type Activity } from './activity.js';
import type { DeviceState, HomeState } from './home-state.js';
import type { SensorEvent } from './types.js';
import { HOUR_MS, MINUTE_MS } from './time.js';
import { isBathroom } from './vocabulary.js';

/** Holds counted per mat before they are halved (old habits count half; the counters stay small). */
const MAT_HOLDS_KEPT = 1000;

/**
 * A mat's report: count its holds (short ones tell a mat that reports each movement on it), and whether it
 * says someone rests on it now: while on, and, for a mat that pulses, after the end of a short press.
 */
export function onMatReport(home: HomeState, device: DeviceState, on: boolean, ts: number): void {
  const voided = device.restVoid;
  device.restVoid = false;
  if (on) {
    if (Number.isNaN(device.heldSince)) device.heldSince = device.restSince = ts;
    // A mat that reports each movement pressed again while held: the release between was lost (radio, a bridge);
    // this press is timed from now, or its end would read as a long press ended (getting out of bed), not a pulse.
    else if (ts > device.heldSince && matPulses(device)) device.heldSince = ts;
    return;
  }
  if (Number.isNaN(device.heldSince)) {
    device.restSince = NaN;
    return;
  }
  const heldMs = ts - device.heldSince;
  const brief = heldMs < home.params.presence.matPulseSeconds * 1000;
  // A long press the resident was not seen out of (a lie-in, not a stuck mat): a press on this mat can last that long.
  const rest = !brief && !voided && heldMs < home.params.presence.matHeldMaxHours * HOUR_MS;
  if (rest && heldMs > device.matRestMaxMs) device.matRestMaxMs = heldMs;
  // On a chair mat, a sitting: its day keeps its longest (a chair mat that holds is judged on them, inactivity.ts).
  if (rest && device.kind === 'chair') home.noteSitting(device, device.heldSince, heldMs);
  if (device.matHolds >= MAT_HOLDS_KEPT) {
    device.matHolds >>= 1;
    device.matBriefHolds >>= 1;
  }
  device.matHolds++;
  if (brief) device.matBriefHolds++;
  device.heldSince = NaN;
  device.restSince = brief && matPulses(device) ? ts : NaN;
}

/**
 * Whether a mat is stuck at `at`: held on, and either contradicted (the resident seen in another room since, with
 * no report from it) or held longer than anyone rests (`presence.matHeldMaxHours`). A stuck mat cannot report the
 * resident getting on it.
 */
export function matStuck(home: HomeState, device: DeviceState, at: number): boolean {
  if (Number.isNaN(device.heldSince)) return false;
  return device.restVoid || at - device.heldSince >= home.params.presence.matHeldMaxHours * HOUR_MS;
}

/**
 * Whether the home has a bed mat that has reported and none is stuck: then an empty bed and a quiet bedroom mean nobody
 * in bed. A bed mat that has never reported says nothing by its silence (not yet in use, on the side of the bed nobody
 * sleeps on, not paired): until one has, the bedroom is watched as a bedroom without a mat (session 34).
 */
export function bedMatsWork(home: HomeState, at: number): boolean {
  if (!home.hasBedMat) return false;
  let heard = false;
  for (const d of home.devices.values()) {
    if (d.kind !== 'bed') continue;
    if (matStuck(home, d, at)) return false;
    if (d.lastValue !== undefined) heard = true;
  }
  return heard;
}

/** Whether the home's bed and chair mats have each reported and none is stuck: an empty mat then means nobody on it. */
export function bedAndChairMatsWork(home: HomeState, at: number): boolean {
  let bed = false;
  let chair = false;
  for (const d of home.devices.values()) {
    if (d.kind !== 'bed' && d.kind !== 'chair') continue;
    if (matStuck(home, d, at)) return false;
    if (d.lastValue === undefined) continue;
    if (d.kind === 'bed') bed = true;
    else chair = true;
  }
  return bed && chair;
}

/**
 * Whether an activity places the resident in one room: a PIR or room-presence sensor, or anything in
 * the bathroom but an appliance (a toilet flush is how a visit ends, not a sign of staying: the
 * bathroom-too-long rule still watches the visit). A PIR in the bedroom cannot tell sleep from collapse
 * without a bed mat that works: none in the home, or one stuck on (Kasteren B: on for a day, then ten).
 */
export function isLocated(home: HomeState, device: DeviceState, event: SensorEvent): boolean {
  if (device.room === undefined) return false;
  if (isBathroom(device.room)) return event.type !== 'power';
  const pir =
    event.type === 'motion' || (event.type === 'occupancy' && device.kind !== 'bed' && device.kind !== 'chair');
  if (!pir) return false;
  return device.room !== 'bedroom' || bedMatsWork(home, event.ts);
}

/**
 * Movement after the exit door closed counts only when seen after it by more than this: sensors' clocks and radio
 * paths differ by seconds, and a PIR's hold varies a little from one trigger to the next.
 */
export const AFTER_EXIT_MARGIN_MS = MINUTE_MS;

/**
 * Whether a PIR (or room presence) clearing while the exit door's closing waits to be confirmed as an outing
 * says someone moved inside after the door closed: a held state ends about one hold time after the last
 * movement, so an `off` later than the closing by more than the sensor's hold (its shortest held state seen)
 * saw someone inside. A PIR with a hold of minutes does not report movement again while it holds, so its
 * `off` is the only sign that the resident came back from the door. Not the exit door's own room (it sees
 * whoever leaves), nor a sensor whose hold is not known yet.
 */
export function movedAfterExitClosed(home: HomeState, device: DeviceState, activity: Activity, at: number): boolean {
  // Out already: the out-check timer is the outing's bound then, not a closing waiting to be confirmed.
  if (home.out || !activity.heldEnd || device.room === undefined || home.exitRooms.has(device.room)) return false;
  const checkAt = home.timers['out-check'].dueAt;
  if (!Number.isFinite(checkAt) || Number.isNaN(device.holdMinMs)) return false;
  const closedAt = checkAt - home.params.presence.outAfterMinutes * MINUTE_MS;
  return at - device.holdMinMs > closedAt + AFTER_EXIT_MARGIN_MS;
}

/**
 * What a silence after this activity is learned under: the device, and for a contact which way it moved. A chair mat
 * freed is learned apart from its presses (`chairLeftKey`): after a press the resident sits for hours, after leaving
 * the chair they are up and soon seen again (session 35).
 */
export function activityKey(device: DeviceState, event: SensorEvent): string {
  if (device.kind === 'chair' && event.type === 'occupancy' && event.value === false) return chairLeftKey(device.id);
  if (event.type !== 'contact') return device.id;
  const keys = (device.contactKeys ??= { open: `${device.id}:open`, closed: `${device.id}:closed` });
  return event.value === true ? keys.closed : keys.open;
}

/** The activity key of a chair mat freed (`activityKey`): the resident got up from that chair. */
export function chairLeftKey(deviceId: string): string {
  return `${deviceId}:left`;
}

/**
 * Every activity key a device may learn silences under besides its own id (`activityKey`), whatever its kind: a device
 * whose id is one of these for another device of the home would learn its silences with that one's (the hub's
 * configuration refuses it, session 36).
 */
export function derivedActivityKeys(deviceId: string): string[] {
  return [`${deviceId}:open`, `${deviceId}:closed`, chairLeftKey(deviceId)];
}
