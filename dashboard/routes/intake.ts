// Health (no login), HTTP event intake for devices that only speak HTTP (SPEC 4.4) and Prometheus metrics.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { homeScope, mayReadHealthDetails, principalOf, reachesHome } from '../access.js';
import type { Principal } from '../auth.js';
import type { DashboardContext } from '../context.js';
import { DashboardError } from '../errors.js';
import { errors } from '../schemas.js';
import { allows } from '../../hub/permissions.js';

/**
 * A device's token posts only for its homes: a body with an event of another home (a home not configured too) is
 * refused whole, 403 FORBIDDEN_HOME, before ingest sees any of it (counted as `home-not-allowed` by app.ts).
 */
function refuseOtherHomes(principal: Principal, body: unknown): void {
  const { homes } = principal;
  if (homes === undefined) return;
  const items: unknown[] = Array.isArray(body) ? body : [body];
  const index = items.findIndex((item) => {
    const homeId = (item as { homeId?: unknown } | null)?.homeId;
    // An event without a home is ingest's to refuse (`missing-ids`).
    return typeof homeId === 'string' && !reachesHome(principal, homeId);
  });
  if (index < 0) return;
  // A scheme's gateway may serve hundreds of flats: named up to five, counted beyond.
  const its = homes.length <= 5 ? homes.join(', ') : `its ${homes.length} homes`;
  const homeId = (items[index] as { homeId: string }).homeId;
  throw new DashboardError(
    'FORBIDDEN_HOME',
    `event ${index}: this token may post events only for ${its}, not for '${homeId.slice(0, 64)}'; nothing stored`,
  );
}

/**
 * The homes `body`'s events name that the configuration does not have: their events are kept as unassigned and raise
 * nothing (SPEC 3), which a program posting for a home renamed since its token was made was never told (session 64).
 */
function homesNotConfiguredIn(body: unknown, configured: readonly { id: string }[]): string[] {
  const items: unknown[] = Array.isArray(body) ? body : [body];
  const named = new Set<string>();
  for (const item of items) {
    const homeId = (item as { homeId?: unknown } | null)?.homeId;
    if (typeof homeId === 'string') named.add(homeId);
  }
  return [...named].filter((id) => !configured.some((home) => home.id === id));
}

/**
 * The centre link's state as a responder held to homes sees it (session 75): whether alerts reach the alarm-receiving
 * centre, why not and since when, which the console's banner says. The state is the hub's, not a home's, and names
 * no home; the counts (alert versions waiting, items held for an earlier HUB_ID) are left out, as the uplink's queue
 * is: they move with the other homes' alerts.
 */
function centreLinkForHomes(link: unknown): { centreLink?: { reaching: boolean; problems: unknown; since?: unknown } } {
  if (typeof link !== 'object' || link === null) return {};
  const { reaching, problems, since } = link as { reaching?: unknown; problems?: unknown; since?: unknown };
  if (typeof reaching !== 'boolean') return {};
  return { centreLink: { reaching, problems, ...(since !== undefined ? { since } : {}) } };
}

export function registerIntakeRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { deps } = ctx;

  app.get(
    '/api/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['hub'],
        summary:
          'Is the hub up: `{ status: "ok" }` without a login; details (broker, uptime...) only to roles that read alerts or sensor data (a responder held to homes: the storage state, and whether alerts reach the alarm centre, without counts); the hub\'s `pid` (for `kill -HUP`, a reload) to admin and installer',
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
      const principal = request.principal;
      if (!principal || !mayReadHealthDetails(principal)) return reply.code(ok ? 200 : 503).send({ status });
      const details = deps.health();
      // A responder held to some homes: the storage state its console shows (alerts held in memory, call the
      // installer), not what moves with other homes' alerts and events (a chattering device by home, the uplink's
      // last send, the broker's clients); and whether alerts reach the alarm centre (hub-wide, no home named, no counts).
      // The hub's own pid to whoever configures devices (admin, installer): the devices page's `kill -HUP` to reload
      // the configuration said `<hub pid>` (review, session 67).
      const pid = allows(principal.role, 'devices.read') ? { pid: process.pid } : {};
      const body = homeScope(principal)
        ? {
            status,
            ...('status' in details ? { status: details.status } : {}),
            storage: details.storage,
            ...centreLinkForHomes(details.centreLink),
          }
        : { status, ...details, ...pid };
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
          "refused events in `rejected`. A device's API token posts only for its homes: an event of another home " +
          'refuses the body with 403 `FORBIDDEN_HOME` (nothing stored), naming the first such event. Events of a home ' +
          'the configuration does not have are stored as unassigned and raise no alert: the 202 names those homes in ' +
          '`homesNotConfigured` (a home renamed since the token was made, a mistyped id).',
        // Any JSON: ingest itself refuses what is not an event (`not-an-event`, 400) and counts it with the MQTT drops,
        // as it did when Fastify's coercion wrapped a scalar body in an array; a schema type here would refuse a
        // scalar body uncounted now that bodies are validated as sent (review, session 73).
        body: { description: 'One event object, or an array of them' },
        response: {
          202: {
            type: 'object',
            properties: {
              accepted: { type: 'integer' },
              // Homes of the events the configuration does not have: kept as unassigned, they raise nothing.
              homesNotConfigured: { type: 'array', items: { type: 'string' } },
            },
          },
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
      refuseOtherHomes(principalOf(request), request.body);
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
      const missing = homesNotConfiguredIn(request.body, deps.config.homes);
      return reply.code(202).send({
        accepted: result.accepted,
        ...(missing.length > 0 ? { homesNotConfigured: missing.slice(0, 100) } : {}),
      });
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
