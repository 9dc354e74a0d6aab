// Installers' view of the homes: configuration, daily activity features, and devices the hub saw but nobody configured.
import type { FastifyInstance } from 'fastify';
import { DeviceIndex } from '../../hub/config.js';
import type { HubConfig } from '../../hub/config-types.js';
import { unassignedDevices, unassignedNotListed } from '../../hub/event-reads.js';
import type { DashboardContext } from '../context.js';
import type { UnassignedDevice } from '../deps.js';
import type { DeviceLiveness } from '../../rules/engine.js';
import type { Alert } from '../../hub/alerts/api.js';
import { dateRange } from '../dates.js';
import { DashboardError } from '../errors.js';
import { dailyFeaturesSchema, dateSchema, errors } from '../schemas.js';
import { homeCalendar, hubOffMinutes, lastCompleteDay } from '../../analytics/activity.js';
import { dayToIsoDate } from '../../rules/local-time.js';
import { awayDates } from '../../analytics/store.js';

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
          // What the rules know of it (session 34; absent on a dashboard without rules): when it was last heard (ISO,
          // the hub's time of its report: a `ts` ahead of the hub's clock counts as then), seconds since on the hub's
          // clock, whether sensor-offline holds it offline, its latest battery report.
          lastHeardAt: { type: ['string', 'null'] },
          silentForS: { type: ['integer', 'null'] },
          offline: { type: 'boolean' },
          // A door of kind `door` the rules took for the way out from the resident's outings (session 43): nobody
          // marked an exit door; the installer should.
          wayOutLearned: { type: 'boolean' },
          battery: { type: ['number', 'null'] },
          batteryLow: { type: 'boolean' },
          // When it reported being opened or moved, until it reports being closed or put back (review, session 65,
          // round 2; session 67: whether or not its `tamper` alert is still open); null otherwise.
          tamperedAt: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const;

/** How many unassigned devices heard are not in `GET /api/devices/unassigned`'s list (dropped by the caps). */
export const UNASSIGNED_NOT_LISTED_HEADER = 'x-unassigned-not-listed';

/** The configuration's lookups, made once per configuration in force (a reload replaces the object). */
const configuredDevices = new WeakMap<HubConfig, DeviceIndex>();

/** Whether a device heard as unassigned (home '' for a Zigbee name nobody configured) is now in the configuration. */
function nowConfigured(config: HubConfig, homeId: string, deviceId: string): boolean {
  let index = configuredDevices.get(config);
  if (!index) configuredDevices.set(config, (index = new DeviceIndex(config)));
  return (homeId === '' ? index.zigbee(deviceId) : index.device(homeId, deviceId)) !== undefined;
}

/**
 * The event store's record of unconfigured devices, as the dashboard shows them, less those configured since they were
 * heard (the installer added them and reloaded: they are no longer unassigned; the store's row stays, as it is the
 * record of what was heard before).
 */
function storedUnassignedDevices(ctx: DashboardContext): UnassignedDevice[] {
  const config = ctx.deps.config;
  return unassignedDevices(ctx.deps.db)
    .filter((d) => !nowConfigured(config, d.homeId, d.deviceId))
    .map((d) => ({
      homeId: d.homeId === '' ? null : d.homeId,
      deviceId: d.deviceId,
      firstSeenAt: d.firstSeen,
      lastSeenAt: d.lastSeen,
      source: d.source,
      count: d.count,
    }));
}

/**
 * A configured device with what the rules know of it (`RulesEngine.deviceLiveness`): read from the engine's memory,
 * nothing scanned per request. Only `homes:read` (admin, installer) reaches it: these times are the resident's
 * activity, never shown to the analyst (SPEC 9), who is refused the whole route.
 */
function withLiveness<D extends object>(device: D, live: DeviceLiveness | undefined, now: number) {
  const at = live?.lastHeardAt ?? null;
  return {
    ...device,
    lastHeardAt: at === null ? null : new Date(at).toISOString(),
    silentForS: at === null ? null : Math.max(0, Math.round((now - at) / 1000)),
    offline: live?.offline === true,
    wayOutLearned: live?.wayOutLearned === true,
    battery: live?.battery ?? null,
    batteryLow: live?.batteryLow === true,
  };
}

/**
 * When a device the rules hold tampered (its casing opened or moved, not reported closed or put back since) reported
 * it, ISO; null when it is not tampered. A state saved before session 67 kept no time: the open `tamper` alert's, or
 * when the device was last heard. Until session 67 this came from the open alert alone, so a responder who closed the
 * alert (the resident phoned, a visit booked) hid a casing still open from the installer, and a casing closed again
 * stayed "opened" until someone closed the alert.
 */
function tamperedAt(
  deviceId: string,
  live: DeviceLiveness | undefined,
  openAlerts: () => Map<string, string> | undefined,
): string | null {
  if (live?.tampered !== true) return null;
  if (live.tamperedAt !== null) return new Date(live.tamperedAt).toISOString();
  const heard = live.lastHeardAt === null ? null : new Date(live.lastHeardAt).toISOString();
  return openAlerts()?.get(deviceId) ?? heard;
}

