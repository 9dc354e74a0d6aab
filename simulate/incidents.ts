// Incidents on demand (`--incident collapse@14:05`): parsed here, applied to a home's timeline by the generator.
import { DEVICE } from './layout.js';
import { dayClock, parseClock } from './localTime.js';

/** What can be staged; each maps to the alert kind a demo should then show. */
export const INCIDENT_KINDS = [
  'pendant',
  'fall',
  'collapse',
  'night-exit',
  'out-of-bed-too-long',
  'bathroom-too-long',
  'no-morning-activity',
  'sensor-offline',
  'smoke',
  'co',
  'gas',
  'flood',
  'cold',
  'heat',
  'tamper',
  'low-battery',
  'routine-change',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export interface Incident {
  kind: IncidentKind;
  /** Local date (YYYY-MM-DD), or null for the first simulated day. */
  date: string | null;
  /** Minutes after local midnight. */
  minutes: number;
  /** Home it happens in; null for the first home. */
  homeId: string | null;
  /** Device it concerns (sensor-offline, tamper, low-battery); null for the usual one. */
  deviceId: string | null;
}

/** Which device an incident concerns when none is named. */
export const DEFAULT_INCIDENT_DEVICE: Partial<Record<IncidentKind, string>> = {
  'sensor-offline': DEVICE.kitchenMotion,
  tamper: DEVICE.hallMotion,
  'low-battery': DEVICE.bathroomMotion,
};

export const INCIDENT_SYNTAX = 'KIND@[YYYY-MM-DDT]HH:MM[/HOME[/DEVICE]]';

/** Parses `collapse@14:05`, `night-exit@2026-11-23T02:30/h3`, `sensor-offline@09:00/h1/kitchen-pir`. */
export function parseIncident(text: string): Incident {
  const m = /^([a-z-]+)@(?:(\d{4}-\d{2}-\d{2})T)?(\d{1,2}:\d{2})(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(text.trim());
  if (!m) throw new Error(`bad incident "${text}": expected ${INCIDENT_SYNTAX}`);
  const kind = m[1] as IncidentKind;
  if (!INCIDENT_KINDS.includes(kind)) {
    throw new Error(`unknown incident kind "${m[1]}" (one of: ${INCIDENT_KINDS.join(', ')})`);
  }
  return {
    kind,
    date: m[2] ?? null,
    minutes: parseClock(m[3] ?? ''),
    homeId: m[4] ?? null,
    deviceId: m[5] ?? null,
  };
}

/** When an incident happens (epoch ms): its local time on its date, else on `start`, the first simulated day. */
export function incidentAtMs(inc: Incident, start: string, timeZone: string): number {
  return Math.round(dayClock(inc.date ?? start, timeZone)(inc.minutes));
}
