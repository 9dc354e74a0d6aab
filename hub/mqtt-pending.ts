// Connections to the broker that have not logged in yet, counted per source address: a machine on the network that
// opens thousands of TCP connections and never sends CONNECT (each costs the hub about 8 KB for aedes's 30 s connect
// timeout, and a file descriptor) cannot take the Pi's memory or its descriptors from the devices.
import type net from 'node:net';
import { addressKey } from '../dashboard/login-throttle.js';
import { isLoopback } from './mqtt-auth.js';

/**
 * Connections one source address (an IPv6 /64) may have open before their login succeeds. A device or bridge logs in
 * within milliseconds of connecting, so even a scheme's devices behind one router never come near it.
 */
export const MAX_PENDING_PER_SOURCE = 16;

/** Open connections counted per source key, each source up to a limit (the MQTT and the dashboard caps). */
export class CountPerSource {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** One more from `source`: false, and nothing counted, when it already has `max`. */
  take(source: string): boolean {
    const count = this.counts.get(source) ?? 0;
    if (count >= this.max) return false;
    this.counts.set(source, count + 1);
    return true;
  }

  /** One fewer from `source` (one it took). */
  give(source: string): void {
    const left = (this.counts.get(source) ?? 1) - 1;
    if (left > 0) this.counts.set(source, left);
    else this.counts.delete(source);
  }
}

export class PendingConnections {
  /** Connections not yet logged in, per source. */
  private readonly bySource: CountPerSource;
  /** Connection (address and port) → its source key, while it counts. */
  private readonly counted = new Map<string, string>();

  constructor(maxPerSource = MAX_PENDING_PER_SOURCE) {
    this.bySource = new CountPerSource(maxPerSource);
  }

  /**
   * A new TCP connection: true to serve it, false to refuse it (its source has `maxPerSource` connections not yet
   * logged in). Programs on the Pi itself (loopback) are never counted. The connection stops counting when it
   * logs in (`loggedIn`) or closes.
   */
  admit(socket: net.Socket): boolean {
    const address = socket.remoteAddress;
    // Reset before we saw it (no peer address left): nothing to count; aedes sees it close.
    if (address === undefined) return true;
    if (isLoopback(address)) return true;
    const source = addressKey(address);
    if (!this.bySource.take(source)) return false;
    const key = connectionKey(socket);
    this.counted.set(key, source);
    socket.once('close', () => this.release(key));
    return true;
  }

  /** The connection's login succeeded: it no longer counts against its source (idempotent). */
  loggedIn(socket: net.Socket): void {
    this.release(connectionKey(socket));
  }

  /** Connections not yet logged in, over every source (for tests and the health page). */
  get size(): number {
    return this.counted.size;
  }

  private release(key: string): void {
    const source = this.counted.get(key);
    if (source === undefined) return;
    this.counted.delete(key);
    this.bySource.give(source);
  }
}

/** The same for a TLS socket and the TCP socket under it (both report the peer's address and port). */
function connectionKey(socket: net.Socket): string {
  return `${socket.remoteAddress ?? ''}|${String(socket.remotePort ?? '')}`;
}
