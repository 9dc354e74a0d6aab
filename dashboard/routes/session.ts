// Logging in and out (session cookie) and asking who one is.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SESSION_COOKIE, homeScope, principalOf, reachesHome } from '../access.js';
import type { DashboardContext } from '../context.js';
import { servedOverHttps } from '../deps.js';
import { DashboardError, storageRefused } from '../errors.js';
import { addressKey, loginAddress } from '../login-throttle.js';
import { HashQueueFull } from '../../hub/passwords.js';
import { allows } from '../../hub/permissions.js';
import { errors, noBodySchema, roleSchema } from '../schemas.js';
import { LOGIN_BODY, passwordChangeBody, sessionCookie, throttledLogin } from './session-shared.js';

const whoAmISchema = {
  type: 'object',
  properties: {
    username: { type: 'string' },
    role: roleSchema,
    kind: { type: 'string', enum: ['user', 'token'] },
    // A responder held to some homes: those homes (absent: every home).
    homes: { type: 'array', items: { type: 'string' } },
    // For those who see alerts: each home's time zone, so the console shows an alert's times as the home lives them.
    homeTimeZones: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['username', 'role', 'kind'],
} as const;

interface LoginBody {
  username: string;
  password: string;
}

export function registerSessionRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { auth, throttle, clock, metrics } = ctx;
  const sessionSeconds = Math.round((ctx.deps.sessionHours ?? 12) * 3600);
  /** Where a login try comes from: the connection, or the client a reverse proxy on the Pi names (HUB_TRUST_PROXY). */
  const clientAddress = (request: FastifyRequest): string =>
    loginAddress(request.ip, request.headers['x-forwarded-for'], ctx.deps.trustProxy === true);
  /** The password check, in the address's fair share of the dashboard's hash queue; a full share is a 429. */
  const checkPassword = async (username: string, password: string, ip: string) => {
    try {
      return await auth.checkPassword(username, password, addressKey(ip));
    } catch (err) {
      if (!(err instanceof HashQueueFull)) throw err;
      metrics.loginFailures.inc({ reason: 'throttled' });
      throw new DashboardError('LOGIN_THROTTLED', 'Too many password checks pending from this address: try again', 1);
    }
  };

  app.post<{ Body: LoginBody }>(
    '/api/login',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Log in with a username and password; sets an httpOnly session cookie',
        security: [],
        body: LOGIN_BODY,
        response: {
          200: {
            type: 'object',
            properties: { username: { type: 'string' }, role: roleSchema, expiresAt: { type: 'string' } },
          },
          ...errors(400, 401, 429),
        },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const ip = clientAddress(request);
      // Counted before the hash: parallel guesses cannot all pass the check, and a refused try costs no scrypt.
      const reserved = throttle.reserve(username, ip, clock.now());
      if ('waitMs' in reserved) {
        metrics.loginFailures.inc({ reason: 'throttled' });
        const { seconds, message } = throttledLogin(reserved.waitMs);
        throw new DashboardError('LOGIN_THROTTLED', message, seconds);
      }
      const principal = await checkPassword(username, password, ip);
      if (!principal) {
        metrics.loginFailures.inc({ reason: 'bad-credentials' });
        request.log.info({ ip }, 'dashboard login refused');
        throw new DashboardError('BAD_CREDENTIALS');
      }
      throttle.succeeded(reserved.attempt);
      const session = auth.openSession(principal.name, clock.now());
      reply.setCookie(SESSION_COOKIE, session.sessionId, sessionCookie(servedOverHttps(ctx.deps), sessionSeconds));
      return { username: principal.name, role: principal.role, expiresAt: new Date(session.expiresAt).toISOString() };
    },
  );

  app.post(
    '/api/logout',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'End the session of this cookie',
        body: noBodySchema,
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const sessionId = request.cookies[SESSION_COOKIE];
      if (sessionId) auth.closeSession(sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/me/password',
    {
      config: { access: 'login' },
      schema: {
        tags: ['auth'],
        summary: "Change one's own password (ends every session of the user; log in again)",
        body: passwordChangeBody(10),
        response: { 204: { type: 'null' }, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user')
        throw new DashboardError('FORBIDDEN_ROLE', 'An API token has no password to change');
      const { currentPassword, newPassword } = request.body;
      const ip = clientAddress(request);
      const reserved = throttle.reserve(principal.name, ip, clock.now());
      if ('waitMs' in reserved)
        throw new DashboardError('LOGIN_THROTTLED', undefined, Math.ceil(reserved.waitMs / 1000));
      if (!(await checkPassword(principal.name, currentPassword, ip))) {
        metrics.loginFailures.inc({ reason: 'bad-credentials' });
        throw new DashboardError('BAD_CREDENTIALS', 'The current password is wrong');
      }
      throttle.succeeded(reserved.attempt);
      if ((await auth.changePassword(principal.name, newPassword)) === 'not-stored') {
        throw storageRefused(
          'a password',
          'the password was not changed, the current one still counts; try again later',
        );
      }
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/me',
    {
      config: { access: 'login' },
      schema: {
        tags: ['auth'],
        summary: 'Who is calling, with which role',
        response: { 200: whoAmISchema, ...errors(401) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const me = { username: principal.name, role: principal.role, kind: principal.kind };
      if (!allows(principal.role, 'alerts.read')) return me;
      const homes = homeScope(principal);
      const zones = ctx.deps.config.homes.filter((h) => reachesHome(principal, h.id));
      return {
        ...me,
        ...(homes ? { homes } : {}),
        homeTimeZones: Object.fromEntries(zones.map((h) => [h.id, h.timezone])),
      };
    },
  );
}
