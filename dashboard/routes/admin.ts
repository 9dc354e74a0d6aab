// Admin only: dashboard users and API tokens for programs (a token is shown once, then only its hash is kept).
import type { FastifyInstance } from 'fastify';
import type { Role, TokenRole } from '../../rules/vocabulary.js';
import { topicSafeIdPattern } from '../../hub/config-patterns.js';
import { editDistance } from '../../hub/edit-distance.js';
import { actorName, principalOf } from '../access.js';
import type { DashboardContext } from '../context.js';
import { DashboardError, storageRefused } from '../errors.js';
import { errors, noBodySchema, roleSchema, tokenRoleSchema } from '../schemas.js';

const nameSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' } as const;

const tokenInfoSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: tokenRoleSchema,
    homes: { type: ['array', 'null'], items: { type: 'string' } },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    lastUsedAt: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'] },
  },
} as const;

/**
 * A device token's, or a responder's (token or user), homes: ids as the configuration takes them (a home not configured yet is
 * allowed, as for an MQTT credential's `homes`), or `*` for every home.
 */
const tokenHomesSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 1000,
  uniqueItems: true,
  items: { type: 'string', maxLength: 64, pattern: topicSafeIdPattern },
} as const;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * Refuses `homes` naming a configured home in other capitals (`H1` for `h1`) or one character apart from it (`flat3`
 * for `flat-3`, as the Devices page tells a device heard so; session 73): home ids are matched exactly, so the
 * credential would reach no home (a responder seeing none of the flat's alerts, a gateway posting for a home that is
 * not the flat), made without a word before (review, sessions 63 and 77). A home not configured and near none is still
 * allowed (configured later), as is a scheme's next flat (`flat-13` beside `flat-12`: other digits).
 */
function refuseHomesButCase(ctx: DashboardContext, homes: readonly string[] | undefined): void {
  if (homes === undefined) return;
  const configured = ctx.deps.config.homes.map((home) => home.id);
  for (const id of homes) {
    if (configured.includes(id)) continue;
    const near = configured.find((home) => home.toLowerCase() === id.toLowerCase());
    if (near !== undefined) {
      throw new DashboardError(
        'BAD_REQUEST',
        `homes: '${id}' differs only in capitals from the configured home '${near}': home ids are matched exactly, ` +
          `so it would reach no home; write '${near}'. Nothing done`,
      );
    }
    const slip = configured.find((home) => oneSlipApart(id, home));
    if (slip !== undefined) {
      throw new DashboardError(
        'BAD_REQUEST',
        `homes: '${id}' is one character apart from the configured home '${slip}': home ids are matched exactly, ` +
          `so it would reach no home; write '${slip}' (a new home of that id: configure it first). Nothing done`,
      );
    }
  }
}

/**
 * Whether `a` and `b` (four characters at least, the same digits in the same order) are one character added, dropped,
 * changed or two swapped apart (`editDistance` 1), case aside: the Devices page's `nearness` (dashboard/public/devices.js).
 */
function oneSlipApart(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase() || Math.min(a.length, b.length) < 4) return false;
  return a.replace(/\D/g, '') === b.replace(/\D/g, '') && editDistance(a, b) === 1;
}

const userBody = {
  type: 'object',
  properties: {
    username: nameSchema,
    password: { type: 'string', minLength: 10, maxLength: 256 },
    role: roleSchema,
    homes: tokenHomesSchema,
  },
  required: ['username', 'password', 'role'],
  additionalProperties: false,
} as const;

const tokenBody = {
  type: 'object',
  properties: { name: nameSchema, role: tokenRoleSchema, homes: tokenHomesSchema },
  required: ['name', 'role'],
  additionalProperties: false,
} as const;

