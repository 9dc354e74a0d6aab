// GET /api/alerts/stream: Server-Sent Events for the responder console (open alerts first, then every new version).
import type { FastifyInstance } from 'fastify';
import type { Alert } from '../../hub/alerts/api.js';
import type { DashboardContext } from '../context.js';
import { errors } from '../schemas.js';
import { alertService } from './alerts.js';

/** A client that cannot keep up is dropped rather than letting its backlog grow without bound; it reconnects. */
const MAX_BACKLOG_BYTES = 1024 * 1024;
const RECONNECT_MS = 3000;

export function registerAlertStream(app: FastifyInstance, ctx: DashboardContext): void {
  const heartbeatMs = (ctx.deps.sseHeartbeatSeconds ?? 15) * 1000;
  const openStreams = new Set<() => void>();

  // Streams never end by themselves: close them so that app.close() (hub shutdown) does not wait on them.
  app.addHook('preClose', async () => {
    for (const close of [...openStreams]) close();
  });

  app.get(
    '/api/alerts/stream',
    {
      config: { access: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        summary: 'Live alerts as Server-Sent Events',
        description:
          'text/event-stream. Each `alert` event carries one alert (id `<alertId>:<version>`): first every open alert, ' +
          'then every new version of any alert as it is stored; a `ready` event marks the end of the open alerts; ' +
          'comment lines are heartbeats. Deduplicate by (id, version).',
        response: { 200: { description: 'An endless event stream', type: 'string' }, ...errors(401, 403, 503) },
      },
    },
    (request, reply) => {
      const service = alertService(ctx);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      // Alerts are small and urgent: no Nagle delay.
      raw.socket?.setNoDelay(true);

      const sentVersion = new Map<string, number>();
      let closed = false;
      const write = (chunk: string): void => {
        if (closed) return;
        if (raw.writableLength > MAX_BACKLOG_BYTES) {
          request.log.warn('alert stream client too slow: dropped');
          close();
          return;
        }
        raw.write(chunk);
      };
      const send = (alert: Alert): void => {
        if ((sentVersion.get(alert.id) ?? -1) >= alert.version) return;
        if (alert.state === 'resolved' || alert.state === 'cancelled') sentVersion.delete(alert.id);
        else sentVersion.set(alert.id, alert.version);
        write(`id: ${alert.id}:${alert.version}\nevent: alert\ndata: ${JSON.stringify(alert)}\n\n`);
      };

      // Subscribe before listing, in the same tick: no version can fall between the two.
      const unsubscribe = service.subscribe(send);
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      const close = (): void => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        openStreams.delete(close);
        ctx.metrics.sseClients.dec();
        raw.end();
      };
      openStreams.add(close);
      ctx.metrics.sseClients.inc();
      raw.on('close', close);
      raw.on('error', close);

      write(`retry: ${RECONNECT_MS}\n\n`);
      const open = service.list({ state: 'open', limit: 1000 });
      for (const alert of open.sort((a, b) => a.raisedAt.localeCompare(b.raisedAt))) send(alert);
      write(`event: ready\ndata: ${JSON.stringify({ open: open.length })}\n\n`);
    },
  );
}
