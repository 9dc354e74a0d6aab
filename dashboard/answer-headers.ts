// Headers on every answer of the hub's dashboard and the centre's console: personal data is never cached or sniffed,
// and a browser that has reached the server over HTTPS never falls back to plain HTTP.
import type { FastifyInstance } from 'fastify';

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

/**
 * Alerts, activity, hubs and reports are personal or health data: no browser or proxy keeps a copy (a shared care-home
 * PC's disk cache, the back button after logout), and no answer is sniffed as another type. An answer that sets its
 * own (pages, the event stream) keeps it.
 */
export function installAnswerHeaders(app: FastifyInstance, options: AnswerHeaderOptions): void {
  const hsts = options.https ? `max-age=${String(HSTS_MAX_AGE_S)}` : undefined;
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (!reply.hasHeader('x-content-type-options')) reply.header('x-content-type-options', 'nosniff');
    if (hsts) reply.header('strict-transport-security', hsts);
  });
}
