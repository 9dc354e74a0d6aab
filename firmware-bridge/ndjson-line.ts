// The `ndjson` framing: one native event per line plus `device` (and `home`), checked against the vocabulary.
import { EVENT_VALUE_KIND, NATIVE_EVENT_TYPES, type NativeEventType } from '../rules/vocabulary.js';
import { parseIsoMs } from '../rules/iso-time.js';
import type { AccelValue, EventValue } from '../rules/types.js';
import { TOPIC_LEVEL_PATTERN, type BridgeEvent } from './native-event.js';

/** Why a line was dropped; the bridge counts each reason apart. */
export type BadLineReason = 'oversized' | 'json' | 'device-id' | 'home-id' | 'event-type' | 'value' | 'ts';

export type LineDecodeResult = { ok: true; event: BridgeEvent } | { ok: false; reason: BadLineReason };

/** SPEC 4.1 rejects payloads over 64 KiB; a longer line cannot become a valid event. */
export const MAX_LINE_BYTES = 64 * 1024;

function isAccel(value: unknown): value is EventValue {
  if (typeof value !== 'object' || value === null) return false;
  const { rate, samples } = value as { rate?: unknown; samples?: unknown };
  return (
    typeof rate === 'number' &&
    rate > 0 &&
    Number.isFinite(rate) &&
    Array.isArray(samples) &&
    samples.length > 0 &&
    samples.every(
      (s) => Array.isArray(s) && s.length === 3 && s.every((g) => typeof g === 'number' && Number.isFinite(g)),
    )
  );
}

/**
 * An accel value as published: its rate and samples (checked above) alone. Any other key of the line's object was
 * checked by nothing: arrays nested 30,000 deep fit in a line and overflowed the stack of the JSON.stringify that
 * publishes the event, which ended the bridge and every event it held for a broker that was away.
 */
function accelOnly({ rate, samples }: AccelValue): AccelValue {
  return { rate, samples };
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
      return isAccel(value);
  }
}

function isTimestamp(ts: unknown): ts is string | number {
  if (typeof ts === 'number') return Number.isFinite(ts) && ts >= 0;
  return typeof ts === 'string' && !Number.isNaN(parseIsoMs(ts));
}

/**
 * Decodes one line (without its newline). `defaultHomeId` is `--home`; a line's own `home` wins.
 * Events without `ts` are stamped with `receivedAtMs`, so events buffered while the broker is away keep their time.
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
  if (!isValueOfType(eventType, value)) return { ok: false, reason: 'value' };
  if (ts !== undefined && !isTimestamp(ts)) return { ok: false, reason: 'ts' };
  return {
    ok: true,
    event: {
      homeId,
      deviceId: device,
      type: eventType,
      value: eventType === 'accel' ? accelOnly(value as AccelValue) : value,
      ts: ts ?? new Date(receivedAtMs).toISOString(),
    },
  };
}
