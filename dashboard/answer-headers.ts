// Headers on every answer of the hub's dashboard and the centre's console: personal data is never cached or sniffed,
// and a browser that has reached the server over HTTPS never falls back to plain HTTP. Also the answers Fastify and
// Node would otherwise write themselves (an undecodable URL, a request that is not HTTP, a server closing): the same
// body and headers as every other error (review, session 68).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * A year: a browser that has seen the server over HTTPS refuses `http://` to it (a downgrade on the care office's
 * network) for this long. Browsers take the header only over HTTPS without certificate errors, and never for a bare
 * IP address: a self-signed certificate nobody trusted, or a plain-HTTP hub, is never locked out by it.
 */
export const HSTS_MAX_AGE_S = 31_536_000;

export interface AnswerHeaderOptions {
  /** Served over HTTPS, by the server itself or by a TLS proxy in front of it: send `Strict-Transport-Security`. */
  https: boolean;
}

/** The headers every answer carries, unless it sets its own cache policy or type (pages, the event stream). */
function answerHeaders(options: AnswerHeaderOptions): Record<string, string> {
  return {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(options.https ? { 'strict-transport-security': `max-age=${String(HSTS_MAX_AGE_S)}` } : {}),
  };
}

/**
 * Alerts, activity, hubs and reports are personal or health data: no browser or proxy keeps a copy (a shared care-home
 * PC's disk cache, the back button after logout), and no answer is sniffed as another type. An answer that sets its
 * own (pages, the event stream) keeps it.
 */
export function installAnswerHeaders(app: FastifyInstance, options: AnswerHeaderOptions): void {
  const headers = answerHeaders(options);
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of Object.entries(headers))
      if (name === 'strict-transport-security' || !reply.hasHeader(name)) reply.header(name, value);
  });
  // Fastify answers a request that comes while it closes with a 503 of its own (return503OnClosing, off in the
  // options below); this one has the same body and headers as any other.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    return reply
      .code(503)
      .header('connection', 'close')
      .header('retry-after', '5')
      .send({ error: 'SHUTTING_DOWN', message: 'The server is stopping: try again in a moment' });
  });
}

/** What Fastify would otherwise answer with a body and headers of its own, as every other error answer. */
export interface FrameworkAnswerOptions {
  frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;
  clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => void;
  return503OnClosing: false;
}

/**
 * Options for `Fastify({...})`: an undecodable URL (`/%E0%A4%A`, FST_ERR_BAD_URL) answered 400 `BAD_URL`, without the
 * path echoed; a request Node's parser refuses (not HTTP, headers too large, too slow) answered in the same
 * `{ error, message }` with the same headers before the connection is closed, never Fastify's own body. Give
 * `installAnswerHeaders` the same options.
 */
export function frameworkAnswers(options: AnswerHeaderOptions): FrameworkAnswerOptions {
  const headers = answerHeaders(options);
  return {
    frameworkErrors: (error, _request, reply) => {
      const [status, body] =
        error.code === 'FST_ERR_BAD_URL'
          ? [400, { error: 'BAD_URL', message: 'The URL holds a %-escape that is not valid UTF-8: nothing done' }]
          : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? [414, { error: 'URL_TOO_LONG', message: 'A part of the URL is too long: nothing done' }]
            : [500, { error: 'INTERNAL', message: 'Internal error; see the log' }];
      void reply.code(status).headers(headers).send(body);
    },
    clientErrorHandler: (error, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, body] =
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, { error: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time' }]
          : error.code === 'HPE_HEADER_OVERFLOW'
            ? [431, { error: 'HEADERS_TOO_LARGE', message: "The request's headers are too large" }]
            : [400, { error: 'BAD_REQUEST', message: 'The request is not valid HTTP' }];
      const text = JSON.stringify(body);
      if (socket.writable) {
        const lines = [
          `HTTP/1.1 ${String(status)} ${STATUS_CODES[status] ?? ''}`,
          'content-type: application/json; charset=utf-8',
          `content-length: ${String(Buffer.byteLength(text))}`,
          ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
          'connection: close',
        ];
        socket.write(`${lines.join('\r\n')}\r\n\r\n${text}`);
      }
      socket.destroy();
    },
    return503OnClosing: false,
  };
}
