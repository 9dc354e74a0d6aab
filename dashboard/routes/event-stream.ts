// A Server-Sent Events response, for the hub's alert stream and the centre console's: headers, a bounded backlog, a
// heartbeat, and one close that undoes everything.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A client further behind than this is dropped (it reconnects and catches up) rather than held in memory. */
export const MAX_BACKLOG_BYTES = 1024 * 1024;

export interface EventStream {
  /** Writes `chunk` unless closed; a client too slow to take it is dropped instead. (Properties: safe to pass on.) */
  write: (chunk: string) => void;
  close: () => void;
  readonly closed: boolean;
  /**
   * Resolves once the client has taken what was written, down to a quarter of `MAX_BACKLOG_BYTES`, or the stream has
   * closed: a long first list (the centre's open alerts in a mass outage) is written at the client's pace instead of
   * all at once over the bound, which dropped every client as too slow before the list was out (session 62).
   */
  drained: () => Promise<void>;
}

export interface EventStreamOptions {
  /** Every `heartbeatMs`: `heartbeat()` decides whether the stream goes on (it writes its own comment line). */
  heartbeatMs: number;
  heartbeat: (stream: EventStream) => void;
  /** Run once when the stream closes, whoever closes it (the client, the server, a slow client's drop). */
  onClose: () => void;
  /** Words for the log when a slow client is dropped. */
  name: string;
}

/** The headers of an event stream, for its GET and its HEAD alike. */
const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  // Alerts are personal data: never kept by a browser or proxy (as every other answer, dashboard/app.ts).
  'cache-control': 'no-store, no-transform',
  'x-content-type-options': 'nosniff',
} as const;

/**
 * The answer to a HEAD of an event stream: its headers, and the answer ends. Node sends a HEAD answer's headers only
 * when it ends (a HEAD has no body, so writes are dropped), so a stream opened for one never answered: the request
 * hung, holding a stream and its listener for as long as the client waited (review, session 73).
 */
export function answerStreamHead(reply: FastifyReply): void {
  void reply.code(200).headers(STREAM_HEADERS).send();
}

/** Takes the response over for an event stream; the client's `retry` is `reconnectMs`. (A HEAD: `answerStreamHead`.) */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  reconnectMs: number,
  options: EventStreamOptions,
): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...STREAM_HEADERS,
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Alerts are small and urgent: no Nagle delay.
  raw.socket?.setNoDelay(true);
  let closed = false;
  const stream: EventStream = {
    get closed() {
      return closed;
    },
    write: (chunk) => {
      if (closed) return;
      if (raw.writableLength > MAX_BACKLOG_BYTES) {
        request.log.warn(`${options.name} client too slow: dropped`);
        stream.close();
        return;
      }
      raw.write(chunk);
    },
    drained: () =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (!closed && raw.writableLength > MAX_BACKLOG_BYTES / 4) return;
          raw.off('drain', check);
          raw.off('close', check);
          resolve();
        };
        raw.on('drain', check);
        raw.on('close', check);
        check();
      }),
    close: () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      options.onClose();
      raw.end();
    },
  };
  const heartbeat = setInterval(() => options.heartbeat(stream), options.heartbeatMs);
  heartbeat.unref();
  raw.on('close', () => stream.close());
  raw.on('error', () => stream.close());
  stream.write(`retry: ${reconnectMs}\n\n`);
  return stream;
}
