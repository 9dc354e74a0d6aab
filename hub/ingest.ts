// Ingest: native MQTT, Zigbee2MQTT and HTTP payloads → SensorEvent[]; bad input is counted by reason and dropped, never thrown.
import { Counter, type Registry } from 'prom-client';
import { accelRuns, accelSampleOffsetMs, valueFits } from '../rules/event-value.js';
import { EARLIEST_SENSOR_TS_MS, parseIsoMs, TS_FORMAT } from '../rules/iso-time.js';
import { ZoneClock } from '../rules/local-time.js';
import type { AccelValue, EventValue, SensorEvent } from '../rules/types.js';
import { topicSafeIdPattern } from './config-patterns.js';
import type { HubConfig } from './config-types.js';
import {
  EVENT_VALUE_KIND,
  isEmergency,
  isEmergencyType,
  kindCanReport,
  MAX_FRIENDLY_NAME_LENGTH,
  MAX_ID_LENGTH,
  NATIVE_EVENT_TYPES,
  sendsText,
  VALUE_RANGES,
  type EventSource,
  type EventType,
} from '../rules/vocabulary.js';
import type { Clock } from './clock.js';
import type { DeviceIndex, DeviceRef } from './config.js';
import type { Logger } from './logger.js';
import { parseNativeEventsTopic } from './topics.js';

export const MAX_PAYLOAD_BYTES = 64 * 1024;
const MAX_FUTURE_MS = 24 * 3600_000;
const LOG_EVERY_MS = 60_000;
/**
 * Rejection lines a minute in all devices together (each device at most once a minute as well): a sender making up a
 * new device id for each bad message (any id of its flat is open to a device credential; a radio receiver decoding
 * noise does the same) would otherwise write a line for each (review, session 58). The rest are counted, and the next
 * line logged says how many went unlogged.
 */
export const REJECTION_LINES_PER_MINUTE = 60;

export const REJECT_REASONS = [
  'too-large',
  'bad-json',
  'not-an-event',
  'unknown-type',
  'bad-value',
  'bad-ts',
  'future-ts',
  'missing-ids',
  'bad-availability',
  'bad-id',
  'out-of-range',
  'kind-mismatch',
  // `POST /api/events` by a device's API token for a home not among the token's homes: refused by the dashboard
  // before ingest sees the body, counted here (dashboard/app.ts, INTAKE_REFUSALS).
  'home-not-allowed',
  // A retained sensor message an external broker hands over on (re)connect: an old event, never new input.
  'retained',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  reason: RejectReason;
  message: string;
  /** Position of the refused event in a `POST /api/events` array (0 for a single event). */
  index?: number;
}

export interface IngestOutcome {
  events: SensorEvent[];
  rejections: Rejection[];
}

/** Which input a topic carries: native events, Zigbee2MQTT device state or availability, or nothing for ingest. */
export type SensorTopic =
  | { kind: 'native'; homeId: string; deviceId: string }
  | { kind: 'zigbee'; friendlyName: string }
  | { kind: 'zigbee-availability'; friendlyName: string };

const NATIVE_TYPES = new Set<string>(NATIVE_EVENT_TYPES);

/**
 * Whether a Zigbee2MQTT `action` of a button configured as a pendant is the resident pressing it: any action but one
 * that ends a press, which are a release after a hold (`release`, `on_hold_release`, `long_release`), a dimmer's stop
 * (`brightness_stop`) and the empty action Zigbee2MQTT publishes after each. A single press (`single`, `on`, `press`,
 * a vendor's `emergency` or `sos`) was the only one taken until session 64: the same button pressed again and again
 * (`double`, `triple`, `many`) or held down (`long` on a Sonoff SNZB-01, `hold` on Aqara and Tuya buttons) raised
 * nothing, though a resident in distress does either. A doubt costs a repeat of the open alert, never a press.
 */
function isPendantPress(action: string): boolean {
  return action !== '' && !action.endsWith('release') && !action.endsWith('stop');
}

