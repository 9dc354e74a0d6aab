// Turns one delimited serial frame into native events, for each framing (counting nothing: the bridge does).
import type { Clock } from '../hub/clock.js';
import { cobsMaxEncodedLength } from './cobs.js';
import { decodeWireFrame, toNativeValue, type Frame } from './frame-codec.js';
import { MAX_FRAME_BYTES } from './frame-layout.js';
import type { BridgeEvent } from './native-event.js';
import { decodeNdjsonLine, MAX_LINE_BYTES, trailingObjectStart } from './ndjson-line.js';
import { SequenceTracker } from './sequence-tracker.js';

export type FrameOutcome =
  /** `badBefore`: the event ended a garbled line, whose head is counted as a bad frame of this reason. */
  /** `clockNotSet`: the sender's own `ts`, before any this version can receive; the event is stamped on reading. */
  | {
      kind: 'event';
      event: BridgeEvent;
      missed: number;
      restarted: boolean;
      badBefore?: string;
      clockNotSet?: string | number;
    }
  | { kind: 'duplicate' }
  | { kind: 'ignored' }
  | { kind: 'bad'; reason: string };

export interface FramingDecoder {
  /** Bytes between two delimiters; longer than this is `oversized`. */
  readonly maxFrameBytes: number;
  readonly delimiter: number;
  decode(frame: Buffer): FrameOutcome;
  /** The port was (re)opened: the receiver behind it may have restarted (see `cobsDecoder`). */
  portOpened?(): void;
}

export function ndjsonDecoder(homeId: string | undefined, clock: Clock): FramingDecoder {
  return {
    maxFrameBytes: MAX_LINE_BYTES,
    delimiter: 0x0a,
    decode(frame) {
      if (frame.length > MAX_LINE_BYTES) return { kind: 'bad', reason: 'oversized' };
      const line = frame.toString('utf8').trim();
      if (line === '') return { kind: 'ignored' };
      const receivedAtMs = clock.now();
      const result = decodeNdjsonLine(line, homeId, receivedAtMs);
      if (result.ok)
        return { kind: 'event', event: result.event, missed: 0, restarted: false, clockNotSet: result.clockNotSet };
      // A line cut off by the receiver's reset, or a stray byte, before a whole line: that line is delivered.
      const start = result.reason === 'json' ? trailingObjectStart(line) : undefined;
      const next = start === undefined ? undefined : decodeNdjsonLine(line.slice(start), homeId, receivedAtMs);
      return next?.ok
        ? {
            kind: 'event',
            event: next.event,
            missed: 0,
            restarted: false,
            badBefore: 'json',
            clockNotSet: next.clockNotSet,
          }
        : { kind: 'bad', reason: result.reason };
    },
  };
}

/** An accel frame is sent after its last sample: its first sample was taken (count-1)/rate earlier. */
function eventTimeMs(frame: Frame, receivedAtMs: number): number {
  if (frame.frameType === 'event' && frame.value.encoding === 'accel') {
    return receivedAtMs - Math.round(((frame.value.samplesMilliG.length - 1) * 1000) / frame.value.rateHz);
  }
  return receivedAtMs;
}

/**
 * `receiverId` is the bridge's `--name`: the receiver's own heartbeats become its heartbeat events. Events are
 * stamped with `clock` (wall time); the duplicate window runs on `monotonicNowMs`, which a wall-clock step (NTP at
 * boot on a Pi without a real-time clock) does not move, so the step neither drops a real event nor passes a repeat.
 */
export function cobsDecoder(
  homeId: string,
  receiverId: string,
  clock: Clock,
  monotonicNowMs: () => number = () => performance.now(),
): FramingDecoder {
  let sequences = new SequenceTracker();
  return {
    maxFrameBytes: cobsMaxEncodedLength(MAX_FRAME_BYTES),
    delimiter: 0x00,
    decode(wire) {
      // Senders may put an extra 0x00 before a frame to resynchronise: an empty frame is not an error.
      if (wire.length === 0) return { kind: 'ignored' };
      if (wire.length > this.maxFrameBytes) return { kind: 'bad', reason: 'oversized' };
      const result = decodeWireFrame(wire);
      if (!result.ok) return { kind: 'bad', reason: result.reason };
      const frame = result.frame;
      const nowMs = clock.now();
      const deviceId = frame.frameType === 'event' ? frame.deviceId : receiverId;
      const verdict = sequences.observe(deviceId, frame.seq, monotonicNowMs());
      if (verdict.kind === 'duplicate') return { kind: 'duplicate' };
      if (frame.frameType === 'receiver-heartbeat' && verdict.kind === 'restart') {
        // The receiver restarted without its port going (its adapter kept power): it numbers its sensors afresh too.
        sequences = new SequenceTracker();
        sequences.observe(receiverId, frame.seq, monotonicNowMs());
      }
      const ts = new Date(eventTimeMs(frame, nowMs)).toISOString();
      const event: BridgeEvent =
        frame.frameType === 'event'
          ? { homeId, deviceId, type: frame.eventType, value: toNativeValue(frame.value), ts }
          : { homeId, deviceId, type: 'heartbeat', value: true, ts };
      return {
        kind: 'event',
        event,
        missed: verdict.kind === 'next' ? verdict.missed : 0,
        restarted: verdict.kind === 'restart',
      };
    },
    /**
     * A port that comes back is a receiver that restarted: unplugged and plugged back it was powered off, and opening
     * the port resets many (an Arduino's DTR): it numbers each sensor afresh. Remembering the numbers from before
     * dropped its first frame as a retransmit when its number matched (a pendant pressed again) and counted up to
     * 32,767 lost frames when it did not.
     */
    portOpened() {
      sequences = new SequenceTracker();
    },
  };
}
