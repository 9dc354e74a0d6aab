// The centre's console (SPEC 10): a Fastify app for an alarm receiving centre's operators; routes, roles, SSE, pages.
import cookie from '@fastify/cookie';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type pg from 'pg';
import { frameworkAnswers, installAnswerHeaders } from '../../dashboard/answer-headers.js';
import { capAppConnections } from '../../dashboard/connection-cap.js';
import { installCsrfProtection } from '../../dashboard/csrf.js';
import { DashboardError } from '../../dashboard/errors.js';
import { addressKey, loginAddress, LoginThrottle } from '../../dashboard/login-throttle.js';
import { answerStreamHead, openEventStream } from '../../dashboard/routes/event-stream.js';
import { lazySchemaController } from '../../dashboard/lazy-schemas.js';
import { noBodySchema } from '../../dashboard/schemas.js';
import {
  LOGIN_BODY,
  passwordChangeBody,
  sessionCookie,
  throttledLogin,
} from '../../dashboard/routes/session-shared.js';
import { dashboardPublicDir, findDir, PageFiles, type PageSpec } from '../../dashboard/routes/page-files.js';
import { HashQueueFull } from '../../hub/passwords.js';
import { systemClock, type Clock } from '../../hub/clock.js';
import { MAX_NOTE_CHARS, noteProblem } from '../../hub/alerts/lifecycle.js';
import { OUTCOMES } from '../../rules/vocabulary.js';
import {
  actOnCentreAlert,
  audit,
  clockAheadMs,
  closedAlerts,
  findAlert,
  MAX_CLOSED,
  OPEN_STATES,
  openAlerts,
  type ConsoleAlert,
} from './alerts.js';
import { MAX_COMMAND_BYTES, SUBJECT_TOKEN, type CommandBody, type CommandSender } from './commands.js';
import type { LiveEvent, LiveFeed } from './live.js';
import { COUNCIL_PATTERN, createOperator, OperatorError, type Operator, type OperatorStore } from './operators.js';
import { councilCsv, councilReport, setHubCouncil, wholeEndedMonthsOfWeeks } from './report.js';
import { RETIRED } from '../ingest.js';
import { HUB_QUARANTINED } from '../quarantine.js';
import { OPERATOR_ROLES, type OperatorRole } from './schema.js';
import {
  DATABASE_UNAVAILABLE,
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseUnavailable,
  RETRY_AFTER_S,
  unavailablePage,
} from './unavailable.js';

/** The body of the two routes that give a hub or an analyst a council (null: none). */
const COUNCIL_BODY = {
  type: 'object',
  properties: { council: { anyOf: [{ type: 'string', maxLength: 64 }, { type: 'null' }] } },
  required: ['council'],
  additionalProperties: false,
} as const;

export const SESSION_COOKIE = 'central_session';

/**
 * Who may call a route: `public`, anyone logged in (`login`), or the roles of `ROLES_FOR`: `operator`, `supervisor`,
 * `admin` (that role or above) and `report`, the council report (supervisors, admins and the council's analysts).
 */
type Access = 'public' | 'login' | keyof typeof ROLES_FOR;

/**
 * Live events a stream holds while it writes its first list at the client's pace (session 62): far more than a mass
 * outage's burst (a card per hub and per open alert of each), so that only a client that stopped reading is dropped.
 */
const MAX_WAITING_EVENTS = 20_000;
/**
 * The roles each access lets in. An analyst (the council's reader) reaches the council report alone: before session 67
 * the centre had no such role, so a council's reader had to be a supervisor, who reads every alert's detail (a home's
 * room, its sensors, the resident's silence), every hub, and acknowledges and resolves calls.
 */
const ROLES_FOR = {
  operator: ['operator', 'supervisor', 'admin'],
  supervisor: ['supervisor', 'admin'],
  admin: ['admin'],
  report: ['analyst', 'supervisor', 'admin'],
} as const satisfies Record<string, readonly OperatorRole[]>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The console's routes: who may call them (default `login`). */
    consoleAccess?: Access;
  }
  interface FastifyRequest {
    operator?: Operator;
  }
}

export class ConsoleError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ConsoleError';
  }
}