/** `at`: the sender's stamp, when a `future-ts` refusal's. */
type Refusal = { ok: false; at?: number } & Rejection;
type AccelSplit = NonNullable<ReturnType<typeof accelRuns>>;

function reject(reason: RejectReason, message: string): Refusal {
  return { ok: false, reason, message };
}

/** A refused type's message with what the device may send: its kind's types when configured, else every type. */
function withWhatItSends(message: string, ref: DeviceRef | undefined): string {
  return ref === undefined
    ? `${message}: the types are ${sendsText()}`
    : `${message}: device ${ref.device.id} (${ref.device.kind}) sends ${sendsText(ref.device.kind)}`;
}

/**
 * An emergency going on (a pendant press, a fall, a detector's alarm: `rules/emergency.ts`) refused for its stamp
 * alone, with what to log: it is taken at the hub's receive time all the same. A Pi has no real-time clock: started
 * after a power cut of more than a day it reads its last saved time until network time corrects it, and every press of
 * a device whose own clock was right read more than 24 h ahead and was refused, so the resident's call for help did
 * nothing (review, session 66). A refusal for its stamp comes after its type and value were checked (`checkNative`).
 */
function emergencyRefusedForTs(refusal: Refusal, item: unknown): { type: EventType; message: string } | undefined {
  if (refusal.reason !== 'future-ts' && refusal.reason !== 'bad-ts') return undefined;
  const { type, value } = item as { type: EventType; value: unknown };
  if (!isEmergency(type, value)) return undefined;
  return {
    type,
    message:
      `${refusal.message}: the '${type}' event is taken at the hub's receive time ` +
      "(an emergency is never dropped for its stamp; the sender's or the hub's clock is wrong)",
  };
}

const BAD_JSON = reject('bad-json', 'payload is not valid JSON');
const BAD_MQTT_ID = reject('bad-id', 'ids must be printable and at most 64 characters (friendly names 256)');

const NOT_JSON = Symbol('not JSON');

/** The payload's JSON, or NOT_JSON (the caller drops it under its own log key). */
function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function tooLarge(bytes: number): Refusal {
  return reject('too-large', `payload of ${bytes} bytes is over ${MAX_PAYLOAD_BYTES}`);
}

/** An id the configuration takes (its schema's pattern: no topic separator or wildcard, no space at either end). */
const CONFIGURABLE_ID = new RegExp(topicSafeIdPattern, 'u');
const NOT_CONFIGURABLE_HTTP_ID = reject(
  'bad-id',
  'homeId and deviceId must not contain / + #, nor begin or end with a space: the configuration cannot hold such an ' +
    'id, so the device could never be configured; rename it',
);

// Control, format (bidi overrides), private-use, surrogate and unassigned code points: never in an id a person reads.
const NOT_PRINTABLE = /\p{C}/u;

/** An id that is safe to store, log and show: non-empty, bounded, printable. */
export function isPrintableId(id: string, maxLength: number): boolean {
  return id.length > 0 && id.length <= maxLength && !NOT_PRINTABLE.test(id);
}

/**
 * A refused `type` as a message shows it: a string's first characters, a number or boolean as it is, an object or
 * array by its kind only. Never serialised whole: 64 KiB of JSON can nest 30,000 deep, past the stack of a recursive
 * JSON.stringify, and its RangeError ended the hub.
 */
export function describeType(type: unknown): string {
  if (typeof type === 'string') return JSON.stringify(type.slice(0, 40));
  if (type === null || typeof type !== 'object') return String(type);
  return Array.isArray(type) ? 'an array' : 'an object';
}

/**
 * An accel value as stored: its rate and samples alone. The other keys of the sender's object were checked by
 * nothing, so kept they could be anything up to the payload bound, e.g. arrays nested too deep for the store's
 * JSON.stringify: every batch holding the message then failed, and the sender sent it again after each failure.
 */
function accelValue({ rate, samples }: AccelValue): AccelValue {
  return { rate, samples };
}

const inRange = (v: number, range: { min: number; max: number }): boolean => v >= range.min && v <= range.max;

