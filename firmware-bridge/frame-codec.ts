// Binary frames of the `cobs` framing: build and check the layout of PROTOCOL.md (inside the COBS layer).
import type { NativeEventType } from '../rules/vocabulary.js';
import { EVENT_VALUE_KIND } from '../rules/vocabulary.js';
import type { EventValue } from '../rules/types.js';
import { cobsDecode, cobsEncode } from './cobs.js';
import { crc16CcittFalse } from './crc16.js';
import {
  CRC_BYTES,
  DEVICE_ID_PATTERN,
  eventTypeCode,
  eventTypeOfCode,
  FRAME_TYPE_CODES,
  HEADER_BYTES,
  MAX_ACCEL_SAMPLES,
  MAX_DEVICE_ID_BYTES,
  MAX_FRAME_BYTES,
  MAX_SCALE_DECIMALS,
  PROTOCOL_VERSION,
  VALUE_ENCODING_CODES,
} from './frame-layout.js';

/** A value as it travels in a frame (before conversion to the native JSON value). */
export type FrameValue =
  | { encoding: 'none' }
  | { encoding: 'bool'; value: boolean }
  | { encoding: 'int16Scaled'; raw: number; decimals: number }
  | { encoding: 'float32'; value: number }
  | { encoding: 'accel'; rateHz: number; samplesMilliG: [number, number, number][] };

export type Frame =
  | { frameType: 'event'; seq: number; deviceId: string; eventType: NativeEventType; value: FrameValue }
  | { frameType: 'receiver-heartbeat'; seq: number };

/** Why a frame was dropped; the bridge counts each reason apart. */
export type BadFrameReason =
  'oversized' | 'cobs' | 'length' | 'crc' | 'version' | 'frame-type' | 'device-id' | 'event-type' | 'value';

export type FrameDecodeResult = { ok: true; frame: Frame } | { ok: false; reason: BadFrameReason };

function valueBytes(value: FrameValue): Buffer {
  switch (value.encoding) {
    case 'none':
      return Buffer.alloc(0);
    case 'bool':
      return Buffer.from([value.value ? 1 : 0]);
    case 'int16Scaled': {
      const out = Buffer.alloc(3);
      out.writeInt16BE(value.raw, 0);
      out.writeUInt8(value.decimals, 2);
      return out;
    }
    case 'float32': {
      const out = Buffer.alloc(4);
      out.writeFloatBE(value.value, 0);
      return out;
    }
    case 'accel': {
      const out = Buffer.alloc(3 + value.samplesMilliG.length * 6);
      out.writeUInt16BE(value.rateHz, 0);
      out.writeUInt8(value.samplesMilliG.length, 2);
      value.samplesMilliG.forEach((sample, i) =>
        sample.forEach((mg, axis) => out.writeInt16BE(mg, 3 + i * 6 + axis * 2)),
      );
      return out;
    }
  }
}