export function registerAdminRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { auth, clock } = ctx;

  app.get(
    '/api/users',
    {
      config: { access: 'users:manage' },
      schema: {
        tags: ['admin'],
        summary: 'List dashboard users',
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                username: { type: 'string' },
                role: roleSchema,
                homes: { type: ['array', 'null'], items: { type: 'string' } },
                createdAt: { type: 'string' },
              },
            },
          },
          ...errors(401, 403),
        },
      },
    },
    async () => auth.listUsers().map((u) => ({ ...u, createdAt: iso(u.createdAt) })),
  );

  app.post<{ Body: { username: string; password: string; role: Role; homes?: string[] } }>(
    '/api/users',
    {
      config: { access: 'users:manage' },
      schema: {
        tags: ['admin'],
        summary: 'Create a dashboard user with a role',
        description:
          'A `responder` may be given `homes`: they then see and act on the alerts of those homes only (without: ' +
          'every home; `["*"]`: every home). `homes` is for the responder role only.',
        body: userBody,
        response: {
          201: {
            type: 'object',
            properties: {
              username: { type: 'string' },
              role: roleSchema,
              homes: { type: 'array', items: { type: 'string' } },
            },
          },
          ...errors(400, 401, 403, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const { username, password, role, homes } = request.body;
      // Only alerts are scoped: homes on an installer or analyst would look like a scope they do not have.
      if (role !== 'responder' && homes !== undefined) {
        throw new DashboardError(
          'BAD_REQUEST',
          `homes scope a responder only; a user of the '${role}' role reaches every home`,
        );
      }
      refuseHomesButCase(ctx, homes);
      const by = actorName(principalOf(request));
      const created = await auth.createUser(username, role, password, by, clock.now(), homes);
      // 'exists' also when a request sent at the same time stored the name first (it answers 201, this one 409).
      if (created === 'exists') throw new DashboardError('USER_EXISTS', `A user named '${username}' exists already`);
      if (created === 'not-stored') {
        throw storageRefused('a user', `'${username}' was not created; try again later`);
      }
      return reply.code(201).send({ username, role, ...(homes ? { homes } : {}) });
    },
  );

  app.delete<{ Params: { username: string } }>(
    '/api/users/:username',
    {
      config: { access: 'users:manage' },
      schema: {
        tags: ['admin'],
        summary: 'Remove a dashboard user and end their sessions (never the last admin)',
        params: { type: 'object', properties: { username: { type: 'string' } }, required: ['username'] },
        body: noBodySchema,
        response: { 204: { type: 'null' }, ...errors(401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { username } = request.params;
      const result = auth.deleteUser(username);
      if (result === 'not-found') throw new DashboardError('USER_NOT_FOUND', `No user named '${username}'`);
      if (result === 'last-admin')
        throw new DashboardError('LAST_ADMIN', `'${username}' is the last admin: make another admin first`);
      if (result === 'not-stored') {
        throw storageRefused(
          'a change of users',
          `'${username}' was not removed, their password and sessions still work; try again later`,
        );
      }
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/tokens',
    {
      config: { access: 'tokens:manage' },
      schema: {
        tags: ['admin'],
        summary: 'List API tokens (never their secrets)',
        response: { 200: { type: 'array', items: tokenInfoSchema }, ...errors(401, 403) },
      },
    },
    async () =>
      auth.listTokens().map((t) => ({
        ...t,
        createdAt: iso(t.createdAt),
        lastUsedAt: iso(t.lastUsedAt),
        revokedAt: iso(t.revokedAt),
      })),
  );

  app.post<{ Body: { name: string; role: TokenRole; homes?: string[] } }>(
    '/api/tokens',
    {
      config: { access: 'tokens:manage' },
      schema: {
        tags: ['admin'],
        summary: 'Create an API token for a program; the token is in this answer only',
        description:
          'A device that only posts events (SPEC 4.4) gets the `device` role with `homes`, the homes it may post ' +
          'for (`["*"]`: every home); it may use no other route. A `responder` token may be given `homes` too: it ' +
          'then sees, streams and acts on the alerts of those homes only (without: every home). `homes` is for ' +
          'these two roles only.',
        body: tokenBody,
        response: {
          201: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              role: tokenRoleSchema,
              homes: tokenInfoSchema.properties.homes,
              token: { type: 'string' },
            },
          },
          ...errors(400, 401, 403, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const { name, role, homes } = request.body;
      // A device without homes would post for none (or, taken as unscoped, for all); a responder without homes sees
      // every home's alerts, as before; homes on another role would look like a scope the token does not have.
      if (role === 'device' && homes === undefined) {
        throw new DashboardError('BAD_REQUEST', 'A device token needs homes: the homes it may post events for');
      }
      if (role !== 'device' && role !== 'responder' && homes !== undefined) {
        throw new DashboardError(
          'BAD_REQUEST',
          `homes scope a device or responder token only; a token of the '${role}' role reaches every home`,
        );
      }
      refuseHomesButCase(ctx, homes);
      const taken = auth.tokenNameTaken(name);
      // A revoked token keeps its name (what it did stays under one name in the audit): said so, not "exists", which
      // sent an admin replacing a leaked token to a list that showed it revoked (review, session 63).
      if (taken?.revokedAt != null) {
        throw new DashboardError(
          'TOKEN_EXISTS',
          `The token named '${name}' was revoked at ${iso(taken.revokedAt)}; a revoked token keeps its name (its ` +
            `actions are recorded as token:${name}): choose another name for the new token`,
        );
      }
      if (taken) throw new DashboardError('TOKEN_EXISTS', `A token named '${name}' exists already`);
      const created = auth.createToken(name, role, homes, actorName(principalOf(request)), clock.now());
      if (created === 'not-stored') {
        throw storageRefused('a token', `'${name}' was not created; try again later`);
      }
      return reply.code(201).send({ id: created.id, name, role, ...(homes ? { homes } : {}), token: created.token });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/tokens/:id',
    {
      config: { access: 'tokens:manage' },
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API token',
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        body: noBodySchema,
        response: { 204: { type: 'null' }, ...errors(401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const result = auth.revokeToken(id, clock.now());
      if (result === 'not-found') throw new DashboardError('TOKEN_NOT_FOUND', `No active token with id '${id}'`);
      if (result === 'not-stored') {
        // Said plainly: an admin revoking a leaked token must not believe it is done.
        throw storageRefused(
          'a revocation',
          `token '${id}' was NOT revoked and still works; free space, then revoke it again`,
        );
      }
      return reply.code(204).send();
    },
  );
}
