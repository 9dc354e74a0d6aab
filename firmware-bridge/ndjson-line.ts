// The `ndjson` framing: one native event per line plus `device` (and `home`), checked against the vocabulary.
import { EVENT_VALUE_KIND, NATIVE_EVENT_TYPES, type NativeEventType } from '../rules/vocabulary.js';
import { accelRuns, usableSample } from '../rules/event-value.js';
import { EARLIEST_SENSOR_TS_MS, parseIsoMs } from '../rules/iso-time.js';
import type { AccelValue, EventValue } from '../rules/types.js';
import { isEmergency, TOPIC_LEVEL_PATTERN, type BridgeEvent } from './native-event.js';

/** Why a line was dropped; the bridge counts each reason apart. */
export type BadLineReason = 'oversized' | 'json' | 'device-id' | 'home-id' | 'event-type' | 'value' | 'ts';

/**
 * `clockNotSet`: the line's own `ts`, before EARLIEST_SENSOR_TS_MS (or, for an emergency, one that cannot be read: its
 * JSON, cut to 64 characters); the event is stamped at `receivedAtMs` instead.
 */
export type LineDecodeResult =
  { ok: true; event: BridgeEvent; clockNotSet?: string | number } | { ok: false; reason: BadLineReason };

/** SPEC 4.1 rejects payloads over 64 KiB; a longer line cannot become a valid event. */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * An accel value as published, or undefined when the hub would refuse it whole (`accelRuns`: no rate within range, no
 * samples or too many, nothing usable, or too many unusable to trust the rest). Its rate and samples alone: any other
 * key of the line's object was checked by nothing (arrays nested 30,000 deep fit in a line and overflowed the stack of
 * the JSON.stringify that publishes the event, which ended the bridge and every event it held for a broker that was
 * away). A sample the hub cannot use (a glitch out of range, a `null` its firmware wrote for a NaN) goes as `null` in
 * its place, so the samples keep their times: the bridge dropped the whole batch for it, which may have held the impact
 * of a fall, where the hub keeps the rest (review, session 50).
 */
function accelValue(value: unknown): AccelValue | undefined {
  if (accelRuns(value) === undefined) return undefined;
  const { rate, samples } = value as { rate: number; samples: unknown[] };
  return { rate, samples: samples.map((s) => (usableSample(s) ? s : null)) as AccelValue['samples'] };
}

function isValueOfType(type: NativeEventType, value: unknown): value is EventValue {
  switch (EVENT_VALUE_KIND[type]) {
    case 'true':
      return value === true;
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'accel':
      return true; // checked by `accelValue`
  }
}

function isTimestamp(ts: unknown): ts is string | number {
  if (typeof ts === 'number') return Number.isFinite(ts) && ts >= 0;
  return typeof ts === 'string' && !Number.isNaN(parseIsoMs(ts));
}

/** `{` tried from the end of a line that is not JSON (`trailingObjectStart`): an accel value nests one object. */
const RESYNC_TRIES = 8;

/**
 * Where the JSON object a line that is not JSON ends with starts, if it ends with one. A receiver that resets while its
 * port stays (its USB serial adapter powered apart) leaves the line it was writing cut off, with no newline, and its
 * next line is read on the end of it; or the reset puts a stray byte (0x00, 0xFF) before its next line. The object at
 * the end is that next line; only it can parse, since JSON allows nothing after its object.
 */
export function trailingObjectStart(line: string): number | undefined {
  let end = line.length;
  for (let tries = 0; tries < RESYNC_TRIES && end > 1; tries++) {
    const start = line.lastIndexOf('{', end - 1);
    if (start <= 0) return undefined;
    try {
      const parsed: unknown = JSON.parse(line.slice(start));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return start;
    } catch {
      // not this one: an object nested in the line, or inside the cut-off part
    }
    end = start;
  }
  return undefined;
}

/**
 * Decodes one line (without its newline). `defaultHomeId` is `--home`; a line's own `home` wins.
 * Events without `ts` are stamped with `receivedAtMs`, so events buffered while the broker is away keep their time;
 * so are events stamped before EARLIEST_SENSOR_TS_MS (a receiver whose clock was never set). The hub would keep those at
 * its own receive time, another each time the event came: a copy the bridge sent again (its spool after a power cut, a
 * press in flight as it was killed) was a second press to the hub (review, session 63).
 */
export function decodeNdjsonLine(
  line: string,
  defaultHomeId: string | undefined,
  receivedAtMs: number,
): LineDecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'json' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'json' };
  const { device, home, type, value, ts } = parsed as Record<string, unknown>;
  if (typeof device !== 'string' || !TOPIC_LEVEL_PATTERN.test(device)) return { ok: false, reason: 'device-id' };
  const homeId = home ?? defaultHomeId;
  if (typeof homeId !== 'string' || !TOPIC_LEVEL_PATTERN.test(homeId)) return { ok: false, reason: 'home-id' };
  if (typeof type !== 'string' || !(NATIVE_EVENT_TYPES as readonly string[]).includes(type)) {
    return { ok: false, reason: 'event-type' };
  }
  const eventType = type as NativeEventType;
  const accel = eventType === 'accel' ? accelValue(value) : undefined;
  if (eventType === 'accel' ? accel === undefined : !isValueOfType(eventType, value)) {
    return { ok: false, reason: 'value' };
  }
  // A stamp that cannot be read drops the line, but for an emergency going on: a pendant press, a fall or an alarm is
  // stamped on reading instead and counted as a clock not set (review, session 66: the press was dropped, nothing
  // raised; the hub takes an emergency refused for its stamp at its receive time likewise).
  const unreadable = ts !== undefined && !isTimestamp(ts);
  if (unreadable && !isEmergency({ type: eventType, value: value as EventValue })) return { ok: false, reason: 'ts' };
  const clockNotSet =
    ts !== undefined && (unreadable || (typeof ts === 'number' ? ts : parseIsoMs(ts)) < EARLIEST_SENSOR_TS_MS);
  return {
    ok: true,
    event: {
      homeId,
      deviceId: device,
      type: eventType,
      value: accel ?? (value as EventValue),
      ts: ts === undefined || clockNotSet ? new Date(receivedAtMs).toISOString() : ts,
    },
    ...(clockNotSet ? { clockNotSet: unreadable ? JSON.stringify(ts).slice(0, 64) : ts } : {}),
  };
}
