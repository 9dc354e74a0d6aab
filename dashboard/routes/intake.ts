// Health (no login), HTTP event intake for devices that only speak HTTP (SPEC 4.4) and Prometheus metrics.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { mayReadHealthDetails } from '../access.js';
import type { DashboardContext } from '../context.js';
import { errors } from '../schemas.js';

export function registerIntakeRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { deps } = ctx;

  app.get(
    '/api/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['hub'],
        summary:
          'Is the hub up: `{ status: "ok" }` without a login; details (broker, uptime...) only to roles that read alerts or sensor data',
        security: [],
        response: {
          200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, additionalProperties: true },
          503: {
            type: 'object',
            properties: { status: { type: 'string', enum: ['not ok'] } },
            additionalProperties: true,
          },
        },
      },
    },
    async (request, reply) => {
      // The database is what every answer needs; a hub that lost it is not ok.
      const ok = deps.db.open;
      const status = ok ? 'ok' : 'not ok';
      // Without a login: nothing that tells a stranger about the installation (homes, clients, versions). The
      // analyst's login neither: the details move with each alert.
      const body =
        request.principal && mayReadHealthDetails(request.principal) ? { status, ...deps.health() } : { status };
      return reply.code(ok ? 200 : 503).send(body);
    },
  );

  app.post(
    '/api/events',
    {
      config: { access: 'events:write' },
      schema: {
        tags: ['hub'],
        summary: 'Take in sensor events: `{ homeId, deviceId, type, value, ts? }` or an array of them',
        description:
          'All or nothing: 202 once every event is stored; 400 when any is refused, and then none is stored. ' +
          "The 400 names the first refused event's reason (`error`) and position (`index`), and lists up to ten " +
          'refused events in `rejected`.',
        body: { type: ['object', 'array'] },
        response: {
          202: { type: 'object', properties: { accepted: { type: 'integer' } } },
          ...errors(401, 403, 503),
          400: {
            type: 'object',
            properties: {
              error: { type: 'string' },
              message: { type: 'string' },
              index: { type: 'integer' },
              rejected: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    index: { type: 'integer' },
                    reason: { type: 'string' },
                    message: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const result = await deps.ingestHttp(request.body);
      // Ingest's own reason (e.g. unknown-type) is the error code: the same words as the MQTT drop counters.
      if (!result.ok) {
        return (reply as FastifyReply).code(400).send({
          error: result.reason,
          message: result.message,
          index: result.rejected?.[0]?.index,
          rejected: result.rejected,
        });
      }
      return reply.code(202).send({ accepted: result.accepted });
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'metrics:read' },
      schema: {
        tags: ['hub'],
        summary: 'Prometheus metrics (admin, or an API token of the installer or responder role)',
        response: errors(401, 403),
      },
    },
    async (_request, reply) => {
      reply.type(deps.metrics.contentType);
      return deps.metrics.metrics();
    },
  );
}
