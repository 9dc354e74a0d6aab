// The fixed numbers of the binary serial protocol (PROTOCOL.md): codes are append-only, never reordered.
import { NATIVE_EVENT_TYPES, type NativeEventType } from '../rules/vocabulary.js';

export const PROTOCOL_VERSION = 1;

export const FRAME_TYPE_CODES = { event: 0x01, 'receiver-heartbeat': 0x02 } as const;

export const VALUE_ENCODING_CODES = { none: 0x00, bool: 0x01, int16Scaled: 0x02, float32: 0x03, accel: 0x04 } as const;

/** Event type code = position in NATIVE_EVENT_TYPES, which only ever grows at its end. */
export function eventTypeCode(type: NativeEventType): number {
  return NATIVE_EVENT_TYPES.indexOf(type);
}

export function eventTypeOfCode(code: number): NativeEventType | undefined {
  return NATIVE_EVENT_TYPES[code];
}

/** Largest frame before COBS: keeps a microcontroller's buffers and the bridge's memory small. */
export const MAX_FRAME_BYTES = 512;
export const MAX_DEVICE_ID_BYTES = 32;
export const MAX_ACCEL_SAMPLES = 64;
export const MAX_SCALE_DECIMALS = 3;
/** Device ids become an MQTT topic level: no `/`, `+`, `#` or spaces. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** Version, frame type and sequence number (uint16 big-endian) start every frame. */
export const HEADER_BYTES = 4;
export const CRC_BYTES = 2;