/** A reason to refuse a well-typed value that no sensor can report (battery 1e6 %, 1e308 °C), or undefined. */
export function outOfRange(type: EventType, value: unknown): string | undefined {
  switch (type) {
    case 'battery':
    case 'temperature':
    case 'humidity':
    case 'power': {
      const range = VALUE_RANGES[type];
      return inRange(value as number, range)
        ? undefined
        : `a '${type}' value must be within ${range.min}..${range.max}`;
    }
    case 'accel': {
      const { rate, samples } = value as { rate: number; samples: number[][] };
      if (!inRange(rate, VALUE_RANGES.accelRate))
        return `accel rate must be within ${VALUE_RANGES.accelRate.min}..${VALUE_RANGES.accelRate.max} Hz`;
      if (!inRange(samples.length, VALUE_RANGES.accelSamples))
        return `an accel message carries at most ${VALUE_RANGES.accelSamples.max} samples`;
      if (!samples.every((s) => s.every((g) => inRange(g, VALUE_RANGES.accelG))))
        return `accel samples must be within ±${VALUE_RANGES.accelG.max} g`;
      return undefined;
    }
    default:
      return undefined;
  }
}

// Every message's outcome starts with these two, replaced by arrays of its own at its first event or rejection:
// most messages have one event and no rejection, and two empty arrays each were garbage. Frozen, so that a push
// onto one fails loudly instead of handing one message's events to the next.
const NO_EVENTS = Object.freeze([]) as unknown as SensorEvent[];
const NO_REJECTIONS = Object.freeze([]) as unknown as Rejection[];

function emptyOutcome(): IngestOutcome {
  return { events: NO_EVENTS, rejections: NO_REJECTIONS };
}

/**
 * Adds an event to the outcome. Most messages carry one event: a first `push` onto `[]` makes room for 17 (a
 * 152-byte store), an array literal of one holds exactly one.
 */
function addEvent(out: IngestOutcome, event: SensorEvent): void {
  if (out.events.length === 0) out.events = [event];
  else out.events.push(event);
}

export class Ingest {
  private readonly rejected: Counter<'reason'>;
  private readonly implausibleTs: Counter;
  private readonly accelSamplesDropped: Counter;
  private readonly accepted: Counter<'source'>;
  /**
   * Events accepted since the counter was last read, by source: added to it when /metrics reads it. A labelled
   * `inc` per event hashes and validates its labels and allocates twice: measurable at tens of thousands a second.
   */
  private readonly acceptedSinceRead = new Map<EventSource, number>();
  private readonly lastLoggedAt = new Map<string, number>();
  /** The minute of rejection lines under way (REJECTION_LINES_PER_MINUTE): its start, lines logged, rejections not. */
  private logWindow = { startedAt: -Infinity, lines: 0, unlogged: 0 };
  private readonly zigbeePrefix: string;
  private readonly log: Logger;

  /**
   * Each configured home's zone: a `ts` without a zone is the home's local time (as replay reads it), whatever the hub
   * machine's zone; a home not configured: the machine's. Homes in one zone share its clock.
   */
  private homeZones = new Map<string, ZoneClock>();

  private readZones(config: HubConfig): void {
    const byName = new Map<string, ZoneClock>();
    this.homeZones = new Map();
    for (const home of config.homes) {
      let zone = byName.get(home.timezone);
      if (zone === undefined) byName.set(home.timezone, (zone = new ZoneClock(home.timezone)));
      this.homeZones.set(home.id, zone);
    }
  }

  /** Homes and devices of a reloaded configuration (SIGHUP); the Zigbee2MQTT base topic stays as started. */
  setConfig(config: HubConfig, index: DeviceIndex): void {
    this.readZones(config);
    this.deps.config = config;
    this.deps.index = index;
  }

