// Story: the pieces under the bridge (CRC, COBS, frame checks, sequence numbers, bounded splitting) behave as PROTOCOL.md says.
import { describe, expect, it } from 'vitest';
import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from '../../firmware-bridge/cobs.js';
import { crc16CcittFalse } from '../../firmware-bridge/crc16.js';
import {
  decodeFrame,
  encodeFrame,
  toNativeValue,
  type Frame,
  type FrameValue,
} from '../../firmware-bridge/frame-codec.js';
import type { NativeEventType } from '../../rules/vocabulary.js';
import { BoundedDelimiterParser } from '../../firmware-bridge/frame-splitter.js';
import { decodeNdjsonLine } from '../../firmware-bridge/ndjson-line.js';
import { SequenceTracker } from '../../firmware-bridge/sequence-tracker.js';
import { createRng } from '../../simulate/random.js';
import { backoffDelayMs } from '../../firmware-bridge/backoff.js';

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the catalogue check value 0x29B1 for "123456789"', () => {
    expect(crc16CcittFalse(Buffer.from('123456789'))).toBe(0x29b1);
  });
});

describe('COBS', () => {
  it('round-trips frames with zeros, without zeros and with zero-free runs at the 254-byte block edge', () => {
    const random = createRng(1).next;
    const cases = [
      Buffer.alloc(0),
      Buffer.from([0]),
      Buffer.from([0, 0, 0]),
      Buffer.alloc(253, 7),
      Buffer.alloc(254, 7),
      Buffer.alloc(255, 7),
      Buffer.concat([Buffer.alloc(254, 7), Buffer.from([0])]),
      Buffer.from(Array.from({ length: 512 }, () => Math.floor(random() * 256))),
    ];
    for (const data of cases) {
      const encoded = cobsEncode(data);
      expect(encoded.includes(0)).toBe(false);
      expect(encoded.length).toBeLessThanOrEqual(cobsMaxEncodedLength(data.length));
      expect(cobsDecode(encoded)).toEqual(data);
    }
  });

  it('rejects a code byte that points past the end of the frame', () => {
    expect(cobsDecode(Buffer.from([0x05, 1, 2]))).toBeUndefined();
  });
});

describe('frame values', () => {
  const event = (eventType: NativeEventType, value: FrameValue): Frame => ({
    frameType: 'event',
    seq: 1,
    deviceId: 'd1',
    eventType,
    value,
  });

  it('become the native JSON values of SPEC 4.1', () => {
    expect(toNativeValue({ encoding: 'int16Scaled', raw: -123, decimals: 1 })).toBe(-12.3);
    expect(toNativeValue({ encoding: 'float32', value: Math.fround(21.3) })).toBe(21.3);
    expect(toNativeValue({ encoding: 'accel', rateHz: 50, samplesMilliG: [[0, -1000, 250]] })).toEqual({
      rate: 50,
      samples: [[0, -1, 0.25]],
    });
    expect(toNativeValue({ encoding: 'none' })).toBe(true);
  });

  it('must suit their event type: a pendant cannot be released, a temperature is a number', () => {
    expect(decodeFrame(encodeFrame(event('pendant', { encoding: 'bool', value: false })))).toEqual({
      ok: false,
      reason: 'value',
    });
    expect(decodeFrame(encodeFrame(event('temperature', { encoding: 'bool', value: true })))).toEqual({
      ok: false,
      reason: 'value',
    });
    expect(decodeFrame(encodeFrame(event('temperature', { encoding: 'int16Scaled', raw: 5, decimals: 4 })))).toEqual({
      ok: false,
      reason: 'value',
    });
    expect(decodeFrame(encodeFrame(event('power', { encoding: 'float32', value: Infinity })))).toEqual({
      ok: false,
      reason: 'value',
    });
  });
});

describe('sequence numbers', () => {
  it('mark a repeat within the window as a duplicate, count missed frames, and accept a restarted device', () => {
    const tracker = new SequenceTracker(10_000);
    expect(tracker.observe('d1', 65534, 0)).toEqual({ kind: 'first' });
    expect(tracker.observe('d1', 65534, 300)).toEqual({ kind: 'duplicate' });
    expect(tracker.observe('d1', 1, 400)).toEqual({ kind: 'next', missed: 2 }); // 65535 and 0 lost across the wrap
    expect(tracker.observe('d1', 0, 500)).toEqual({ kind: 'restart' });
    expect(tracker.observe('d2', 0, 600)).toEqual({ kind: 'first' });
    // The same number long after is a device that restarted and sent again, not a retransmit.
    expect(tracker.observe('d2', 0, 60_000)).toEqual({ kind: 'restart' });
  });
});

describe('frame splitting', () => {
  it('never holds more than the limit when bytes come without a delimiter, and resumes at the next one', async () => {
    const splitter = new BoundedDelimiterParser(0x00, 515);
    const frames: Buffer[] = [];
    let oversized = 0;
    splitter.on('data', (f: Buffer) => frames.push(f));
    splitter.on('oversized', () => oversized++);
    for (let i = 0; i < 1_000; i++) {
      splitter.write(Buffer.alloc(1_000, 0x41));
      expect(splitter.buffer.length).toBeLessThanOrEqual(515);
    }
    splitter.write(Buffer.from([0x41, 0x00, 0x02, 0x42, 0x00]));
    await new Promise((r) => setImmediate(r));
    expect(oversized).toBe(1);
    expect(frames).toEqual([Buffer.from([0x02, 0x42])]);
  });
});

describe('ndjson lines', () => {
  it('keep the sender ts and stamp the arrival time when there is none', () => {
    const arrival = Date.parse('2026-11-26T10:00:00.000Z');
    expect(decodeNdjsonLine('{"device":"p1","type":"pendant","value":true}', 'h1', arrival)).toEqual({
      ok: true,
      event: { homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true, ts: '2026-11-26T10:00:00.000Z' },
    });
    expect(decodeNdjsonLine('[1,2]', 'h1', arrival)).toEqual({ ok: false, reason: 'json' });
    expect(decodeNdjsonLine('{"device":"p1","type":"battery_low","value":true}', 'h1', arrival)).toEqual({
      ok: false,
      reason: 'event-type',
    });
  });
});

describe('reopen backoff', () => {
  it('doubles from the first wait and stops at the cap', () => {
    const policy = { initialMs: 250, maxMs: 10_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((n) => backoffDelayMs(n, policy))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });
});