export interface ConsoleAppDeps {
  pool: pg.Pool;
  operators: OperatorStore;
  live: LiveFeed;
  commands: CommandSender;
  log: FastifyBaseLogger;
  sessionHours: number;
  /** Browsers reach the console over HTTPS (a TLS proxy in front): `Secure` session cookies, `Strict-Transport-Security`. */
  secureCookies: boolean;
  /**
   * A reverse proxy on this machine forwards the operators (`CENTRAL_TRUST_PROXY=1`): a login try from loopback is
   * counted under the last `X-Forwarded-For` address, not under loopback shared by every operator.
   */
  trustProxy?: boolean;
  sseHeartbeatSeconds: number;
  trustedOrigins?: readonly string[];
  /** The time the council report is asked at (what it may know: `councilReport`); the system clock by default. */
  clock?: Pick<Clock, 'now'>;
  /** The council report's days and weeks: an IANA zone (`CENTRAL_REPORT_TIMEZONE`); UTC by default. */
  reportTimezone?: string;
}

/** This folder's pages and scripts, then the hub dashboard's shared ones (style, toolkit, login), from source or dist. */
function assetDirs(): { own: string; dashboard: string } {
  return {
    own: findDir(import.meta.url, ['./public/', '../../../central/console/public/'], 'alerts.html', 'console pages'),
    dashboard: dashboardPublicDir(),
  };
}

type ConsolePage = PageSpec & { url: string; access: Access; shared?: true };

const PAGES: ConsolePage[] = [
  // The hub dashboard's login page: the same form and script.
  { url: '/login', file: 'login.html', title: 'Log in', script: 'login.js', access: 'public', shared: true },
  { url: '/alerts', file: 'alerts.html', title: 'Alerts', script: 'central-alerts.js', access: 'operator' },
  { url: '/hubs', file: 'hubs.html', title: 'Hubs', script: 'central-hubs.js', access: 'supervisor' },
  {
    url: '/council',
    file: 'council.html',
    title: 'Council report',
    script: 'central-council.js',
    access: 'report',
  },
  { url: '/operators', file: 'operators.html', title: 'Operators', script: 'central-operators.js', access: 'admin' },
];

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

function mayUse(operator: Operator, access: Access): boolean {
  if (access === 'public' || access === 'login') return true;
  return (ROLES_FOR[access] as readonly OperatorRole[]).includes(operator.role);
}

function operatorOf(request: FastifyRequest): Operator {
  if (!request.operator) throw new ConsoleError(401, 'AUTH_REQUIRED', 'Log in first');
  return request.operator;
}

const IDENTIFYING_PUBLIC_ROUTES = new Set(['/login', '/api/logout']);