/** The frame before COBS: header, body and CRC. Throws on a frame no receiver may send. */
export function encodeFrame(frame: Frame): Buffer {
  const header = Buffer.from([PROTOCOL_VERSION, FRAME_TYPE_CODES[frame.frameType], frame.seq >> 8, frame.seq & 0xff]);
  let body = Buffer.alloc(0);
  if (frame.frameType === 'event') {
    const id = Buffer.from(frame.deviceId, 'ascii');
    if (id.length === 0 || id.length > MAX_DEVICE_ID_BYTES || !DEVICE_ID_PATTERN.test(frame.deviceId)) {
      throw new RangeError(
        `device id ${JSON.stringify(frame.deviceId)}: 1-${MAX_DEVICE_ID_BYTES} of A-Z a-z 0-9 . _ -`,
      );
    }
    body = Buffer.concat([
      Buffer.from([id.length]),
      id,
      Buffer.from([eventTypeCode(frame.eventType), VALUE_ENCODING_CODES[frame.value.encoding]]),
      valueBytes(frame.value),
    ]);
  }
  const unsigned = Buffer.concat([header, body]);
  const crc = crc16CcittFalse(unsigned);
  const frameBytes = Buffer.concat([unsigned, Buffer.from([crc >> 8, crc & 0xff])]);
  if (frameBytes.length > MAX_FRAME_BYTES)
    throw new RangeError(`frame of ${frameBytes.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  return frameBytes;
}

/** The bytes on the wire: COBS-encoded frame followed by its 0x00 delimiter. */
export function encodeWireFrame(frame: Frame): Buffer {
  return Buffer.concat([cobsEncode(encodeFrame(frame)), Buffer.from([0])]);
}

const ENCODING_OF_CODE = new Map<number, FrameValue['encoding']>(
  Object.entries(VALUE_ENCODING_CODES).map(([name, code]) => [code, name as FrameValue['encoding']]),
);

/** Which frame value encodings may carry each kind of native value. */
const ENCODINGS_FOR_KIND: Record<(typeof EVENT_VALUE_KIND)[NativeEventType], readonly FrameValue['encoding'][]> = {
  true: ['none', 'bool'],
  boolean: ['bool'],
  number: ['int16Scaled', 'float32'],
  accel: ['accel'],
};

/** Reads the value at `offset`, or names why it is bad (wrong size for its encoding, or out of range). */
function readValue(
  encoding: FrameValue['encoding'],
  bytes: Buffer,
  offset: number,
  end: number,
): FrameValue | 'length' | 'value' {
  const size = end - offset;
  switch (encoding) {
    case 'none':
      return size === 0 ? { encoding } : 'length';
    case 'bool': {
      if (size !== 1) return 'length';
      const byte = bytes.readUInt8(offset);
      return byte <= 1 ? { encoding, value: byte === 1 } : 'value';
    }
    case 'int16Scaled': {
      if (size !== 3) return 'length';
      const decimals = bytes.readUInt8(offset + 2);
      return decimals <= MAX_SCALE_DECIMALS ? { encoding, raw: bytes.readInt16BE(offset), decimals } : 'value';
    }
    case 'float32': {
      if (size !== 4) return 'length';
      const value = bytes.readFloatBE(offset);
      return Number.isFinite(value) ? { encoding, value } : 'value';
    }
    case 'accel': {
      if (size < 3) return 'length';
      const rateHz = bytes.readUInt16BE(offset);
      const count = bytes.readUInt8(offset + 2);
      if (size !== 3 + count * 6) return 'length';
      if (rateHz === 0 || count === 0 || count > MAX_ACCEL_SAMPLES) return 'value';
      const samplesMilliG: [number, number, number][] = [];
      for (let i = 0; i < count; i++) {
        const at = offset + 3 + i * 6;
        samplesMilliG.push([bytes.readInt16BE(at), bytes.readInt16BE(at + 2), bytes.readInt16BE(at + 4)]);
      }
      return { encoding, rateHz, samplesMilliG };
    }
  }
}

/** Checks one frame (already COBS-decoded) in the order CRC, version, type, fields. */
export function decodeFrame(bytes: Buffer): FrameDecodeResult {
  if (bytes.length < HEADER_BYTES + CRC_BYTES || bytes.length > MAX_FRAME_BYTES) return { ok: false, reason: 'length' };
  const end = bytes.length - CRC_BYTES;
  if (crc16CcittFalse(bytes, 0, end) !== bytes.readUInt16BE(end)) return { ok: false, reason: 'crc' };
  if (bytes[0] !== PROTOCOL_VERSION) return { ok: false, reason: 'version' };
  const seq = bytes.readUInt16BE(2);
  if (bytes[1] === FRAME_TYPE_CODES['receiver-heartbeat']) {
    return end === HEADER_BYTES
      ? { ok: true, frame: { frameType: 'receiver-heartbeat', seq } }
      : { ok: false, reason: 'length' };
  }
  if (bytes[1] !== FRAME_TYPE_CODES.event) return { ok: false, reason: 'frame-type' };

  const idLength = bytes.readUInt8(HEADER_BYTES);
  const typeAt = HEADER_BYTES + 1 + idLength;
  if (end === HEADER_BYTES || typeAt + 2 > end) return { ok: false, reason: 'length' };
  const deviceId = bytes.toString('latin1', HEADER_BYTES + 1, typeAt);
  if (idLength === 0 || idLength > MAX_DEVICE_ID_BYTES || !DEVICE_ID_PATTERN.test(deviceId)) {
    return { ok: false, reason: 'device-id' };
  }
  const eventType = eventTypeOfCode(bytes.readUInt8(typeAt));
  if (eventType === undefined) return { ok: false, reason: 'event-type' };
  const encoding = ENCODING_OF_CODE.get(bytes.readUInt8(typeAt + 1));
  if (encoding === undefined || !ENCODINGS_FOR_KIND[EVENT_VALUE_KIND[eventType]].includes(encoding)) {
    return { ok: false, reason: 'value' };
  }
  const value = readValue(encoding, bytes, typeAt + 2, end);
  if (typeof value === 'string') return { ok: false, reason: value };
  if (EVENT_VALUE_KIND[eventType] === 'true' && value.encoding === 'bool' && !value.value)
    return { ok: false, reason: 'value' };
  return { ok: true, frame: { frameType: 'event', seq, deviceId, eventType, value } };
}

/** Decodes one wire frame (COBS bytes without the 0x00 delimiter). */
export function decodeWireFrame(encoded: Buffer): FrameDecodeResult {
  const bytes = cobsDecode(encoded);
  if (bytes === undefined) return { ok: false, reason: 'cobs' };
  return decodeFrame(bytes);
}

/** The native JSON value (SPEC 4.1) a frame value stands for. */
export function toNativeValue(value: FrameValue): EventValue {
  switch (value.encoding) {
    case 'none':
      return true;
    case 'bool':
      return value.value;
    case 'float32':
      // A float32 holds about 7 significant digits; more would print 21.3 as 21.299999237060547.
      return Number(value.value.toPrecision(7));
    case 'int16Scaled':
      return value.raw / 10 ** value.decimals;
    case 'accel':
      return { rate: value.rateHz, samples: value.samplesMilliG.map(([x, y, z]) => [x / 1000, y / 1000, z / 1000]) };
  }
}