  constructor(
    private readonly deps: { config: HubConfig; index: DeviceIndex; clock: Clock; logger: Logger; metrics: Registry },
  ) {
    this.zigbeePrefix = `${deps.config.hub.zigbeeBaseTopic}/`;
    this.readZones(deps.config);
    this.log = deps.logger.child({ ns: 'ingest' });
    this.rejected = new Counter({
      name: 'telecare_ingest_rejected_total',
      help: 'Sensor input rejected by ingest, by reason',
      labelNames: ['reason'],
      registers: [deps.metrics],
    });
    const acceptedSinceRead = this.acceptedSinceRead;
    this.accepted = new Counter({
      name: 'telecare_ingest_events_total',
      help: 'Sensor events accepted by ingest, by source',
      labelNames: ['source'],
      registers: [deps.metrics],
      collect(this: Counter<'source'>) {
        for (const [source, count] of acceptedSinceRead) this.inc({ source }, count);
        acceptedSinceRead.clear();
      },
    });
    for (const reason of REJECT_REASONS) this.rejected.inc({ reason }, 0);
    this.accelSamplesDropped = new Counter({
      name: 'telecare_ingest_accel_samples_dropped_total',
      help: 'Samples of accel messages that were not three numbers within the plausible range, dropped alone (the rest of the batch kept)',
      registers: [deps.metrics],
    });
    this.implausibleTs = new Counter({
      name: 'telecare_ingest_implausible_ts_total',
      help: 'Events whose ts was before the hub was built (a reset sensor clock), taken at the receive time',
      registers: [deps.metrics],
    });
  }

  /** Counts input refused before it reached ingest (a packet the broker dropped for its size). */
  countRejected(reason: RejectReason): void {
    this.rejected.inc({ reason }, 1);
  }

  /** Whether and how a topic is sensor input; `/set`, `/get` and the bridge's own topics are not. */
  sensorTopic(topic: string): SensorTopic | null {
    if (topic.startsWith('telecare/')) {
      const ids = parseNativeEventsTopic(topic);
      return ids ? { kind: 'native', ...ids } : null;
    }
    if (!topic.startsWith(this.zigbeePrefix)) return null;
    const name = topic.slice(this.zigbeePrefix.length);
    if (name === '' || name === 'bridge' || name.startsWith('bridge/')) return null;
    if (name.endsWith('/availability')) return { kind: 'zigbee-availability', friendlyName: name.slice(0, -13) };
    if (name.endsWith('/set') || name.endsWith('/get') || name.includes('/set/') || name.includes('/get/')) return null;
    return { kind: 'zigbee', friendlyName: name };
  }

  /** Normalise one MQTT message on a sensor topic (see sensorTopic). */
  fromMqtt(topic: string, payload: Buffer): IngestOutcome {
    const out = emptyOutcome();
    // Native events, the bulk of the input, without the SensorTopic object or a log key unless something is dropped.
    const native = parseNativeEventsTopic(topic);
    if (native) {
      const { homeId, deviceId } = native;
      if (!isPrintableId(homeId, MAX_ID_LENGTH) || !isPrintableId(deviceId, MAX_ID_LENGTH)) {
        this.drop(out, 'bad-id', BAD_MQTT_ID);
      } else if (payload.length > MAX_PAYLOAD_BYTES) {
        this.drop(out, `${homeId}/${deviceId}`, tooLarge(payload.length));
      } else {
        this.native(homeId, deviceId, payload, out);
      }
      this.countAccepted(out.events);
      return out;
    }
    // Zigbee2MQTT (a native topic was taken above).
    const where = this.sensorTopic(topic);
    if (!where || where.kind === 'native') return out;
    if (!isPrintableId(where.friendlyName, MAX_FRIENDLY_NAME_LENGTH)) {
      // Logged under one key: the id itself may carry terminal escape codes.
      this.drop(out, 'bad-id', BAD_MQTT_ID);
      return out;
    }
    const logKey = `zigbee:${where.friendlyName}`;
    if (payload.length > MAX_PAYLOAD_BYTES) {
      this.drop(out, logKey, tooLarge(payload.length));
      return out;
    }
    if (where.kind === 'zigbee') this.zigbee(where.friendlyName, payload, out, logKey);
    else this.zigbeeAvailability(where.friendlyName, payload, out, logKey);
    this.countAccepted(out.events);
    return out;
  }

