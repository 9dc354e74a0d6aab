// Open connections to the dashboard per source address: a machine on the network that opens thousands of idle
// connections (each held until Node's 60 s header timeout, about 4 KB and a file descriptor) cannot take the Pi's
// memory, or the descriptors the broker needs to take a reconnecting device.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { isLoopback } from '../hub/mqtt-auth.js';
import { connectionKey, CountPerSource } from '../hub/mqtt-pending.js';
import { addressKey } from './login-throttle.js';

/**
 * Connections one address (an IPv6 /64) may hold open. A browser opens at most six to a host, plus one alert stream
 * per console tab: a care office's PCs behind one router stay far below it. A TLS reverse proxy on the Pi (loopback)
 * is never counted; it limits its own clients.
 */
export const MAX_HTTP_CONNECTIONS_PER_ADDRESS = 128;

/**
 * Holds each address to `max` open TCP connections; `onRefused` is told of each connection closed for it. Past the cap
 * the oldest connection of the address that is not writing an answer (one that has sent no whole request yet, or a
 * browser's idle keep-alive one) is closed to make room, and only when all are answering (alert streams) is the new
 * one closed (review, session 67): a cap that closed the new one let a machine holding 128 idle or half-sent
 * connections (slowloris) keep out every browser sharing its address, a care office's PCs behind one router or a
 * home's IPv6 devices (an IPv6 /64 counts as one), for as long as it cared to.
 */
function capConnectionsPerAddress(server: net.Server, max: number, onRefused: (address: string) => void): void {
  const open = new CountPerSource(max);
  /** Each counted connection, by connection key: its address's key, its TCP socket, the answer it writes or wrote last. */
  const counted = new Map<string, { source: string; socket: net.Socket; answer?: ServerResponse }>();
  /** Each address's counted connections, oldest first. */
  const bySource = new Map<string, Set<string>>();
  const release = (key: string): void => {
    const entry = counted.get(key);
    if (entry === undefined) return;
    counted.delete(key);
    const keys = bySource.get(entry.source)!;
    keys.delete(key);
    if (keys.size === 0) bySource.delete(entry.source);
    open.give(entry.source);
  };
  server.on('request', (request: IncomingMessage, answer: ServerResponse) => {
    const entry = counted.get(connectionKey(request.socket));
    if (entry !== undefined) entry.answer = answer;
  });
  // For HTTPS too: 'connection' is the TCP connection, before its handshake.
  server.on('connection', (socket: net.Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || isLoopback(address)) return;
    const source = addressKey(address);
    if (!open.take(source)) {
      onRefused(address);
      let idle: string | undefined;
      for (const key of bySource.get(source) ?? []) {
        const answer = counted.get(key)!.answer;
        if (answer === undefined || !answer.headersSent || answer.writableEnded) {
          idle = key;
          break;
        }
      }
      if (idle === undefined) {
        socket.destroy();
        return;
      }
      const oldest = counted.get(idle)!.socket;
      release(idle);
      oldest.destroy();
      open.take(source);
    }
    const key = connectionKey(socket);
    counted.set(key, { source, socket });
    let keys = bySource.get(source);
    if (keys === undefined) bySource.set(source, (keys = new Set()));
    keys.add(key);
    socket.once('close', () => {
      if (counted.get(key)?.socket === socket) release(key);
    });
  });
}

/**
 * Caps `app`'s server at MAX_HTTP_CONNECTIONS_PER_ADDRESS per address (the hub's dashboard and the centre's console):
 * each connection closed for it is told to `countRefusal` and logged, at most once a minute so that a flood cannot fill the log.
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
      'http connection closed: too many open from this address (the oldest not writing an answer, or the new one; logged once a minute)',
    );
  });
}
