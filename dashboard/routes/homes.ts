// Installers' view of the homes: configuration, daily activity features, and devices the hub saw but nobody configured.
import type { FastifyInstance } from 'fastify';
import { unassignedDevices } from '../../hub/event-reads.js';
import type { DashboardContext } from '../context.js';
import type { UnassignedDevice } from '../deps.js';
import { dateRange } from '../dates.js';
import { DashboardError } from '../errors.js';
import { dailyFeaturesSchema, dateSchema, errors } from '../schemas.js';

const homeSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    timezone: { type: 'string' },
    away: { type: 'boolean' },
    nightWindow: { type: 'object', properties: { start: { type: 'string' }, end: { type: 'string' } } },
    residents: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } },
    devices: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          zigbee: { type: 'string' },
          kind: { type: 'string' },
          room: { type: 'string' },
          residentId: { type: 'string' },
        },
      },
    },
  },
} as const;

/** The event store's record of unconfigured devices, as the dashboard shows them. */
function storedUnassignedDevices(ctx: DashboardContext): UnassignedDevice[] {
  return unassignedDevices(ctx.deps.db).map((d) => ({
    homeId: d.homeId === '' ? null : d.homeId,
    deviceId: d.deviceId,
    firstSeenAt: d.firstSeen,
    lastSeenAt: d.lastSeen,
    source: d.source,
    count: d.count,
  }));
}

export function registerHomeRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  app.get(
    '/api/homes',
    {
      config: { access: 'homes:read' },
      schema: {
        tags: ['homes'],
        summary: 'Configured homes with their residents and devices',
        response: { 200: { type: 'array', items: homeSchema }, ...errors(401, 403) },
      },
    },
    async () =>
      ctx.deps.config.homes.map((home) => ({
        id: home.id,
        timezone: home.timezone,
        away: home.away,
        nightWindow: home.nightWindow,
        residents: home.residents,
        devices: home.devices,
      })),
  );

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string } }>(
    '/api/homes/:id/activity',
    {
      config: { access: 'homes:read' },
      schema: {
        tags: ['homes'],
        summary: 'Daily activity features of one home (default: the last 28 days)',
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        querystring: {
          type: 'object',
          properties: { from: dateSchema, to: dateSchema },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: dailyFeaturesSchema }, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const homeId = request.params.id;
      if (!ctx.deps.config.homes.some((h) => h.id === homeId)) {
        throw new DashboardError('HOME_NOT_FOUND', `No home '${homeId}' in the configuration`);
      }
      const range = dateRange(request.query.from, request.query.to, ctx.clock.now(), 28);
      return ctx.analytics.homeActivity(homeId, range.from, range.to);
    },
  );

  app.get(
    '/api/devices/unassigned',
    {
      config: { access: 'devices:read' },
      schema: {
        tags: ['homes'],
        summary: 'Devices seen by the hub but not in the configuration',
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                homeId: { type: ['string', 'null'] },
                deviceId: { type: 'string' },
                firstSeenAt: { type: 'number' },
                lastSeenAt: { type: 'number' },
                source: { type: 'string' },
                count: { type: 'integer' },
              },
            },
          },
          ...errors(401, 403),
        },
      },
    },
    async () => storedUnassignedDevices(ctx),
  );
}
