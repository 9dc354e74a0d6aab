// A device's reports again (a redelivery, a bridge's flush sent twice): how the rules tell a copy from news.
import { isEmergencyType } from './vocabulary.js';
import { STATE_REPORT_TYPES, type DeviceReport, type DeviceState } from './home-state.js';
import { MINUTE_MS } from './time.js';
import type { SensorEvent } from './types.js';

/** How many of a device's latest reports a duplicate is looked for among (a re-sent report comes within a few). */
export const RECENT_REPORTS = 4;
/**
 * A state report older than its device's latest by more than this is a copy (`duplicateReport`). Less, and it may be
 * the device's own next report stamped a little early (a sensor's clock: the evaluation's `jitter` moves stamps by up
 * to 2 s, so a PIR's `off` may be stamped before its `on`): such a report is heard as before.
 */
export const REORDER_MS = MINUTE_MS;
/**
 * How far apart two devices' stamps may be and still not say which report came first: their clocks (a bridge's stamp
 * at reception, a sensor's own clock set over the network) agree to a second or two at best (`RulesEngine.onActivity`
 * takes reports that close in the order they were heard).
 */
export const STAMP_ORDER_MS = 2_000;
/**
 * How many of a device's latest emergency reports a copy is looked for among, however many of its other reports came
 * since: a bridge killed as it sent its spool sends the press again behind the pendant's heartbeats and battery
 * reports of the outage (review, session 62). A copy of an older one is taken as news: a doubt costs a duplicate alert,
 * never a press.
 */
export const EMERGENCY_REPORTS = 16;
/** Later messages (distinct stamps) of a device a report within `REORDER_MS` must come behind to be a copy. */
const LATER_MESSAGES = 3;

/** What `duplicateReport` says of an event: the latest report again, an earlier one again, or (undefined) news. */
export type ReportCopy = 'latest' | 'earlier' | undefined;

/**
 * Whether the event is one of the device's reports again: `latest` (the one just before: same time, type and value),
 * `earlier` (a copy coming after a later report), undefined (a new report). A copy is looked for among the device's
 * latest few reports; a state report (motion, contact, occupancy, power) older, at the rules' time `at`, than the
 * device's latest one by more than `REORDER_MS` is `earlier` too, wherever it came in the device's past: a bridge that
 * re-sends a flush of more than a few reports of one device (without MQTT's DUP flag) replays the older ones after the
 * newer, and none of them may set the device back (review, session 31). A device's reports come in its own order (one
 * bridge, one MQTT session), give or take its stamps' jitter: only a copy comes much older than its latest.
 */
export function duplicateReport(device: DeviceState, event: SensorEvent, at: number = event.ts): ReportCopy {
  const recent = device.recentReports;
  for (let i = recent.length - 1; i >= 0; i--) {
    const r = recent[i]!;
    if (sameReport(r, event)) return i === recent.length - 1 ? 'latest' : 'earlier';
  }
  // An emergency report taken already, further back (a press, the same stamp): not a second press.
  if (isEmergencyType(event.type) && device.emergencyReports.some((r) => sameReport(r, event))) return 'earlier';
  if (!STATE_REPORT_TYPES.has(event.type)) return undefined;
  if (at < device.stateReportAt - REORDER_MS) return 'earlier';
  // Within the minute: older than each of the latest reports kept, themselves from at least `LATER_MESSAGES` messages
  // (stamps) and every one stamped within the rules' time (none from a device clock running ahead, which must not make
  // its put-right reports look old), is a copy too: a report comes out of its order by its stamps' jitter, behind one
  // or two later messages, not behind three (a PIR that pulses every few seconds, its flush sent again: review,
  // session 32). The fields of one message (a contact, its battery, its tamper) share a stamp and count as one.
  const last = recent[recent.length - 1];
  if (recent.length < RECENT_REPORTS || last === undefined || !(event.ts < last.ts)) return undefined;
  let messages = 0;
  for (let i = 0; i < recent.length; i++) {
    const r = recent[i]!;
    if (!(event.ts < r.ts && r.ts <= device.stateReportAt)) return undefined;
    if (i === 0 || r.ts !== recent[i - 1]!.ts) messages++;
  }
  return messages >= LATER_MESSAGES ? 'earlier' : undefined;
}

/**
 * Remember a report among the device's latest few (`DeviceState.recentReports`), and a state report's time at the
 * rules (`DeviceState.stateReportAt`: `at`, the event's time, or the rules' when it is stamped ahead of them, so a
 * device's clock put back after running ahead does not make its next reports look old). Not one whose value is an
 * object (a wearable's `accel` samples, up to 64 KiB): never equal to another, it would only be held in memory and
 * saved with every rules snapshot.
 */
export function noteReport(device: DeviceState, event: SensorEvent, at: number = event.ts): void {
  if (typeof event.value === 'object' && event.value !== null) return;
  if (STATE_REPORT_TYPES.has(event.type) && !(at <= device.stateReportAt)) device.stateReportAt = at;
  const recent = device.recentReports;
  // The oldest's object is reused: no allocation per event once a device has reported a few times.
  const r = recent.length >= RECENT_REPORTS ? recent.shift()! : { ts: 0, type: '', value: undefined as unknown };
  r.ts = event.ts;
  r.type = event.type;
  r.value = event.value;
  recent.push(r);
  if (!isEmergencyType(event.type)) return;
  const emergencies = device.emergencyReports;
  if (emergencies.length >= EMERGENCY_REPORTS) emergencies.shift();
  emergencies.push({ ts: event.ts, type: event.type, value: event.value });
}

function sameReport(r: DeviceReport, event: SensorEvent): boolean {
  return r.ts === event.ts && r.type === event.type && r.value === event.value;
}
