// Open connections to the dashboard per source address: a machine on the network that opens thousands of idle
// connections (each held until Node's 60 s header timeout, about 4 KB and a file descriptor) cannot take the Pi's
// memory, or the descriptors the broker needs to take a reconnecting device.
import type net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { isLoopback } from '../hub/mqtt-auth.js';
import { CountPerSource } from '../hub/mqtt-pending.js';
import { addressKey } from './login-throttle.js';

/**
 * Connections one address (an IPv6 /64) may hold open. A browser opens at most six to a host, plus one alert stream
 * per console tab: a care office's PCs behind one router stay far below it. A TLS reverse proxy on the Pi (loopback)
 * is never counted; it limits its own clients.
 */
export const MAX_HTTP_CONNECTIONS_PER_ADDRESS = 128;

/** Refuses (closes at once) a TCP connection from an address that already holds `max`; `onRefused` is told of each. */
function capConnectionsPerAddress(server: net.Server, max: number, onRefused: (address: string) => void): void {
  const open = new CountPerSource(max);
  // For HTTPS too: 'connection' is the TCP connection, before its handshake.
  server.on('connection', (socket: net.Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || isLoopback(address)) return;
    const key = addressKey(address);
    if (!open.take(key)) {
      onRefused(address);
      socket.destroy();
      return;
    }
    socket.once('close', () => open.give(key));
  });
}

/**
 * Caps `app`'s server at MAX_HTTP_CONNECTIONS_PER_ADDRESS per address (the hub's dashboard and the centre's console):
 * each refusal is told to `countRefusal` and logged, at most once a minute so that a flood cannot fill the log.
 */
export function capAppConnections(app: FastifyInstance, countRefusal: () => void = () => undefined): void {
  let refusalLoggedAt = -Infinity;
  capConnectionsPerAddress(app.server, MAX_HTTP_CONNECTIONS_PER_ADDRESS, (address) => {
    countRefusal();
    const now = Date.now();
    if (now - refusalLoggedAt < 60_000 && now >= refusalLoggedAt) return;
    refusalLoggedAt = now;
    app.log.warn(
      { remote: address },
      'http connection refused: too many open from this address (logged once a minute)',
    );
  });
}
