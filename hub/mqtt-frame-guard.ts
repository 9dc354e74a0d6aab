// Watches an MQTT byte stream and drops a connection that announces a packet larger than the hub will ever take.
// aedes has no packet size limit: without this, one client could make the hub buffer up to 256 MB for one packet.
import type { Socket } from 'node:net';

/** Largest MQTT packet the embedded broker accepts: a 64 KiB payload (SPEC 4.1) plus topic and headers. */
export const MAX_MQTT_PACKET_BYTES = 64 * 1024 + 4096;

/**
 * A passive reader of the MQTT framing (fixed header byte, variable-length "remaining length", body): it sees the
 * same chunks as the broker and calls `onTooLarge` as soon as a header announces more than `maxBytes`.
 */
export class MqttFrameGuard {
  private state: 'header' | 'length' | 'body' = 'header';
  private remaining = 0;
  private multiplier = 1;
  private lengthBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onTooLarge: (announcedBytes: number) => void,
  ) {}

  /** Returns false (and has called onTooLarge) once an oversized packet is announced. */
  feed(chunk: Buffer): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'header') {
        i++;
        this.state = 'length';
        this.remaining = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
      } else if (this.state === 'length') {
        const byte = chunk[i++] ?? 0;
        this.remaining += (byte & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        if (this.remaining > this.maxBytes || this.lengthBytes > 4) {
          this.onTooLarge(this.remaining);
          return false;
        }
        if ((byte & 0x80) === 0) this.state = this.remaining === 0 ? 'header' : 'body';
      } else {
        const take = Math.min(this.remaining, chunk.length - i);
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'header';
      }
    }
    return true;
  }
}

/** Destroy `socket` when a client announces an oversized packet. */
export function guardPacketSize(
  socket: Socket,
  maxBytes = MAX_MQTT_PACKET_BYTES,
  onTooLarge?: (bytes: number) => void,
): void {
  const guard = new MqttFrameGuard(maxBytes, (bytes) => {
    onTooLarge?.(bytes);
    socket.destroy();
  });
  const onData = (chunk: Buffer): void => {
    if (!guard.feed(chunk)) socket.off('data', onData);
  };
  socket.on('data', onData);
}
