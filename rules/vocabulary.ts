// The SPEC's fixed vocabularies, declared once; every other module imports them from here.

/** Event types on the native topic (SPEC 4.1). */
export const EVENT_TYPES = [
  'motion',
  'contact',
  'occupancy',
  'pendant',
  'fall',
  'smoke',
  'co',
  'gas',
  'water',
  'temperature',
  'humidity',
  'power',
  'battery',
  'tamper',
  'heartbeat',
  'accel',
  // Internal only: made by ingest from Zigbee2MQTT `battery_low` and `<name>/availability`.
  // Never accepted on the native topic.
  'battery_low',
  'availability',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Types a device may send on the native topic / HTTP / serial (the public vocabulary of SPEC 4.1). */
export const NATIVE_EVENT_TYPES = EVENT_TYPES.filter(
  (t) => t !== 'battery_low' && t !== 'availability',
) as readonly Exclude<EventType, 'battery_low' | 'availability'>[];
export type NativeEventType = (typeof NATIVE_EVENT_TYPES)[number];

/**
 * The event types raised at once as critical emergencies (SPEC 6): the rules' emergency rule, the ingest (never
 * limited, taken even when refused for their stamp or beside a refused reading) and the serial bridge (kept when a
 * full queue must drop something) read them from here.
 */
export const EMERGENCY_EVENTS = [
  'pendant',
  'fall',
  'smoke',
  'co',
  'gas',
  'water',
] as const satisfies readonly NativeEventType[];
const EMERGENCY_TYPES: ReadonlySet<string> = new Set(EMERGENCY_EVENTS);

/** Whether `type` is one of `EMERGENCY_EVENTS` (its all-clear included). */
export function isEmergencyType(type: string): boolean {
  return EMERGENCY_TYPES.has(type);
}

/** A pendant press, a fall or a hazard alarm going on (not its all-clear). */
export function isEmergency(type: string, value: unknown): boolean {
  return EMERGENCY_TYPES.has(type) && value === true;
}

/** Which JavaScript value each native type carries. */
export const EVENT_VALUE_KIND: Record<EventType, 'boolean' | 'true' | 'number' | 'accel'> = {
  motion: 'boolean',
  contact: 'boolean',
  occupancy: 'boolean',
  pendant: 'true',
  fall: 'true',
  smoke: 'boolean',
  co: 'boolean',
  gas: 'boolean',
  water: 'boolean',
  temperature: 'number',
  humidity: 'number',
  power: 'number',
  battery: 'number',
  tamper: 'boolean',
  heartbeat: 'true',
  accel: 'accel',
  battery_low: 'boolean',
  availability: 'boolean',
};

/** Device kinds (SPEC 3); rules key on them. */
export const DEVICE_KINDS = [
  'motion',
  'door',
  'exit-door',
  'bed',
  'chair',
  'pendant',
  'wearable',
  'smoke',
  'co',
  'gas',
  'water',
  'climate',
  'appliance',
  'other',
] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** What every kind of device may report about itself: supervision, battery, tampering. */
const HOUSEKEEPING = [
  'battery',
  'battery_low',
  'tamper',
  'heartbeat',
  'availability',
] as const satisfies readonly EventType[];

/**
 * The event types each device kind can report (plus HOUSEKEEPING): a PIR cannot raise smoke, CO, a fall or a
 * pendant press. Multi-sensors are allowed what such devices commonly add (a PIR with a thermometer, a combined
 * smoke and CO alarm, a pendant with fall detection, a watch with an SOS button).
 */
export const KIND_EVENT_TYPES: Record<DeviceKind, readonly EventType[]> = {
  motion: ['motion', 'occupancy', 'temperature', 'humidity', ...HOUSEKEEPING],
  door: ['contact', 'motion', ...HOUSEKEEPING],
  'exit-door': ['contact', ...HOUSEKEEPING],
  bed: ['occupancy', 'motion', ...HOUSEKEEPING],
  chair: ['occupancy', 'motion', ...HOUSEKEEPING],
  pendant: ['pendant', 'fall', ...HOUSEKEEPING],
  wearable: ['fall', 'accel', 'pendant', 'motion', ...HOUSEKEEPING],
  smoke: ['smoke', 'co', 'temperature', ...HOUSEKEEPING],
  co: ['co', 'temperature', ...HOUSEKEEPING],
  gas: ['gas', ...HOUSEKEEPING],
  water: ['water', 'temperature', ...HOUSEKEEPING],
  climate: ['temperature', 'humidity', ...HOUSEKEEPING],
  appliance: ['power', 'contact', 'motion', 'occupancy', ...HOUSEKEEPING],
  other: ['motion', 'contact', 'occupancy', 'temperature', 'humidity', 'power', ...HOUSEKEEPING],
};

/** Whether a device of `kind` can report an event of `type` (KIND_EVENT_TYPES). */
export function kindCanReport(kind: DeviceKind, type: EventType): boolean {
  return KIND_EVENT_TYPES[kind].includes(type);
}

/** The value each native type takes, in an installer's words (a refused event's message, `sendsText`). */
const VALUE_WORDS: Record<NativeEventType, string> = {
  motion: 'true or false',
  contact: 'true: closed, false: open',
  occupancy: 'true or false',
  pendant: 'true',
  fall: 'true',
  smoke: 'true or false',
  co: 'true or false',
  gas: 'true or false',
  water: 'true or false',
  temperature: '°C',
  humidity: '%',
  power: 'W',
  battery: '%',
  tamper: 'true or false',
  heartbeat: 'true',
  accel: '{"rate": Hz, "samples": [[x, y, z], ...]}',
};

const SENDS_TEXT = new Map<string, string>();

/**
 * What may be sent on the native topic, with each type's value, for a refused event's message (review, session 77: an
 * installer's `{"type": "door", "value": "open"}` was told `unknown event type "door"` and nothing more, and the types
 * were listed only in SPEC 4.1, outside the repository): a device of `kind`'s types, or every native type.
 */
export function sendsText(kind?: DeviceKind): string {
  const key = kind ?? '';
  let text = SENDS_TEXT.get(key);
  if (text === undefined) {
    const types = NATIVE_EVENT_TYPES.filter((t) => kind === undefined || KIND_EVENT_TYPES[kind].includes(t));
    text = types.map((t) => `"${t}" (${VALUE_WORDS[t]})`).join(', ');
    SENDS_TEXT.set(key, text);
  }
  return text;
}

/** Plausible ranges of numeric values (SPEC 4.1 units); outside them a value is a fault or an attack, not a reading. */
export const VALUE_RANGES = {
  battery: { min: 0, max: 100 },
  temperature: { min: -50, max: 100 },
  humidity: { min: 0, max: 100 },
  /** Watts: a domestic supply tops out near 23 kW. */
  power: { min: 0, max: 50_000 },
  /** Hz of an accel message. */
  accelRate: { min: 1, max: 1_000 },
  /** Samples in one accel message (10 s at 1,000 Hz). */
  accelSamples: { min: 1, max: 10_000 },
  /** g per axis: far beyond any human impact, within any accelerometer's range. */
  accelG: { min: -64, max: 64 },
} as const;

/** Longest home or device id on the native topic and HTTP (the configuration's own limit). */
export const MAX_ID_LENGTH = 64;
/** Longest Zigbee2MQTT friendly name taken in. */
export const MAX_FRIENDLY_NAME_LENGTH = 256;

/** Room names that carry meaning for the rules (SPEC 3). Rooms are free text otherwise. */
export const MEANINGFUL_ROOMS = ['bedroom', 'bathroom', 'toilet', 'kitchen', 'living', 'hall', 'entrance'] as const;

/** Words of a sensor's name that say its kind, in the order they are asked (`deviceKindFromName`). */
const MOTION_WORD = /^(pir|motion|movement)/;
const BED_WORD = /^bed(?!room|side)/;
const SEAT_WORD = /^(seat|chair|armchair|couch|sofa|settee|recliner)/;
const MAT_WORD = /^(pressure|mats?$)/;
const PRESENCE_WORD = /^(presence|occupancy)/;
const DOOR_WORD = /^(reed|magnet|contact|door|drawer|cupboard|cabinet)/;
const APPLIANCE_WORD = /^(flush|electric|power|appliance|plug|light|switch)/;

/**
 * A sensor kind as another dataset may name it (`pir`, `seat`, `magnetic`, `flush`, "Bed mat", "Front door"...), as
 * SPEC 3's device kind; a name we do not know is `other` (its events still count as the resident's activity). Read
 * word by word, never inside a word ("Climate sensor" is no mat, "Indoor temperature" no door, "Bedroom PIR" no bed).
 * A mat that says nothing of what it lies under ("Pressure mat") is the bed's in the bedroom (`room`, when known),
 * else a chair's.
 */
export function deviceKindFromName(name: string, room?: string): DeviceKind {
  const k = name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  if ((DEVICE_KINDS as readonly string[]).includes(k)) return k as DeviceKind;
  const words = k.split(/[^a-z0-9]+/).filter((w) => w.length > 0);
  const has = (word: RegExp): boolean => words.some((w) => word.test(w));
  if (has(MOTION_WORD)) return 'motion';
  if (has(/^(exit|entrance|entry)/) || /(front|main|outside|entrance|entry|street)-?door/.test(k)) return 'exit-door';
  if (has(BED_WORD)) return 'bed';
  if (has(SEAT_WORD)) return 'chair';
  if (has(MAT_WORD)) return room !== undefined && canonicalRoom(room) === 'bedroom' ? 'bed' : 'chair';
  if (has(PRESENCE_WORD)) return 'motion';
  if (has(DOOR_WORD)) return 'door';
  if (has(APPLIANCE_WORD)) return 'appliance';
  return 'other';
}

/** Common ways of writing a meaningful room (lower case, one space between words) that are that room. */
export const ROOM_SYNONYMS: Readonly<Record<string, (typeof MEANINGFUL_ROOMS)[number]>> = {
  'living room': 'living',
  livingroom: 'living',
  lounge: 'living',
  'sitting room': 'living',
  'family room': 'living',
  'front room': 'living',
  'tv room': 'living',
  'bed room': 'bedroom',
  'master bedroom': 'bedroom',
  'main bedroom': 'bedroom',
  'bath room': 'bathroom',
  'shower room': 'bathroom',
  washroom: 'bathroom',
  wc: 'toilet',
  lavatory: 'toilet',
  loo: 'toilet',
  'water closet': 'toilet',
  kitchenette: 'kitchen',
  hallway: 'hall',
  corridor: 'hall',
  landing: 'hall',
  entry: 'entrance',
  entryway: 'entrance',
  'entrance hall': 'entrance',
  foyer: 'entrance',
};

/** A room's name with its case, spacing and `_`/`-` between words set aside: "Utility Room", "utility_room ". */
export function roomKey(room: string): string {
  return room
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

/**
 * A room that carries meaning for the rules (SPEC 3) however it is written ("Bathroom ", "Living room", "living_room",
 * "WC") is that room: the rules compare names exactly, and would otherwise never watch it as one. Any other room is
 * left as written (rooms are free text).
 */
export function canonicalRoom(room: string): string {
  const words = roomKey(room);
  if ((MEANINGFUL_ROOMS as readonly string[]).includes(words)) return words;
  return ROOM_SYNONYMS[words] ?? room;
}

export const ALERT_KINDS = [
  'pendant',
  'fall',
  'possible-fall',
  'inactivity',
  'no-morning-activity',
  'night-exit',
  'bathroom-too-long',
  'out-of-bed-too-long',
  'smoke',
  'co',
  'gas',
  'flood',
  'cold',
  'heat',
  'sensor-offline',
  'low-battery',
  'tamper',
  'routine-change',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * The severities each kind is raised at, where severities are decided (each rule's `ctx.raise`, rules/*.ts, and the
 * routine review's raises, analytics/review.ts): `RuleContext.raise` takes only a severity listed here for its kind
 * (`SeverityOf`; another is a compile error), so what reads severities by kind cannot drift from the rules (review,
 * session 72, round 3: the council report's `URGENT_KINDS` was a list by hand of the kinds raised as critical or high,
 * and a rule that began raising another kind so would have had its urgent alerts capped against too small a whole).
 */
export const RAISED_SEVERITIES = {
  pendant: ['critical'],
  // A wearable's fall report it downgraded itself (the wearer pressed "I'm OK") is info.
  fall: ['critical', 'info'],
  'possible-fall': ['high'],
  inactivity: ['high'],
  'no-morning-activity': ['medium'],
  'night-exit': ['high'],
  'bathroom-too-long': ['high'],
  'out-of-bed-too-long': ['medium'],
  smoke: ['critical'],
  co: ['critical'],
  gas: ['critical'],
  flood: ['critical'],
  cold: ['medium'],
  heat: ['medium'],
  'sensor-offline': ['low'],
  'low-battery': ['low'],
  tamper: ['medium'],
  'routine-change': ['low'],
} as const satisfies { readonly [K in AlertKind]: readonly Severity[] };

/**
 * The severities every kind of `K` may be raised at (for a union of kinds, those all of them may: the rule does not
 * know which it raises).
 */
export type SeverityOf<K extends AlertKind> = (
  K extends AlertKind ? (severity: (typeof RAISED_SEVERITIES)[K][number]) => void : never
) extends (severity: infer S) => void
  ? S & Severity
  : never;

/** The kinds raised at any of `severities` (`RAISED_SEVERITIES`), in `ALERT_KINDS`' order. */
export function kindsRaisedAt(severities: readonly Severity[]): AlertKind[] {
  return ALERT_KINDS.filter((kind) =>
    (RAISED_SEVERITIES[kind] as readonly Severity[]).some((s) => severities.includes(s)),
  );
}

/** The inactivity family: alerts that mean "this person may be lying somewhere unable to call". */
export const INACTIVITY_FAMILY = [
  'possible-fall',
  'inactivity',
  'no-morning-activity',
  'bathroom-too-long',
  'out-of-bed-too-long',
] as const satisfies readonly AlertKind[];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATES = ['raised', 'acknowledged', 'resolved', 'cancelled'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const OUTCOMES = [
  'false-alarm',
  'no-action-needed',
  'assisted-at-home',
  'carer-visit',
  'ambulance',
  'hospital-admission',
  'other',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const ROLES = ['admin', 'installer', 'responder', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The roles of API tokens: the dashboard's, plus `device` (a sensor or gateway that speaks only HTTP, SPEC 4.4): it may
 * post events for the homes named when its token was made, and nothing else. Nobody logs in with it.
 */
export const TOKEN_ROLES = [...ROLES, 'device'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export const EVENT_SOURCES = ['mqtt', 'zigbee', 'serial', 'http', 'replay', 'hub'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export function isBathroom(room: string | undefined): boolean {
  return room === 'bathroom' || room === 'toilet';
}
