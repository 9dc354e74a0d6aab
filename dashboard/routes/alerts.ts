// Responders' alert routes: list, acknowledge, resolve with an outcome (the alert service decides; we translate its answer).
import type { FastifyInstance } from 'fastify';
import type { AlertActionError, AlertActionResult, AlertFilter, AlertServiceApi } from '../../hub/alerts/api.js';
import { ALERT_STATES, OUTCOMES } from '../../rules/vocabulary.js';
import {
  HOMES_NOT_CONFIGURED_HEADER,
  actorName,
  homeScope,
  homesNotConfigured,
  homesNotConfiguredHeader,
  principalOf,
  reachesHome,
} from '../access.js';
import type { Principal } from '../auth.js';
import type { DashboardContext } from '../context.js';
import { DashboardError, type DashboardErrorCode } from '../errors.js';
import { alertSchema, errors } from '../schemas.js';

const ACTION_ERRORS: Record<AlertActionError, DashboardErrorCode> = {
  'not-found': 'ALERT_NOT_FOUND',
  'wrong-state': 'ALERT_WRONG_STATE',
  'bad-outcome': 'BAD_OUTCOME',
  'bad-note': 'BAD_NOTE',
  forbidden: 'ALERT_FORBIDDEN',
  'changed-since': 'CHANGED_SINCE',
};

export function alertService(ctx: DashboardContext): AlertServiceApi {
  if (!ctx.deps.alerts) throw new DashboardError('ALERTS_UNAVAILABLE');
  return ctx.deps.alerts;
}

function answer(result: AlertActionResult) {
  if (!result.ok) throw new DashboardError(ACTION_ERRORS[result.code], result.message);
  return result.alert;
}

/**
 * The alert `id` as `principal` may see it: one of another home than a scoped responder's is answered as an alert that
 * does not exist (the same words as the alert service's), so an id tells nothing of homes it may not see.
 */
function reachableAlert(ctx: DashboardContext, principal: Principal, id: string): void {
  const alert = alertService(ctx).get(id);
  if (alert && !reachesHome(principal, alert.homeId)) throw new DashboardError('ALERT_NOT_FOUND', `no alert ${id}`);
}

/** The version of the alert the responder acted on (session 73): optional, so that older API clients keep working. */
const seenVersion = {
  type: 'integer',
  minimum: 1,
  description:
    'The alert version the responder acted on (the card they read). On resolve, refused with 409 CHANGED_SINCE when ' +
    'the alert had a high or critical repeat (pressed again, another fall, smoke again) or a severity raised to high ' +
    'or critical since; the message says what and when. On acknowledge it is accepted and never refuses: ' +
    "acknowledging says 'I am on it', the same whatever changed. Without it, no check (the alert as it is).",
} as const;

const resolveBody = {
  type: 'object',
  properties: {
    // Checked by the alert service (one place for the vocabulary); listed here for the documentation.
    outcome: { type: 'string', maxLength: 64, description: `One of: ${OUTCOMES.join(', ')}` },
    note: { type: ['string', 'null'], maxLength: 2000 },
    version: seenVersion,
  },
  required: ['outcome'],
  additionalProperties: false,
} as const;

/** SPEC 9 names no body for acknowledge; a note sent with it is kept (it was dropped: session 64). */
const acknowledgeBody = {
  type: ['object', 'null'],
  properties: { note: { type: ['string', 'null'], maxLength: 2000 }, version: seenVersion },
  additionalProperties: false,
} as const;

/** Alerts listed when no `limit` is given, but for `state=open` (every open alert). */
const DEFAULT_LIST_LIMIT = 200;

const idParams = { type: 'object', properties: { id: { type: 'string', maxLength: 128 } }, required: ['id'] } as const;

export function registerAlertRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  app.get<{ Querystring: { state?: AlertFilter['state']; homeId?: string; limit?: number } }>(
    '/api/alerts',
    {
      config: { access: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        summary: 'List alerts, newest first (state=open: raised or acknowledged)',
        description:
          '`state=open` without `limit` lists every open alert (they are bounded by homes × kinds); otherwise at most ' +
          '`limit` (default 200), and the header `x-more-alerts: true` says when more match than were listed. ' +
          'A caller held to homes the configuration does not have (mistyped, or renamed since its login or token was ' +
          'made) gets the header `x-homes-not-configured` naming them (URI-encoded, comma-separated): no alert of ' +
          'theirs can be listed.',
        querystring: {
          type: 'object',
          properties: {
            state: { type: 'string', enum: ['open', ...ALERT_STATES] },
            homeId: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: alertSchema }, ...errors(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      const { state, homeId } = request.query;
      // Every open alert unless asked for fewer: after a storm the oldest calls, those waiting longest, were the ones
      // left out of the 200 newest, and nothing said so (session 64).
      const limit = request.query.limit ?? (state === 'open' ? undefined : DEFAULT_LIST_LIMIT);
      // One more than asked: whether more match than are listed.
      const filter: AlertFilter = limit === undefined ? {} : { limit: limit + 1 };
      if (state) filter.state = state;
      if (homeId) filter.homeId = homeId;
      const principal = principalOf(request);
      const homes = homeScope(principal);
      if (homes) filter.homeIds = homes;
      // A program held to a home renamed since its token was made would list nothing for ever, none the wiser.
      const missing = homesNotConfigured(principal, ctx.deps.config.homes);
      if (missing.length > 0) reply.header(HOMES_NOT_CONFIGURED_HEADER, homesNotConfiguredHeader(missing));
      const listed = alertService(ctx).list(filter);
      if (limit === undefined || listed.length <= limit) return listed;
      reply.header('x-more-alerts', 'true');
      return listed.slice(0, limit);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/alerts/:id',
    {
      config: { access: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        summary: 'One alert',
        params: idParams,
        response: { 200: alertSchema, ...errors(401, 403, 404, 503) },
      },
    },
    async (request) => {
      const alert = alertService(ctx).get(request.params.id);
      if (!alert || !reachesHome(principalOf(request), alert.homeId))
        throw new DashboardError('ALERT_NOT_FOUND', `No alert with id '${request.params.id}'`);
      return alert;
    },
  );

  app.post<{ Params: { id: string }; Body: { note?: string | null; version?: number } | null | undefined }>(
    '/api/alerts/:id/ack',
    {
      config: { access: 'alerts:act' },
      // A misspelt field (`notes`) is refused, as on resolve: the note must not be lost without a word.
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge a raised alert (stops its escalation), with an optional note',
        params: idParams,
        body: acknowledgeBody,
        response: { 200: alertSchema, ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      reachableAlert(ctx, principal, request.params.id);
      const note = request.body?.note ?? null;
      return answer(alertService(ctx).acknowledge(request.params.id, actorName(principal), note));
    },
  );

  app.post<{ Params: { id: string }; Body: { outcome: string; note?: string | null; version?: number } }>(
    '/api/alerts/:id/resolve',
    {
      config: { access: 'alerts:act' },
      schema: {
        tags: ['alerts'],
        summary: 'Resolve an open alert with an outcome and a note',
        params: idParams,
        body: resolveBody,
        response: { 200: alertSchema, ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { outcome, note, version } = request.body;
      const principal = principalOf(request);
      reachableAlert(ctx, principal, request.params.id);
      const service = alertService(ctx);
      return answer(service.resolve(request.params.id, outcome, note ?? null, actorName(principal), version));
    },
  );
}