export async function buildConsoleApp(deps: ConsoleAppDeps): Promise<FastifyInstance> {
  const { pool, operators, live, commands } = deps;
  const throttle = new LoginThrottle();
  const dirs = assetDirs();
  const app = Fastify({
    // The cast keeps Fastify's instance type the plain one (pino's own Logger type would leak into every route).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.log.child({ ns: 'console' }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    // No line per request: URLs name hubs and alerts.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { allowUnionTypes: true } },
    // The dashboard's compilers: each route's schemas compiled at its first request, and bodies validated as sent (no
    // type coercion: `{"council": 0}` is a 400, not the council "0"; dashboard/lazy-schemas.ts).
    schemaController: lazySchemaController(),
    // An undecodable URL, a request that is not HTTP, one while closing: the same body and headers as any error.
    ...frameworkAnswers({ https: deps.secureCookies }),
  });

  // The hub dashboard's cap: one machine cannot hold thousands of idle connections and the console's descriptors.
  capAppConnections(app);
  /** Where a login try comes from: the connection, or the operator a reverse proxy here names (CENTRAL_TRUST_PROXY). */
  const clientAddress = (request: FastifyRequest): string =>
    loginAddress(request.ip, request.headers['x-forwarded-for'], deps.trustProxy === true);

  /**
   * One password try (a login, or the current password of a change): counted by the throttle before the hash, so
   * parallel guesses cannot all pass the check and a refused try costs no scrypt; a right one clears the username.
   */
  const passwordTry = async (
    request: FastifyRequest,
    username: string,
    password: string,
  ): Promise<Operator | undefined> => {
    const address = clientAddress(request);
    const reserved = throttle.reserve(username, address, Date.now());
    if ('waitMs' in reserved) {
      const { seconds, message } = throttledLogin(reserved.waitMs);
      throw new ConsoleError(429, 'LOGIN_THROTTLED', message, seconds);
    }
    let operator: Operator | undefined;
    try {
      operator = await operators.checkPassword(username, password, addressKey(address));
    } catch (err) {
      if (err instanceof HashQueueFull) throw new ConsoleError(429, 'LOGIN_THROTTLED', err.message, 1);
      throw err;
    }
    if (!operator) {
      // The address only: a username field sometimes holds a password typed in the wrong box.
      request.log.info({ ip: address }, 'console login refused');
      return undefined;
    }
    throttle.succeeded(reserved.attempt);
    return operator;
  };

  app.setErrorHandler((error: FastifyError | ConsoleError | DashboardError, request, reply) => {
    if (error instanceof ConsoleError || error instanceof DashboardError) {
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.code(error.statusCode).send({ error: error.code, message: error.message });
    }
    if (isDatabaseUnavailable(error)) {
      // Not this request's fault, and nothing an operator can fix: say what still works, and that it comes back.
      request.log.warn({ err: error.message }, 'console: the database cannot be reached');
      reply.code(503).header('retry-after', String(RETRY_AFTER_S));
      if (request.method === 'GET' && !request.url.startsWith('/api/')) {
        return reply.type('text/html; charset=utf-8').send(unavailablePage());
      }
      return reply.send({ error: DATABASE_UNAVAILABLE, message: DATABASE_UNAVAILABLE_MESSAGE });
    }
    if (error.validation) return reply.code(400).send({ error: 'BAD_REQUEST', message: error.message });
    if (error.name === 'DateRangeError')
      return reply.code(400).send({ error: 'BAD_DATE_RANGE', message: error.message });
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: error.code, message: error.message });
    request.log.error({ err: error, url: request.routeOptions.url }, 'console request failed');
    return reply.code(500).send({ error: 'INTERNAL', message: 'Internal error; see the console log' });
  });

  installAnswerHeaders(app, { https: deps.secureCookies });
  await app.register(cookie);
  installCsrfProtection(app, deps.trustedOrigins);
  app.addHook('onRequest', async (request, reply) => {
    const access: Access = request.routeOptions.config.consoleAccess ?? 'login';
    const sessionId = request.cookies[SESSION_COOKIE];
    // Public routes need to know the caller only to send a logged-in operator on, or to audit a logout.
    const identify = access !== 'public' || IDENTIFYING_PUBLIC_ROUTES.has(request.routeOptions.url ?? '');
    request.operator = sessionId && identify ? await operators.sessionOperator(sessionId) : undefined;
    if (access === 'public') return;
    const isPage = request.method === 'GET' && !request.url.startsWith('/api/');
    if (!request.operator) {
      if (isPage) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
      throw new ConsoleError(401, 'AUTH_REQUIRED', 'Log in first');
    }
    if (access === 'login' || mayUse(request.operator, access)) return;
    if (isPage) return reply.redirect('/');
    throw new ConsoleError(
      403,
      'FORBIDDEN_ROLE',
      `The role '${request.operator.role}' may not ${request.method} ${request.routeOptions.url ?? request.url} (allowed: ${ROLES_FOR[access].join(', ')})`,
    );
  });
  app.setNotFoundHandler(async (request) => {
    throw new ConsoleError(404, 'NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
  });

  app.get('/api/health', { config: { consoleAccess: 'public' } }, async () => ({
    status: 'ok',
    live: live.listening,
  }));

  // --- Sessions -------------------------------------------------------------------------------------------------
  app.post<{ Body: { username: string; password: string } }>(
    '/api/login',
    {
      config: { consoleAccess: 'public' },
      schema: {
        body: LOGIN_BODY,
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const operator = await passwordTry(request, username, password);
      if (!operator) throw new ConsoleError(401, 'BAD_CREDENTIALS', 'Wrong username or password');
      const session = await operators.openSession(operator.username);
      reply.setCookie(
        SESSION_COOKIE,
        session.sessionId,
        sessionCookie(deps.secureCookies, Math.round(deps.sessionHours * 3600)),
      );
      await audit(pool, { operator: operator.username, action: 'login' });
      return { username: operator.username, role: operator.role, expiresAt: session.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/logout',
    { config: { consoleAccess: 'public' }, schema: { body: noBodySchema } },
    async (request, reply) => {
      const sessionId = request.cookies[SESSION_COOKIE];
      if (sessionId) await operators.closeSession(sessionId);
      if (request.operator) await audit(pool, { operator: request.operator.username, action: 'logout' });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/me/password',
    {
      schema: {
        body: passwordChangeBody(1),
      },
    },
    async (request, reply) => {
      const operator = operatorOf(request);
      if (!(await passwordTry(request, operator.username, request.body.currentPassword))) {
        throw new ConsoleError(401, 'BAD_CREDENTIALS', 'The current password is wrong');
      }
      try {
        await operators.changePassword(operator.username, request.body.newPassword);
      } catch (err) {
        if (err instanceof OperatorError) throw new ConsoleError(400, err.code, err.message);
        throw err;
      }
      await audit(pool, { operator: operator.username, action: 'password-change' });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get('/api/me', async (request) => {
    const operator = operatorOf(request);
    return { username: operator.username, role: operator.role };
  });

  // --- Alerts -------------------------------------------------------------------------------------------------
  // The open alerts; with `state=closed`, the last `limit` closed ones (newest first) for "Recently closed".
  app.get<{ Querystring: { state?: 'open' | 'closed'; limit?: number } }>(
    '/api/alerts',
    {
      config: { consoleAccess: 'operator' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: ['open', 'closed'] },
            limit: { type: 'integer', minimum: 1, maximum: MAX_CLOSED },
          },
        },
      },
    },
    async (request) =>
      request.query.state === 'closed' ? closedAlerts(pool, request.query.limit ?? 10) : openAlerts(pool),
  );

  app.get<{ Params: { hubId: string; alertId: string } }>(
    '/api/alerts/:hubId/:alertId',
    { config: { consoleAccess: 'operator' } },
    async (request) => {
      const found = await findAlert(pool, request.params.hubId, request.params.alertId);
      if (!found) throw new ConsoleError(404, 'ALERT_NOT_FOUND', 'No alert with this hub and id');
      return found;
    },
  );

  const act = async (
    request: FastifyRequest<{ Params: { hubId: string; alertId: string } }>,
    body: CommandBody,
  ): Promise<Record<string, unknown>> => {
    const operator = operatorOf(request);
    const { hubId, alertId } = request.params;
    const found = await findAlert(pool, hubId, alertId);
    if (!found) throw new ConsoleError(404, 'ALERT_NOT_FOUND', 'No alert with this hub and id');
    if (found.origin === 'centre') {
      const result = await actOnCentreAlert(
        pool,
        hubId,
        alertId,
        body.action === 'acknowledge'
          ? { action: 'acknowledge', operator: operator.username }
          : { action: 'resolve', operator: operator.username, outcome: body.outcome, note: body.note },
        new Date(),
      );
      if (!result.ok) {
        throw new ConsoleError(
          409,
          result.code === 'handled' ? 'ALREADY_HANDLED' : 'ALERT_WRONG_STATE',
          result.message,
        );
      }
      await audit(pool, {
        operator: operator.username,
        action: body.action,
        hubId,
        alertId,
        detail: {
          origin: 'centre',
          alreadyDone: result.alreadyDone,
          ...(body.action === 'resolve' ? { outcome: body.outcome } : {}),
        },
      });
      return { origin: 'centre', ...result };
    }
    if (!(OPEN_STATES as readonly string[]).includes(found.state)) {
      throw new ConsoleError(409, 'ALERT_WRONG_STATE', `The alert is ${found.state} already`);
    }
    // Ids travel as one NATS subject token and one MQTT topic level.
    if (!SUBJECT_TOKEN.test(hubId) || !SUBJECT_TOKEN.test(alertId)) {
      throw new ConsoleError(400, 'BAD_ID', 'This hub or alert id cannot be carried in a command subject');
    }
    const size = Buffer.byteLength(JSON.stringify({ ...body, operator: operator.username, commandId: '-'.repeat(36) }));
    if (size > MAX_COMMAND_BYTES) throw new ConsoleError(400, 'NOTE_TOO_LONG', 'The note is too long for a command');
    const command = await commands.send(hubId, alertId, body, operator.username);
    if ('handledBy' in command) throw new ConsoleError(409, 'ALREADY_HANDLED', command.message);
    await audit(pool, {
      operator: operator.username,
      action: body.action,
      hubId,
      alertId,
      commandId: command.commandId,
      detail: { origin: 'hub', ...(body.action === 'resolve' ? { outcome: body.outcome } : {}) },
    });
    return { origin: 'hub', command };
  };

  const params = {
    type: 'object',
    properties: { hubId: { type: 'string', maxLength: 128 }, alertId: { type: 'string', maxLength: 128 } },
    required: ['hubId', 'alertId'],
  } as const;

  app.post<{ Params: { hubId: string; alertId: string } }>(
    '/api/alerts/:hubId/:alertId/ack',
    { config: { consoleAccess: 'operator' }, schema: { params, body: noBodySchema } },
    async (request, reply) => {
      const result = await act(request, { action: 'acknowledge' });
      return reply.code(result.origin === 'hub' ? 202 : 200).send(result);
    },
  );

  app.post<{
    Params: { hubId: string; alertId: string };
    Body: { outcome: string; note?: string | null; version?: number };
  }>(
    '/api/alerts/:hubId/:alertId/resolve',
    {
      config: { consoleAccess: 'operator' },
      schema: {
        params,
        body: {
          type: 'object',
          properties: {
            outcome: { type: 'string', enum: [...OUTCOMES] },
            note: { type: ['string', 'null'], maxLength: MAX_NOTE_CHARS },
            // The hub's alert version the operator acted on (session 73): carried down; the hub refuses the resolve
            // (answer `changed-since`) after a high or critical repeat or a raised severity since. Optional.
            version: { type: 'integer', minimum: 1 },
          },
          required: ['outcome'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const note = request.body.note?.trim() || null;
      // The hub refuses such a note, and PostgreSQL's jsonb (the command, the centre's own alert) a NUL.
      const problem = note === null ? undefined : noteProblem(note);
      if (problem !== undefined) throw new ConsoleError(400, 'BAD_NOTE', problem);
      const { outcome, version } = request.body;
      const result = await act(request, {
        action: 'resolve',
        outcome,
        note,
        ...(version === undefined ? {} : { version }),
      });
      return reply.code(result.origin === 'hub' ? 202 : 200).send(result);
    },
  );

  // --- Live stream --------------------------------------------------------------------------------------------
  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...openStreams]) close();
  });

  app.get('/api/alerts/stream', { config: { consoleAccess: 'operator' } }, (request, reply) => {
    if (request.method === 'HEAD') {
      answerStreamHead(reply);
      return;
    }
    const sessionId = request.cookies[SESSION_COOKIE] ?? '';
    let unsubscribe = (): void => undefined;
    const stream = openEventStream(request, reply, 2000, {
      name: 'console alert stream',
      heartbeatMs: deps.sseHeartbeatSeconds * 1000,
      heartbeat: (s) => {
        s.write(': heartbeat\n\n');
        // A stream outlives no session: an operator logged out, removed or with a changed password stops seeing alerts.
        operators.sessionOperator(sessionId).then(
          (still) => {
            if (!still) s.close();
          },
          () => undefined,
        );
      },
      onClose: () => {
        unsubscribe();
        openStreams.delete(stream.close);
      },
    });
    const write = stream.write;
    const sentVersion = new Map<string, number>();
    const sendAlert = (alert: ConsoleAlert): void => {
      const key = `${alert.hubId}\u0000${alert.alertId}`;
      // The same version again is sent: its hub status or command may have changed.
      if ((sentVersion.get(key) ?? -1) > alert.version) return;
      sentVersion.set(key, alert.version);
      write(`event: alert\ndata: ${JSON.stringify(alert)}\n\n`);
    };
    const writeUnavailable = (): void =>
      write(`event: unavailable\ndata: ${JSON.stringify({ message: DATABASE_UNAVAILABLE_MESSAGE })}\n\n`);
    /** Events that arrive while the open alerts are being listed wait here, then follow the list. */
    let waiting: LiveEvent[] | null = [];
    const handle = (event: LiveEvent): void => {
      if (event.type === 'alert') sendAlert(event.alert);
      else if (event.type === 'command') write(`event: command\ndata: ${JSON.stringify(event.command)}\n\n`);
      else if (event.type === 'unavailable') writeUnavailable();
      else void snapshot();
    };
    const onEvent = (event: LiveEvent): void => {
      if (!waiting) handle(event);
      // A client that stopped taking the list holds it back: past this many events waiting it is dropped (as a slow
      // client always was), and lists afresh when it reconnects.
      else if (waiting.push(event) > MAX_WAITING_EVENTS) stream.close();
    };
    /** Every open alert, then `ready`: the browser drops any card not listed (closed while it was away). */
    const snapshot = async (): Promise<void> => {
      waiting ??= [];
      try {
        const open = await openAlerts(pool);
        sentVersion.clear();
        write(`event: snapshot\ndata: ${JSON.stringify({ open: open.length })}\n\n`);
        for (const alert of open) {
          sendAlert(alert);
          // At the browser's pace: a mass outage's list (a card per hub) written at once was over the slow-client
          // bound, and the stream was dropped before its `ready`, again at every reconnection (session 62).
          await stream.drained();
          if (stream.closed) return;
        }
        write(`event: ready\ndata: ${JSON.stringify({ open: open.length })}\n\n`);
      } catch (err) {
        request.log.error({ err: (err as Error).message }, 'console: listing open alerts failed');
        writeUnavailable();
      }
      const queued = waiting;
      waiting = null;
      for (const event of queued) handle(event);
    };
    // Subscribe before listing: nothing can fall between the list and the live events.
    unsubscribe = live.subscribe(onEvent);
    openStreams.add(stream.close);
    void snapshot();
  });

  // --- Hubs (supervisor) --------------------------------------------------------------------------------------
  app.get('/api/hubs', { config: { consoleAccess: 'supervisor' } }, async () => {
    const rows = await pool.query<{
      hub_id: string;
      status: string;
      offline_since: Date | null;
      first_seen_at: Date;
      last_seen_at: Date;
      last_heartbeat: Record<string, unknown> | null;
      last_heartbeat_at: Date | null;
      open_alerts: string;
      quarantined: boolean;
      retired_at: Date | null;
      retired_by: string | null;
      replaced_by: string | null;
      replaces: string[];
      council: string | null;
    }>(
      // Quarantined (session 39): shut out by the centre for going over its byte budget (central/quarantine.ts), so
      // never called offline meanwhile (central/offline.ts); listed after the offline hubs, before the rest. Retired
      // (session 61, `telecare central hub remove`): out of service for good, listed last. A box replaced by another
      // (`--replaced-by`, session 63) says which, and the new box which it replaced (session 64).
      `SELECT h.hub_id, h.status, h.offline_since, h.first_seen_at, h.last_seen_at, h.last_heartbeat, h.last_heartbeat_at,
              h.retired_at, h.retired_by, h.replaced_by, h.council,
              ARRAY(SELECT o.hub_id FROM central_hubs o WHERE o.replaced_by = h.hub_id ORDER BY o.hub_id) AS replaces,
              (SELECT count(*) FROM central_alerts a
               WHERE a.hub_id = h.hub_id AND a.state IN ('raised', 'acknowledged')) AS open_alerts,
              EXISTS (SELECT 1 FROM central_alerts q WHERE q.hub_id = h.hub_id AND q.origin = 'centre'
                AND q.type = '${HUB_QUARANTINED}' AND q.state NOT IN ('resolved', 'cancelled')) AS quarantined
       FROM central_hubs h
       ORDER BY (h.status = '${RETIRED}') ASC, (h.status = 'offline') DESC, quarantined DESC,
         h.offline_since ASC NULLS LAST, h.hub_id`,
    );
    return rows.rows.map((r) => ({
      hubId: r.hub_id,
      status: r.status,
      offlineSince: r.offline_since?.toISOString() ?? null,
      firstSeenAt: r.first_seen_at.toISOString(),
      lastSeenAt: r.last_seen_at.toISOString(),
      lastHeartbeat: r.last_heartbeat,
      clockAheadMs: clockAheadMs(r.last_heartbeat, r.last_heartbeat_at),
      openAlerts: Number(r.open_alerts),
      quarantined: r.quarantined,
      retiredAt: r.retired_at?.toISOString() ?? null,
      retiredBy: r.retired_by,
      replacedBy: r.replaced_by,
      replaces: r.replaces,
      council: r.council,
    }));
  });

  // The council whose homes a hub serves (session 68): its analysts read the report over its hubs alone. A supervisor
  // sets it (null: none, the hub counts in no council's report, only in the centre's own). From now on only (session
  // 69): what the hub sent before stays its old council's (`setHubCouncil`).
  app.put<{ Params: { hubId: string }; Body: { council: string | null } }>(
    '/api/hubs/:hubId/council',
    {
      config: { consoleAccess: 'supervisor' },
      schema: { body: COUNCIL_BODY },
    },
    async (request) => {
      const { hubId } = request.params;
      const { council } = request.body;
      if (council !== null && !COUNCIL_PATTERN.test(council)) {
        throw new ConsoleError(400, 'BAD_COUNCIL', 'A council is 1 to 64 letters, digits, spaces, ".", "_" or "-"');
      }
      const found = await setHubCouncil(pool, hubId, council, (deps.clock ?? systemClock).now());
      if (!found) throw new ConsoleError(404, 'HUB_NOT_FOUND', 'No hub with this id has been heard');
      await audit(pool, { operator: operatorOf(request).username, action: 'hub-council', hubId, detail: { council } });
      return { hubId, council };
    },
  );

  // --- Council report (supervisor, analyst) -------------------------------------------------------------------
  app.get<{ Querystring: { from: string; to: string; format?: 'json' | 'csv' } }>(
    '/api/reports/council',
    {
      config: { consoleAccess: 'report' },
      schema: {
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string' },
            to: { type: 'string' },
            format: { type: 'string', enum: ['json', 'csv'] },
          },
          required: ['from', 'to'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const now = (deps.clock ?? systemClock).now();
      const operator = operatorOf(request);
      const analyst = operator.role === 'analyst';
      // An analyst reads their own council's hubs alone, and nothing before an admin gives them one (session 68).
      const council = analyst ? operator.council : undefined;
      if (analyst && (council === null || council === undefined)) {
        throw new ConsoleError(
          403,
          'NO_COUNCIL',
          'No council is assigned to you yet: an admin gives each analyst the council whose report they read',
        );
      }
      // An analyst sees aggregated data only: whole weeks that have ended (session 67), in whole months of weeks, fixed
      // boundaries that no two reports overlap across (session 69), as the hub's analyst whole months.
      const asked = { from: request.query.from, to: request.query.to };
      const range = analyst ? wholeEndedMonthsOfWeeks(asked, now, deps.reportTimezone ?? 'UTC') : asked;
      const report = await councilReport(pool, {
        from: range.from,
        to: range.to,
        now,
        ...(deps.reportTimezone !== undefined ? { timezone: deps.reportTimezone } : {}),
        ...(council ? { council } : {}),
        // No count about people of a week of 1 to 7 homes, for an analyst (session 76).
        ...(analyst ? { withholdFewHomes: true } : {}),
      });
      if (request.query.format !== 'csv') return report;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="council-${report.period.from}-${report.period.to}.csv"`)
        .send(councilCsv(report));
    },
  );

  // --- Operators (admin) --------------------------------------------------------------------------------------
  app.get('/api/operators', { config: { consoleAccess: 'admin' } }, async () => operators.list());

  app.post<{ Body: { username: string; role: string; password: string; council?: string | null } }>(
    '/api/operators',
    {
      config: { consoleAccess: 'admin' },
      schema: {
        body: {
          type: 'object',
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 64 },
            role: { type: 'string', enum: [...OPERATOR_ROLES] },
            password: { type: 'string', minLength: 1, maxLength: 256 },
            council: { anyOf: [{ type: 'string', maxLength: 64 }, { type: 'null' }] },
          },
          required: ['username', 'role', 'password'],
          additionalProperties: false,
        },
        response: { 400: errorSchema },
      },
    },
    async (request, reply) => {
      const admin = operatorOf(request);
      try {
        const created = await createOperator(pool, { ...request.body, createdBy: admin.username });
        await audit(pool, {
          operator: admin.username,
          action: 'operator-create',
          detail: {
            username: created.username,
            role: created.role,
            ...(created.council ? { council: created.council } : {}),
          },
        });
        return await reply.code(201).send(created);
      } catch (err) {
        if (err instanceof OperatorError) {
          throw new ConsoleError(err.code === 'OPERATOR_EXISTS' ? 409 : 400, err.code, err.message);
        }
        throw err;
      }
    },
  );

  // An analyst's council (session 68): the hubs whose report they read; null takes it away (they then read nothing).
  app.put<{ Params: { username: string }; Body: { council: string | null } }>(
    '/api/operators/:username/council',
    {
      config: { consoleAccess: 'admin' },
      schema: { body: COUNCIL_BODY },
    },
    async (request) => {
      const { username } = request.params;
      try {
        const assigned = await operators.assignCouncil(username, request.body.council);
        await audit(pool, {
          operator: operatorOf(request).username,
          action: 'operator-council',
          detail: { username, council: assigned.council },
        });
        return assigned;
      } catch (err) {
        if (err instanceof OperatorError) {
          throw new ConsoleError(err.code === 'OPERATOR_NOT_FOUND' ? 404 : 400, err.code, err.message);
        }
        throw err;
      }
    },
  );

  app.delete<{ Params: { username: string } }>(
    '/api/operators/:username',
    { config: { consoleAccess: 'admin' }, schema: { body: noBodySchema } },
    async (request, reply) => {
      const admin = operatorOf(request);
      const result = await operators.remove(request.params.username);
      if (result === 'not-found') throw new ConsoleError(404, 'OPERATOR_NOT_FOUND', 'No operator with this name');
      if (result === 'last-admin') throw new ConsoleError(409, 'LAST_ADMIN', 'The last admin cannot be removed');
      await audit(pool, {
        operator: admin.username,
        action: 'operator-delete',
        detail: { username: request.params.username },
      });
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: { limit?: number } }>('/api/audit', { config: { consoleAccess: 'admin' } }, async () => {
    const rows = await pool.query<{
      at: Date;
      operator: string;
      action: string;
      hub_id: string | null;
      alert_id: string | null;
      command_id: string | null;
      detail: Record<string, unknown> | null;
    }>(
      'SELECT at, operator, action, hub_id, alert_id, command_id, detail FROM console_audit ORDER BY id DESC LIMIT 500',
    );
    return rows.rows.map((r) => ({
      at: r.at.toISOString(),
      operator: r.operator,
      action: r.action,
      hubId: r.hub_id,
      alertId: r.alert_id,
      commandId: r.command_id,
      detail: r.detail,
    }));
  });

  // --- Pages --------------------------------------------------------------------------------------------------
  const files = new PageFiles('Telecare centre');
  for (const page of PAGES) {
    app.get(page.url, { config: { consoleAccess: page.access } }, async (request, reply) => {
      if (page.url === '/login' && request.operator) return reply.redirect('/');
      return files.page(reply, page.shared ? dirs.dashboard : dirs.own, page);
    });
  }
  app.get('/', async (request, reply) => {
    // An analyst's one page is the council report (the alerts page would send them back here).
    return reply.redirect(operatorOf(request).role === 'analyst' ? '/council' : '/alerts');
  });
  app.get<{ Params: { file: string } }>(
    '/assets/:file',
    { config: { consoleAccess: 'public' } },
    async (request, reply) => {
      const { file } = request.params;
      const sent = files.asset(reply, [dirs.own, dirs.dashboard], file);
      if (!sent) throw new ConsoleError(404, 'NOT_FOUND', `No asset '${file}'`);
      return sent;
    },
  );

  return app;
}
