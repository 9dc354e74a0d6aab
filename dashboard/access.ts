// Least privilege: which role may do what, and the one request hook that identifies the caller and enforces it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ROLES, TOKEN_ROLES, type Role, type TokenRole } from '../rules/vocabulary.js';
import { allows, type Action } from '../hub/permissions.js';
import type { AuthStore, Principal } from './auth.js';
import { DashboardError } from './errors.js';
import type { Clock } from '../hub/clock.js';

/**
 * The routes' permissions, each the actions of the hub's one permission table (hub/permissions.ts) it needs, so that
 * MQTT and HTTP grant the same rights. Analysts see aggregated, pseudonymised reports only: no alert, home or event.
 */
export const PERMISSIONS = {
  'alerts:read': ['alerts.read'],
  'alerts:act': ['alert.acknowledge', 'alert.resolve'],
  'homes:read': ['homes.read'],
  'devices:read': ['devices.read'],
  'events:write': ['sensor.publish'],
  'reports:read': ['reports.read'],
  // Also open to a Prometheus scraper's API token, see below.
  'metrics:read': ['metrics.read'],
  'users:manage': ['users.manage'],
  'tokens:manage': ['tokens.manage'],
} as const satisfies Record<string, readonly Action[]>;

export type Permission = keyof typeof PERMISSIONS;

/** `public`: no login; `login`: any logged-in role; otherwise a permission. */
export type Access = 'public' | 'login' | Permission;

export const SESSION_COOKIE = 'telecare_session';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (default `login`). */
    access?: Access;
    /** An HTML page: redirect to the login page instead of answering 401/403. */
    page?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * The roles whose API token may scrape `/metrics` (a Prometheus scraper's). The counters tell when each alert was
 * raised, of which kind, and how many events came in between two scrapes: on a one-flat hub that is the minute the
 * resident fell or moved. So a token of a role that may read alerts or sensor data, never an analyst's, who sees
 * whole ended months only, nor a responder's held to some homes (the counters are every home's).
 */
function mayScrapeMetrics(principal: Principal): boolean {
  // A token held to some homes never: the counters are every home's.
  return (
    principal.kind === 'token' &&
    homeScope(principal) === undefined &&
    (allows(principal.role, 'alerts.read') || allows(principal.role, 'sensor.read'))
  );
}

/**
 * Whether `GET /api/health` gives `principal` its details. They move with each alert (the uplink's queue and last
 * send, alerts held in memory, the broker's queues): so a role that may read alerts or sensor data (the console's
 * storage banner, the installer), never the analyst, who sees whole ended months only (review, session 34).
 */
export function mayReadHealthDetails(principal: Principal): boolean {
  return allows(principal.role, 'alerts.read') || allows(principal.role, 'sensor.read');
}

/** Whether the caller is a person's role (or a token of one), that logs in and uses pages; not a device's token. */
function isDashboardRole(role: TokenRole): role is Role {
  return (ROLES as readonly TokenRole[]).includes(role);
}

function mayUse(principal: Principal, access: Access): boolean {
  if (access === 'public') return true;
  // A device's token posts events and nothing else: not `/api/me`, the pages or the API's documentation either.
  if (access === 'login') return isDashboardRole(principal.role);
  if (access === 'metrics:read' && mayScrapeMetrics(principal)) return true;
  return PERMISSIONS[access].every((action) => allows(principal.role, action));
}

function identify(request: FastifyRequest, auth: AuthStore, now: number): Principal | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const principal = token === undefined ? undefined : auth.tokenPrincipal(token, now);
    if (!principal) throw new DashboardError('BAD_TOKEN');
    return principal;
  }
  const sessionId = request.cookies[SESSION_COOKIE];
  return sessionId ? auth.sessionPrincipal(sessionId, now) : undefined;
}

function refusePage(request: FastifyRequest, reply: FastifyReply, loggedIn: boolean): FastifyReply {
  if (!loggedIn) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
  return reply.redirect('/');
}

/** Every request passes here first; routes declare their `access` in their config. */
export function installAccessControl(app: FastifyInstance, auth: AuthStore, clock: Clock): void {
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    const access: Access = config.access ?? 'login';
    if (access === 'public') {
      // Public routes still learn who is calling (the login page sends a logged-in user on), never refuse.
      try {
        request.principal = identify(request, auth, clock.now());
      } catch {
        request.principal = undefined;
      }
      return;
    }
    const principal = identify(request, auth, clock.now());
    if (!principal) {
      if (config.page) return refusePage(request, reply, false);
      throw new DashboardError('AUTH_REQUIRED');
    }
    request.principal = principal;
    if (mayUse(principal, access)) return;
    // A device's token has no page of its own to be sent to: refused plainly, never redirected round.
    if (config.page && isDashboardRole(principal.role)) return refusePage(request, reply, true);
    const allowed = (access === 'login' ? ROLES : TOKEN_ROLES)
      .filter((role) => access === 'login' || PERMISSIONS[access].every((action) => allows(role, action)))
      .join(', ');
    throw new DashboardError(
      'FORBIDDEN_ROLE',
      `The role '${principal.role}' may not ${request.method} ${request.routeOptions.url ?? request.url} (allowed: ${allowed})`,
    );
  });
}

/**
 * Whether the caller of a request still may `access` now: a long-lived response (the alert stream) asks again after
 * a logout, a removed user or a revoked token, and as a session expires, instead of trusting its first check.
 */
export function stillAllowed(request: FastifyRequest, auth: AuthStore, now: number, access: Permission): boolean {
  let principal: Principal | undefined;
  try {
    principal = identify(request, auth, now);
  } catch {
    return false;
  }
  return principal !== undefined && mayUse(principal, access);
}

/** The caller of a route that is not public (set by the hook). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new DashboardError('AUTH_REQUIRED');
  return request.principal;
}

/**
 * The homes `principal` is held to, or undefined for every home: a device's token, and a responder's token made with
 * homes, reach only the homes named when it was made (as `homes` scopes an MQTT credential); `*` is every home.
 */
export function homeScope(principal: Principal): readonly string[] | undefined {
  return principal.homes === undefined || principal.homes.includes('*') ? undefined : principal.homes;
}

/** Whether `principal` may post events for, or see and act on the alerts of, `homeId` (see `homeScope`). */
export function reachesHome(principal: Principal, homeId: string): boolean {
  return homeScope(principal)?.includes(homeId) ?? true;
}

/**
 * The homes of `principal`'s scope the configuration does not have (mistyped, or renamed since the login or token was
 * made): none of their alerts can reach it, nor can its events for them raise any (session 64). Empty when unscoped.
 */
export function homesNotConfigured(principal: Principal, configured: readonly { id: string }[]): string[] {
  const homes = homeScope(principal) ?? [];
  return homes.filter((id) => !configured.some((home) => home.id === id));
}

/**
 * Says the homes of `homesNotConfigured` on an answer whose body is fixed (a list): `x-homes-not-configured`, each id
 * URI-encoded, joined by commas.
 */
export const HOMES_NOT_CONFIGURED_HEADER = 'x-homes-not-configured';
export function homesNotConfiguredHeader(homes: readonly string[]): string {
  return homes.map((id) => encodeURIComponent(id)).join(',');
}

/** What goes into `acknowledgedBy` and audit records. */
export function actorName(principal: Principal): string {
  return principal.kind === 'token' ? `token:${principal.name}` : principal.name;
}
