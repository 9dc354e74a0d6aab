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
  /** Connection (address and port) → its source key and socket, while it counts; in the order they came. */
  private readonly counted = new Map<string, { source: string; socket: net.Socket }>();
  /** The connections of each source that have not sent a whole CONNECT yet, oldest first (keys of `counted`). */
  private readonly silent = new Map<string, Set<string>>();

  /**
   * `onRoomMade` is told of each connection closed to make room for a newer one of its source.
   */
  constructor(
    maxPerSource = MAX_PENDING_PER_SOURCE,
    private readonly onRoomMade: (closed: net.Socket) => void = () => undefined,
  ) {
    this.bySource = new CountPerSource(maxPerSource);
  }

  /**
   * A new TCP connection: true to serve it, false to refuse it. Programs on the Pi itself (loopback) are never counted.
   * When its source has `maxPerSource` connections not yet logged in, the oldest of them that has not sent a whole
   * CONNECT is closed to make room (review, session 67): otherwise a machine that keeps a few idle or half-sent
   * connections open (slowloris) locked out every device sharing its address, all of a home's IPv6 devices (one /64)
   * or a flat's behind one router, the pendant included. Only when all of them have sent their CONNECT (their
   * password being checked) is the new one refused. The connection stops counting when it logs in (`loggedIn`) or
   * closes.
   */
  admit(socket: net.Socket): boolean {
    const address = socket.remoteAddress;
    // Reset before we saw it (no peer address left): nothing to count; aedes sees it close.
    if (address === undefined) return true;
    if (isLoopback(address)) return true;
    const source = addressKey(address);
    if (!this.bySource.take(source)) {
      const oldest = this.silent.get(source)?.values().next().value;
      if (oldest === undefined) return false;
      const closed = this.counted.get(oldest)!.socket;
      this.release(oldest);
      closed.destroy();
      this.onRoomMade(closed);
      this.bySource.take(source);
    }
    const key = connectionKey(socket);
    this.counted.set(key, { source, socket });
    let silent = this.silent.get(source);
    if (silent === undefined) this.silent.set(source, (silent = new Set()));
    silent.add(key);
    socket.once('close', () => this.release(key));
    return true;
  }

  /** The connection sent a whole CONNECT: it is not closed to make room while its password is checked. */
  spoke(socket: net.Socket): void {
    const key = connectionKey(socket);
    const entry = this.counted.get(key);
    if (entry !== undefined) this.forgetSilent(entry.source, key);
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
    const entry = this.counted.get(key);
    if (entry === undefined) return;
    this.counted.delete(key);
    this.forgetSilent(entry.source, key);
    this.bySource.give(entry.source);
  }

  private forgetSilent(source: string, key: string): void {
    const silent = this.silent.get(source);
    if (silent?.delete(key) === true && silent.size === 0) this.silent.delete(source);
  }
}

/** A connection's key, the same for a TLS socket and the TCP socket under it (both report the peer's address and port). */
export function connectionKey(socket: net.Socket): string {
  return `${socket.remoteAddress ?? ''}|${String(socket.remotePort ?? '')}`;
}
