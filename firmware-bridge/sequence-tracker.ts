// Per-device sequence numbers of the `cobs` framing: drop radio retransmits, count lost frames.

export type SequenceVerdict =
  | { kind: 'first' }
  | { kind: 'next'; missed: number }
  | { kind: 'duplicate' }
  /** The number went backwards (the device restarted, or frames were reordered): accepted, counted. */
  | { kind: 'restart' };

const SEQUENCE_MODULO = 0x10000;

export class SequenceTracker {
  private readonly last = new Map<string, { seq: number; atMs: number }>();

  /**
   * @param duplicateWindowMs a repeat of the last number counts as a retransmit only this soon after it;
   *   later, the same number means the device restarted and happens to be there again.
   * @param maxDevices bounds memory if garbage with valid CRCs ever invents device ids.
   */
  constructor(
    private readonly duplicateWindowMs = 10_000,
    private readonly maxDevices = 10_000,
  ) {}

  /** `nowMs` from a monotonic clock: a wall-clock step would stretch or shrink the duplicate window. */
  observe(deviceId: string, seq: number, nowMs: number): SequenceVerdict {
    const previous = this.last.get(deviceId);
    if (previous === undefined && this.last.size >= this.maxDevices) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    if (previous !== undefined && previous.seq === seq && nowMs - previous.atMs <= this.duplicateWindowMs) {
      return { kind: 'duplicate' };
    }
    this.last.delete(deviceId); // re-insert so Map order is least-recently-seen first
    this.last.set(deviceId, { seq, atMs: nowMs });
    if (previous === undefined) return { kind: 'first' };
    const ahead = (seq - previous.seq + SEQUENCE_MODULO) % SEQUENCE_MODULO;
    if (ahead >= 1 && ahead < SEQUENCE_MODULO / 2) return { kind: 'next', missed: ahead - 1 };
    return { kind: 'restart' };
  }
}