  /**
   * `POST /api/events`: the native event plus `homeId` and `deviceId`, one or an array (SPEC 4.4). All or nothing:
   * a body with a bad event is refused as a whole (its good events are neither stored nor counted as accepted) and
   * each rejection names its position, so the sender fixes it and sends the body again without duplicating any.
   */
  fromHttp(body: unknown): IngestOutcome {
    const out = emptyOutcome();
    const items: unknown[] = Array.isArray(body) ? body : [body];
    const now = this.deps.clock.now();
    items.forEach((item, index) => {
      const before = out.rejections.length;
      this.httpItem(item, now, out);
      for (const rejection of out.rejections.slice(before)) rejection.index = index;
    });
    // All or nothing (the sender fixes the body and sends it again), but for its emergencies: a pendant press, a fall, a
    // detector's alarm are taken all the same (review, session 65: a gateway's batch with one reading the hub refused
    // lost the resident's press with it; a gateway does not rewrite a body answered 400). A copy of one sent again with
    // the fixed body is known by its stamp (rules/device-reports.ts).
    if (out.rejections.length > 0) out.events = out.events.filter((e) => isEmergencyType(e.type));
    this.countAccepted(out.events);
    return out;
  }

  private httpItem(item: unknown, now: number, out: IngestOutcome): void {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      this.drop(out, 'http', reject('not-an-event', 'each event must be a JSON object'));
      return;
    }
    const { homeId, deviceId } = item as { homeId?: unknown; deviceId?: unknown };
    if (typeof homeId !== 'string' || typeof deviceId !== 'string' || homeId === '' || deviceId === '') {
      this.drop(out, 'http', reject('missing-ids', 'homeId and deviceId must be non-empty strings'));
      return;
    }
    if (!isPrintableId(homeId, MAX_ID_LENGTH) || !isPrintableId(deviceId, MAX_ID_LENGTH)) {
      this.drop(out, 'bad-id', reject('bad-id', 'homeId and deviceId must be printable and at most 64 characters'));
      return;
    }
    // What a topic level cannot carry, the configuration cannot hold (docs/telecare.config.schema.json): such a device
    // would be kept as unassigned for good, never configured, never alerting (review, session 59).
    if (!CONFIGURABLE_ID.test(homeId) || !CONFIGURABLE_ID.test(deviceId)) {
      this.drop(out, 'bad-id', NOT_CONFIGURABLE_HTTP_ID);
      return;
    }
    this.nativeItem(homeId, deviceId, this.deps.index.device(homeId, deviceId), item, now, 'http', out);
  }

  private countAccepted(events: readonly SensorEvent[]): void {
    // Added to the counter when /metrics reads it: a labelled inc per event costs more than the rest of ingest.
    for (const event of events)
      this.acceptedSinceRead.set(event.source, (this.acceptedSinceRead.get(event.source) ?? 0) + 1);
  }

  private native(homeId: string, deviceId: string, payload: Buffer, out: IngestOutcome): void {
    // A home not (yet) in the configuration is kept like an unconfigured device: stored, shown to installers as
    // unassigned, no resident alerts. An installer's first events before the configuration is written are not lost.
    const parsed = parseJson(payload);
    if (parsed === NOT_JSON) {
      this.drop(out, `${homeId}/${deviceId}`, BAD_JSON);
      return;
    }
    const ref = this.deps.index.device(homeId, deviceId);
    const now = this.deps.clock.now();
    if (Array.isArray(parsed)) {
      for (const item of parsed) this.nativeItem(homeId, deviceId, ref, item, now, 'mqtt', out);
    } else {
      this.nativeItem(homeId, deviceId, ref, parsed, now, 'mqtt', out);
    }
  }

  private nativeItem(
    homeId: string,
    deviceId: string,
    ref: DeviceRef | undefined,
    item: unknown,
    now: number,
    source: EventSource,
    out: IngestOutcome,
  ): void {
    let checked = this.checkNative(item, now, homeId);
    if (typeof checked === 'object' && 'reason' in checked) {
      // What the device may send, said with the refusal of a type it may not (review, session 77).
      if (checked.reason === 'unknown-type') checked = { ...checked, message: withWhatItSends(checked.message, ref) };
      const emergency = emergencyRefusedForTs(checked, item);
      this.drop(out, `${homeId}/${deviceId}`, emergency ? { ...checked, message: emergency.message } : checked);
      // Counted and logged as refused (SPEC 4.1), and taken all the same at the receive time (review, session 66).
      if (emergency) this.push(out, undefined, homeId, deviceId, ref, emergency.type, true, now, source, checked.at);
      return;
    }
    // Checked above: a known type and a value that fits it (an accel message's usable samples: `checked.split`).
    const { type, value } = item as { type: EventType; value: EventValue };
    const at = typeof checked === 'number' ? checked : checked.at;
    let ts = at;
    let sensorTs: number | undefined;
    if (at < EARLIEST_SENSOR_TS_MS) {
      ts = this.sensorClockReset(homeId, deviceId, at, now);
      sensorTs = at;
    }
    if (typeof checked === 'number') {
      const stored = type === 'accel' ? accelValue(value as AccelValue) : value;
      this.push(out, undefined, homeId, deviceId, ref, type, stored, ts, source, sensorTs);
      return;
    }
    const { runs, dropped } = checked.split;
    this.accelSamplesDropped.inc(dropped);
    if (this.logDue(`samples:${homeId}/${deviceId}`, now)) {
      this.log.warn(
        { device: `${homeId}/${deviceId}`, dropped, kept: runs.reduce((n, r) => n + r.value.samples.length, 0) },
        `accel samples dropped (not three numbers within ±${VALUE_RANGES.accelG.max} g); the rest of the batch kept at their own times`,
      );
    }
    for (const run of runs) {
      const offset = accelSampleOffsetMs(run.value.rate, run.first);
      this.push(
        out,
        undefined,
        homeId,
        deviceId,
        ref,
        'accel',
        run.value,
        ts + offset,
        source,
        sensorTs === undefined ? undefined : sensorTs + offset,
      );
    }
  }

  /** A `ts` before EARLIEST_SENSOR_TS_MS: counted, logged at most once a minute per device, and replaced by `now`. */
  private sensorClockReset(homeId: string, deviceId: string, sensorTs: number, now: number): number {
    this.implausibleTs.inc();
    if (this.logDue(`clock:${homeId}/${deviceId}`, now)) {
      this.log.warn(
        { device: `${homeId}/${deviceId}`, sensorTs: new Date(sensorTs).toISOString() },
        "sensor clock wrong (ts before the hub was built): event stored at the hub's receive time, the sensor's ts kept beside it",
      );
    }
    return now;
  }

  /**
   * The event's time when `item` is a valid native event (its type and value checked), else why not; an accel
   * message with some samples the rules cannot use (and some they can) also gives its usable runs (`accelRuns`).
   */
  private checkNative(
    item: unknown,
    now: number,
    homeId: string,
  ): number | { at: number; split: AccelSplit } | Refusal {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return reject('not-an-event', 'an event must be a JSON object');
    }
    const { type, value, ts } = item as { type?: unknown; value?: unknown; ts?: unknown };
    if (type === undefined) {
      return reject(
        'unknown-type',
        'no "type": an event is {"type": ..., "value": ...}, e.g. {"type": "motion", "value": true}',
      );
    }
    if (typeof type !== 'string' || !NATIVE_TYPES.has(type)) {
      return reject('unknown-type', `unknown event type ${describeType(type)}`);
    }
    // An accel message in one pass over its samples: the usable ones, or none when it is refused (its reason below).
    const split = type === 'accel' ? accelRuns(value) : undefined;
    if (split === undefined) {
      if (!valueFits(type as EventType, value)) {
        return reject('bad-value', `value of a '${type}' event must be ${EVENT_VALUE_KIND[type as EventType]}`);
      }
      const range = outOfRange(type as EventType, value);
      if (range) return reject('out-of-range', range);
    }
    let at = now;
    if (ts !== undefined) {
      at =
        typeof ts === 'number' ? ts : typeof ts === 'string' ? parseIsoMs(ts, this.homeZones.get(homeId)) : Number.NaN;
      if (!Number.isFinite(at) || at < 0) return reject('bad-ts', TS_FORMAT);
      if (at > now + MAX_FUTURE_MS) return { ...reject('future-ts', 'ts is more than 24 h in the future'), at };
    }
    return split !== undefined && split.dropped > 0 ? { at, split } : at;
  }

  /** Zigbee2MQTT state payload: each key that matters becomes one event; other keys are ignored, never rejected. */
  private zigbee(friendlyName: string, payload: Buffer, out: IngestOutcome, logKey: string): void {
    const state = parseJson(payload);
    if (state === NOT_JSON) {
      this.drop(out, logKey, BAD_JSON);
      return;
    }
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      this.drop(out, logKey, reject('not-an-event', 'a Zigbee2MQTT state payload must be a JSON object'));
      return;
    }
    const ref = this.deps.index.zigbee(friendlyName);
    const homeId = ref?.home.id ?? '';
    const deviceId = ref?.device.id ?? friendlyName;
    const kind = ref?.device.kind;
    const now = this.deps.clock.now();
    const emit = (type: EventType, value: unknown, key: string): void => {
      if (!valueFits(type, value)) {
        this.drop(out, logKey, reject('bad-value', `Zigbee2MQTT '${key}' must be ${EVENT_VALUE_KIND[type]}`));
        return;
      }
      const range = outOfRange(type, value);
      if (range) {
        this.drop(out, logKey, reject('out-of-range', `Zigbee2MQTT '${key}': ${range}`));
        return;
      }
      this.push(out, logKey, homeId, deviceId, ref, type, value as EventValue, now, 'zigbee');
    };
    for (const [key, value] of Object.entries(state as Record<string, unknown>)) {
      switch (key) {
        case 'occupancy':
        case 'presence':
          emit(kind === 'motion' || kind === undefined ? 'motion' : 'occupancy', value, key);
          break;
        case 'vibration':
          emit('motion', value, key);
          break;
        case 'contact':
        case 'smoke':
        case 'gas':
        case 'tamper':
        case 'battery':
        case 'battery_low':
        case 'temperature':
        case 'humidity':
        case 'power':
          emit(key, value, key);
          break;
        case 'water_leak':
        case 'water':
          emit('water', value, key);
          break;
        case 'carbon_monoxide':
          emit('co', value, key);
          break;
        case 'sos':
        case 'alarm':
          if (value === true && kind === 'pendant') emit('pendant', true, key);
          else if (key === 'alarm' && (kind === 'smoke' || kind === 'co' || kind === 'gas' || kind === 'water')) {
            emit(kind, value, key);
          }
          break;
        case 'action':
          if (kind === 'pendant' && typeof value === 'string' && isPendantPress(value)) emit('pendant', true, key);
          break;
        default:
          break;
      }
    }
  }

  private zigbeeAvailability(friendlyName: string, payload: Buffer, out: IngestOutcome, logKey: string): void {
    const text = payload.toString('utf8').trim();
    let state: unknown = text;
    if (text.startsWith('{')) {
      try {
        state = (JSON.parse(text) as { state?: unknown }).state;
      } catch {
        state = undefined;
      }
    }
    if (state !== 'online' && state !== 'offline') {
      this.drop(out, logKey, reject('bad-availability', 'availability must be online or offline'));
      return;
    }
    const ref = this.deps.index.zigbee(friendlyName);
    const now = this.deps.clock.now();
    this.push(
      out,
      logKey,
      ref?.home.id ?? '',
      ref?.device.id ?? friendlyName,
      ref,
      'availability',
      state === 'online',
      now,
      'zigbee',
    );
  }

  /**
   * A serial bridge's word on its receiver (hub/bridge-watch.ts): an availability event of the receiver's own device
   * (the bridge's `--name` in its `--home`), as Zigbee2MQTT's availability is of its devices. Nothing when the
   * configuration has no such device: a receiver nobody configured is watched by nothing.
   */
  receiverAvailability(homeId: string, deviceId: string, online: boolean): IngestOutcome {
    const out = emptyOutcome();
    const ref = this.deps.index.device(homeId, deviceId);
    if (ref === undefined) return out;
    this.push(out, undefined, homeId, deviceId, ref, 'availability', online, this.deps.clock.now(), 'serial');
    this.countAccepted(out.events);
    return out;
  }

  /** `logKey` undefined: a native event's, `homeId/deviceId`, made only if it is needed. */
  private push(
    out: IngestOutcome,
    logKey: string | undefined,
    homeId: string,
    deviceId: string,
    ref: DeviceRef | undefined,
    type: EventType,
    value: EventValue,
    ts: number,
    source: EventSource,
    sensorTs?: number,
  ): void {
    // A device raises only what its kind can report: a PIR's 'smoke' is a fault or a forgery, never a fire.
    if (ref && !kindCanReport(ref.device.kind, type)) {
      this.drop(
        out,
        logKey ?? `${homeId}/${deviceId}`,
        reject(
          'kind-mismatch',
          `a '${ref.device.kind}' device cannot report '${type}': device ${ref.device.id} sends ${sendsText(ref.device.kind)}`,
        ),
      );
      return;
    }
    // Made whole at once rather than grown field by field: one object shape, no property store reallocated. A
    // configured device's ids are the configuration's own strings (equal to the topic's, which found `ref`): the
    // copies sliced from each message's topic then die young instead of being carried, with every event waiting
    // for its fsync, through each young-generation collection.
    let event: SensorEvent;
    if (ref === undefined) event = { homeId, deviceId, type, value, ts, source, assigned: false };
    else {
      const { home, device } = ref;
      const { room, kind } = device;
      event =
        room === undefined
          ? { homeId: home.id, deviceId: device.id, type, value, ts, source, assigned: true, kind }
          : { homeId: home.id, deviceId: device.id, type, value, ts, source, assigned: true, room, kind };
    }
    // A reset sensor clock is rare: only its event takes the other shape, with the sender's value beside it.
    addEvent(out, sensorTs === undefined ? event : { ...event, sensorTs });
  }

  /** Count every rejection; log it at most once per device (or Zigbee name) a minute, REJECTION_LINES_PER_MINUTE in all. */
  private drop(out: IngestOutcome, logKey: string, rejection: Rejection): void {
    const refused = { reason: rejection.reason, message: rejection.message };
    if (out.rejections.length === 0) out.rejections = [refused];
    else out.rejections.push(refused);
    this.rejected.inc({ reason: rejection.reason }, 1);
    const now = this.deps.clock.now();
    if (!this.keyDue(logKey, now)) return;
    const window = this.logWindow;
    if (now - window.startedAt >= LOG_EVERY_MS || now < window.startedAt) {
      this.logWindow = { startedAt: now, lines: 0, unlogged: window.unlogged };
    } else if (window.lines >= REJECTION_LINES_PER_MINUTE) {
      // No room this minute: counted, and the device may be logged as soon as there is room again.
      window.unlogged += 1;
      return;
    }
    const { unlogged } = this.logWindow;
    this.logWindow.lines += 1;
    this.logWindow.unlogged = 0;
    this.noteLogged(logKey, now);
    this.log.warn(
      { device: logKey, reason: rejection.reason, ...(unlogged > 0 ? { notLoggedSinceLastLine: unlogged } : {}) },
      `input rejected: ${rejection.message}`,
    );
  }

  /** Whether `logKey` may be logged at `now` (at most once per LOG_EVERY_MS); if so, notes that it is. */
  private logDue(logKey: string, now: number): boolean {
    if (!this.keyDue(logKey, now)) return false;
    this.noteLogged(logKey, now);
    return true;
  }

  private keyDue(logKey: string, now: number): boolean {
    const last = this.lastLoggedAt.get(logKey);
    return last === undefined || now - last >= LOG_EVERY_MS;
  }

  private noteLogged(logKey: string, now: number): void {
    // Bounded: a flood of made-up device ids must not grow memory without limit.
    if (this.lastLoggedAt.size > 10_000) this.lastLoggedAt.clear();
    this.lastLoggedAt.set(logKey, now);
  }
}
