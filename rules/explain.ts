// What a responder needs to understand an inactivity-family alert: how long, against which threshold, where, on a mat or not.
import type { DeviceState, HomeState, HomeTimer } from './home-state.js';
import { MINUTE_MS } from './time.js';

/**
 * Why the activity just seen withdraws an alert of the inactivity family (its `clear` reason, the console's "cancelled
 * by the hub: ..."): `seen` ("activity in hall"), unless that activity was a pendant press. A press is a call for help,
 * raised as its own alert, and its room is where the pendant was set up, not where the resident is: "activity in
 * living" read as the resident up and walking while she pressed from the hall floor (review, session 66).
 */
export function silenceEndedBy(home: HomeState, seen: string): string {
  const id = home.lastActivityDeviceId;
  const device = id === undefined ? undefined : home.devices.get(id);
  return device?.kind === 'pendant' ? `pendant ${device.id} pressed (its own alert), no movement seen` : seen;
}

/**
 * The detail of an inactivity-family alert (issue 11 section 5): `silenceMinutes` since `since`,
 * the `thresholdMinutes` it crossed and its `thresholdSource`, the last room and device (id and kind), which
 * mat was occupied (`"bed"`, `"chair"` or null), and after an arrival by the exit door that no sensor inside has seen
 * since, when and by which door (`arrivedAt`, `arrivedBy`, `seenSinceArrival: false`). While a device is dead to the
 * rules (`HomeState.deviceDead`), `deadDevices` lists each (id, kind, room, `silentSince`: its last report,
 * `unavailable` when Zigbee2MQTT said offline), and `roomChecksPaused` where possible-fall and bathroom-too-long do
 * not arm for it (`HomeState.roomChecksPaused`: `"all"`, or the rooms whose silences it used to end, at the hour the
 * silence under way began); both absent otherwise.
 */
export function silenceDetail(home: HomeState, timer: HomeTimer, at: number, since: number): Record<string, unknown> {
  const threshold = home.armed[timer];
  // Asked of each device here rather than through `deadDeviceIds`'s cache: the detail leaves the rules' state untouched.
  const dead = deadDevices(home);
  return {
    silenceMinutes: Math.round((at - since) / MINUTE_MS),
    thresholdMinutes: threshold && Number.isFinite(threshold.ms) ? Math.round(threshold.ms / MINUTE_MS) : null,
    thresholdSource: threshold?.source ?? 'cold-start',
    lastRoom: home.lastActivityRoom ?? null,
    lastDeviceId: home.lastActivityDeviceId ?? null,
    lastDeviceKind: home.devices.get(home.lastActivityDeviceId ?? '')?.kind ?? null,
    matOccupied: home.bedOccupied ? 'bed' : home.chairOccupied ? 'chair' : null,
    lastActivityAt: Number.isNaN(home.lastActivityAt) ? null : new Date(home.lastActivityAt).toISOString(),
    // Came in by the exit door after an outing and nothing inside has reported since: why the home is watched at all.
    ...(home.unseenArrival
      ? {
          arrivedAt: new Date(
            Number.isNaN(home.unseenArrival.openedAt) ? home.unseenArrival.closedAt : home.unseenArrival.openedAt,
          ).toISOString(),
          arrivedBy: home.unseenArrival.doorId,
          seenSinceArrival: false,
        }
      : {}),
    // A device taken for dead (session 29): the room checks it fed are paused; the responder is told which, since when,
    // and where those checks are paused (session 30: only the rooms whose silences it used to end).
    ...(dead.length > 0
      ? {
          deadDevices: dead,
          // Held or not by the hour the silence under way began (session 31).
          roomChecksPaused: home.roomChecksPaused(
            new Set(dead.map((d) => d.id)),
            Number.isNaN(home.lastActivityAt) ? at : home.lastActivityAt,
          ),
        }
      : {}),
  };
}

/** What the card says of a device dead to the rules: nothing the card does not already show (id, kind, room, a time). */
export interface DeadDeviceDetail {
  id: string;
  kind: string;
  room: string | null;
  /** Its last report (ISO), null when none is remembered. */
  silentSince: string | null;
  /** Zigbee2MQTT said it is offline. */
  unavailable?: true;
}

/** Every device of the home dead to the rules (`HomeState.deviceDead`), in the home's order. */
export function deadDevices(home: HomeState): DeadDeviceDetail[] {
  const out: DeadDeviceDetail[] = [];
  for (const d of home.devices.values()) {
    if (!home.deviceDead(d)) continue;
    const last = lastReportAt(d);
    out.push({
      id: d.id,
      kind: d.kind,
      room: d.room ?? null,
      silentSince: Number.isNaN(last) ? null : new Date(last).toISOString(),
      ...(d.unavailable ? { unavailable: true as const } : {}),
    });
  }
  return out;
}

/** The time of the device's latest remembered report (`DeviceState.recentReports`), NaN when none. */
function lastReportAt(device: DeviceState): number {
  let last = NaN;
  for (const r of device.recentReports) if (!(r.ts <= last)) last = r.ts;
  return last;
}

/**
 * What a worn device's alert (a pendant press, a wearable's fall) says of where to look (session 36): the device is
 * worn (`worn`, and its `deviceKind`: its configured room is where it was set up, not where the wearer is), and where
 * the home's own sensors last placed someone (`HomeState.sightingAt`): `seenRoom`, `seenDeviceId`, `seenDeviceKind`,
 * `seenAt` (ISO) and
 * `seenMinutesBefore` the alert's time `at` (negative: seen after it, as a fall decided seconds after its impact may
 * be); all null when no sensor of the home has placed anyone yet. `out`: the home took the resident as out (the front
 * door closed, nothing inside since), so the wearer may not be at home at all.
 */
export function wornDetail(home: HomeState, worn: DeviceState, at: number): Record<string, unknown> {
  const device = home.sightingDeviceId === undefined ? undefined : home.devices.get(home.sightingDeviceId);
  const seen = device?.room !== undefined && !Number.isNaN(home.sightingAt);
  return {
    worn: true,
    deviceKind: worn.kind,
    seenRoom: seen ? device.room : null,
    seenDeviceId: seen ? device.id : null,
    seenDeviceKind: seen ? device.kind : null,
    seenAt: seen ? new Date(home.sightingAt).toISOString() : null,
    seenMinutesBefore: seen ? Math.round((at - home.sightingAt) / MINUTE_MS) : null,
    ...(home.out ? { out: true } : {}),
  };
}