/**
 * The devices each open `tamper` alert names, by home, with when each reported being opened or moved: the device the
 * alert was raised for and those repeated into it (`otherDevices`, one open alert per home and kind). The installer,
 * who is the one to close a casing or put a sensor back, reads no alert: the devices page showed nothing of it (review,
 * session 65, round 2). Undefined on a dashboard without alerts.
 */
function tamperedDevices(ctx: DashboardContext): Map<string, Map<string, string>> | undefined {
  const alerts = ctx.deps.alerts;
  if (!alerts) return undefined;
  let open: Alert[];
  try {
    open = alerts.list({ state: 'open' });
  } catch {
    // The alerts cannot be read just now (the database locked): the homes and devices are still shown, without it.
    return undefined;
  }
  const byHome = new Map<string, Map<string, string>>();
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
  for (const alert of open) {
    if (alert.kind !== 'tamper') continue;
    let devices = byHome.get(alert.homeId);
    if (!devices) byHome.set(alert.homeId, (devices = new Map<string, string>()));
    const deviceId = text(alert.detail.deviceId);
    if (deviceId) devices.set(deviceId, text(alert.detail.eventAt) ?? alert.raisedAt);
    const others: unknown[] = Array.isArray(alert.detail.otherDevices) ? alert.detail.otherDevices : [];
    for (const other of others) {
      if (typeof other !== 'object' || other === null) continue;
      const { deviceId: id, eventAt } = other as { deviceId?: unknown; eventAt?: unknown };
      if (text(id)) devices.set(text(id)!, text(eventAt) ?? alert.lastSeenAt);
    }
  }
  return byHome;
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
    async () => {
      const now = ctx.clock.now();
      // With what the rules know of each device: a dashboard without rules gives the configuration alone. The open
      // tamper alerts are read only for a device tampered in a state saved without the time.
      let tampered: Map<string, Map<string, string>> | undefined | null = null;
      const openTamperAlerts = () => (tampered === null ? (tampered = tamperedDevices(ctx)) : tampered);
      return ctx.deps.config.homes.map((home) => {
        const liveness = ctx.deps.deviceLiveness?.(home.id);
        const live = (d: (typeof home.devices)[number]) => ({
          ...withLiveness(d, liveness?.get(d.id), now),
          tamperedAt: tamperedAt(d.id, liveness?.get(d.id), () => openTamperAlerts()?.get(home.id)),
        });
        return {
          id: home.id,
          timezone: home.timezone,
          away: home.away,
          nightWindow: home.nightWindow,
          residents: home.residents,
          devices: liveness ? home.devices.map(live) : home.devices,
        };
      });
    },
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
      const home = ctx.deps.config.homes.find((h) => h.id === homeId);
      if (!home) throw new DashboardError('HOME_NOT_FOUND', `No home '${homeId}' in the configuration`);
      const now = ctx.clock.now();
      const range = dateRange(request.query.from, request.query.to, now, 28, home.timezone);
      const days = await ctx.analytics.homeActivity(homeId, range.from, range.to);
      // A day whose night has not ended yet (today; until the next morning, yesterday) is answered with its figures so
      // far: marked, so that the home view does not draw this morning's few active minutes as a day of little activity
      // (review, session 60).
      const lastComplete = dayToIsoDate(lastCompleteDay(homeCalendar(home), now));
      // A day the hub was off for part of, its figures partial: marked too, else the hours nothing listened read as a
      // resident who did nothing (review, session 61).
      const hubOff = hubOffMinutes(ctx.deps.db, home, days);
      // A day the home was in away mode (the resident in hospital): marked, else an empty home's day reads as a resident
      // who did nothing (review, session 64).
      const away = awayDates(ctx.deps.db, homeId, days);
      return days.map((d) => ({
        ...d,
        ...(d.date > lastComplete ? { inProgress: true } : {}),
        ...(hubOff.has(d.date) ? { hubOffMinutes: hubOff.get(d.date) } : {}),
        ...(away.has(d.date) ? { away: true } : {}),
      }));
    },
  );

  app.get(
    '/api/devices/unassigned',
    {
      config: { access: 'devices:read' },
      schema: {
        tags: ['homes'],
        summary: 'Devices seen by the hub but not in the configuration',
        description:
          'The most recently heard: at most 100 per home and 1,000 in all. The header x-unassigned-not-listed counts ' +
          'those heard and left out.',
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
    async (_request, reply) => {
      // The list is capped (hub/event-reads.ts): how many heard devices it leaves out, for the page's "and N more".
      void reply.header(UNASSIGNED_NOT_LISTED_HEADER, String(unassignedNotListed(ctx.deps.db)));
      return storedUnassignedDevices(ctx);
    },
  );
}
