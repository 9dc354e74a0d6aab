// Every HTTP route the hub's dashboard serves × every kind of caller, over real HTTP to a running hub: the route list is
// read from the server itself, so a route added without a row here fails the test (review, session 73).
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import {
  adminSession,
  createApiToken,
  dashboardUrl,
  startTestHub,
  TEST_ADMIN_PASSWORD,
} from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';
import { deep, servedRoutes, withField, WRONG_VALUES } from '../support/route-list.js';
import { capturingLogger } from '../support/captured-log.js';

/** The people's roles, each logged in with a password (a session cookie). */
const ROLES = ['admin', 'installer', 'responder', 'analyst'] as const;
type Role = (typeof ROLES)[number];
/** Callers who must be refused every route that is not public, whatever it is. */
const STRANGERS = [
  'nobody',
  'forged-session',
  'expired-session',
  'removed-user-session',
  'password-changed-session',
  'logged-out-session',
  'forged-token',
  'revoked-token',
] as const;
type Stranger = (typeof STRANGERS)[number];
/** A device's API token (session 62): `POST /api/events` for its home only. */
type Caller = Role | Stranger | 'device';
const CALLERS: readonly Caller[] = [...ROLES, 'device', ...STRANGERS];

interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
  /** As Fastify names it. */
  pattern: string;
  /** What is requested: an id no alert, user or token has, and bodies that fail validation, so nothing is changed. */
  url: string;
  body?: unknown;
  /** `public`, or the callers let past the access check. */
  allowed: 'public' | readonly Caller[];
  /** An endless answer (SSE): read up to its headers, then dropped. */
  stream?: true;
}

const PEOPLE: readonly Caller[] = ROLES;
const ADMIN: readonly Caller[] = ['admin'];
const ALERTS: readonly Caller[] = ['admin', 'responder'];
const HOMES: readonly Caller[] = ['admin', 'installer'];

function get(pattern: string, allowed: Route['allowed'], url = pattern, stream?: true): Route[] {
  // Fastify answers HEAD on every GET route, through the same hooks.
  return [
    { method: 'GET', pattern, url, allowed, ...(stream ? { stream } : {}) },
    { method: 'HEAD', pattern, url, allowed, ...(stream ? { stream } : {}) },
  ];
}

/** THE table: every route of the dashboard and who may call it (dashboard/README.md, "Who may do what"). */
const ROUTES: Route[] = [
  ...get('/', PEOPLE),
  ...get('/login', 'public'),
  ...get('/console', ALERTS),
  ...get('/home', HOMES),
  ...get('/devices', HOMES),
  ...get('/council', ['admin', 'analyst']),
  // Session 74: the users and tokens page, the admin's as the routes it calls.
  ...get('/users', ADMIN),
  ...get('/assets/:file', 'public', '/assets/style.css'),
  ...get('/docs', PEOPLE),
  ...get('/docs/*', PEOPLE, '/docs/json'),
  ...get('/api/health', 'public'),
  ...get('/api/me', PEOPLE),
  { method: 'POST', pattern: '/api/me/password', url: '/api/me/password', body: {}, allowed: PEOPLE },
  { method: 'POST', pattern: '/api/login', url: '/api/login', body: {}, allowed: 'public' },
  ...get('/api/alerts', ALERTS),
  ...get('/api/alerts/stream', ALERTS, '/api/alerts/stream', true),
  ...get('/api/alerts/:id', ALERTS, '/api/alerts/no-such-alert'),
  { method: 'POST', pattern: '/api/alerts/:id/ack', url: '/api/alerts/no-such-alert/ack', body: {}, allowed: ALERTS },
  {
    method: 'POST',
    pattern: '/api/alerts/:id/resolve',
    url: '/api/alerts/no-such-alert/resolve',
    body: { outcome: 'false-alarm' },
    allowed: ALERTS,
  },
  ...get('/api/homes', HOMES),
  ...get('/api/homes/:id/activity', HOMES, '/api/homes/h1/activity?from=2026-11-01&to=2026-11-02'),
  ...get('/api/devices/unassigned', HOMES),
  { method: 'POST', pattern: '/api/events', url: '/api/events', body: {}, allowed: [...HOMES, 'device'] },
  ...get('/api/reports/prevention', ['admin', 'analyst']),
  ...get('/metrics', ADMIN),
  ...get('/api/users', ADMIN),
  { method: 'POST', pattern: '/api/users', url: '/api/users', body: {}, allowed: ADMIN },
  { method: 'DELETE', pattern: '/api/users/:username', url: '/api/users/no-such-user', allowed: ADMIN },
  ...get('/api/tokens', ADMIN),
  { method: 'POST', pattern: '/api/tokens', url: '/api/tokens', body: {}, allowed: ADMIN },
  { method: 'DELETE', pattern: '/api/tokens/:id', url: '/api/tokens/no-such-token', allowed: ADMIN },
  // Last: it ends the session it is sent with.
  { method: 'POST', pattern: '/api/logout', url: '/api/logout', body: {}, allowed: 'public' },
];

const PASSWORD = 'a-long-enough-password';
const logLines: string[] = [];
let dir: string;
let hub: RunningHub;
let base: string;
/** What each caller sends: a cookie or an `Authorization` header. */
const credentials = {} as Record<Caller, Record<string, string>>;

async function post(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, ...headers },
    body: JSON.stringify(body),
  });
}

async function logIn(username: string, password: string): Promise<Record<string, string>> {
  const res = await post('/api/login', { username, password }, {});
  if (!res.ok) throw new Error(`${username} could not log in: ${res.status} ${await res.text()}`);
  return { cookie: res.headers.getSetCookie()[0]!.split(';', 1)[0]! };
}

async function makeUser(admin: Record<string, string>, username: string, role: Role): Promise<void> {
  const res = await post('/api/users', { username, password: PASSWORD, role }, admin);
  if (res.status !== 201) throw new Error(`user ${username}: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  dir = tempDir('s73-routes');
  // The hub's log at info, every line kept: what a route, a refusal or a bad body makes it write is read at the end.
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
    logger: capturingLogger(logLines, 'info'),
  });
  base = dashboardUrl(hub);
  const admin = { cookie: await adminSession(hub) };
  credentials.admin = admin;
  for (const role of ['installer', 'responder', 'analyst'] as const) {
    await makeUser(admin, `matrix-${role}`, role);
    credentials[role] = await logIn(`matrix-${role}`, PASSWORD);
  }
  credentials.device = {
    authorization: `Bearer ${await createApiToken(hub, admin.cookie, 'matrix-device', 'device', ['h1'])}`,
  };
  credentials.nobody = {};
  credentials['forged-session'] = { cookie: `telecare_session=${'A'.repeat(43)}` };
  credentials['forged-token'] = { authorization: `Bearer tct_${'A'.repeat(12)}.${'B'.repeat(43)}` };

  // Each of these was an admin's, and is no longer anyone's.
  await makeUser(admin, 'matrix-late', 'admin');
  credentials['expired-session'] = await logIn('matrix-late', PASSWORD);
  const sessionId = credentials['expired-session'].cookie!.split('=')[1]!;
  const idHash = createHash('sha256').update(sessionId).digest('base64url');
  const expired = hub.db.prepare('UPDATE dashboard_sessions SET expires_at = created_at WHERE id_hash = ?').run(idHash);
  if (expired.changes !== 1) throw new Error('the session to expire was not found');

  await makeUser(admin, 'matrix-leaver', 'admin');
  credentials['removed-user-session'] = await logIn('matrix-leaver', PASSWORD);
  const removed = await fetch(`${base}/api/users/matrix-leaver`, {
    method: 'DELETE',
    headers: { ...admin, origin: base },
  });
  if (removed.status !== 204) throw new Error(`leaver not removed: ${removed.status}`);

  await makeUser(admin, 'matrix-changer', 'admin');
  credentials['password-changed-session'] = await logIn('matrix-changer', PASSWORD);
  // The change is made from a second session of the same user: the first must end with it.
  const second = await logIn('matrix-changer', PASSWORD);
  const changed = await post('/api/me/password', { currentPassword: PASSWORD, newPassword: `${PASSWORD}-2` }, second);
  if (changed.status !== 204) throw new Error(`password not changed: ${changed.status}`);

  await makeUser(admin, 'matrix-outgoing', 'admin');
  credentials['logged-out-session'] = await logIn('matrix-outgoing', PASSWORD);
  const out = await post('/api/logout', {}, credentials['logged-out-session']);
  if (out.status !== 204) throw new Error(`not logged out: ${out.status}`);

  const revoked = await createApiToken(hub, admin.cookie, 'matrix-revoked', 'admin');
  const tokenId = /^tct_([^.]+)\./.exec(revoked)![1]!;
  const revoke = await fetch(`${base}/api/tokens/${tokenId}`, {
    method: 'DELETE',
    headers: { ...admin, origin: base },
  });
  if (revoke.status !== 204) throw new Error(`token not revoked: ${revoke.status}`);
  credentials['revoked-token'] = { authorization: `Bearer ${revoked}` };
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

type Outcome = 'let in' | 'no login' | 'wrong role';

/** What the access check made of `caller` on `route`, with the answer for the failure message. */
async function tryRoute(route: Route, caller: Caller): Promise<{ outcome: Outcome; answer: string }> {
  const controller = new AbortController();
  const res = await fetch(`${base}${route.url}`, {
    method: route.method,
    redirect: 'manual',
    signal: controller.signal,
    headers: {
      ...credentials[caller],
      ...(route.method === 'POST' || route.method === 'DELETE' ? { origin: base } : {}),
      ...(route.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(route.body !== undefined ? { body: JSON.stringify(route.body) } : {}),
  });
  const location = res.headers.get('location') ?? '';
  let body = '';
  if (route.stream && res.status === 200) controller.abort();
  else body = await res.text();
  const answer = `${res.status} ${location} ${body.slice(0, 100)}`;
  if (res.status === 401 || (res.status === 302 && location.startsWith('/login?'))) {
    return { outcome: 'no login', answer };
  }
  if (res.status === 403 || (res.status === 302 && location === '/')) return { outcome: 'wrong role', answer };
  return { outcome: 'let in', answer };
}

describe('the dashboard: every route × every caller, over real HTTP', () => {
  it('answers a HEAD of the alert stream with its headers, and holds no stream for it', async () => {
    // Before session 73 no answer ever came (Node sends a HEAD's headers only when it ends): the request hung.
    const streams = async () =>
      (await hub.metrics.getSingleMetric('telecare_dashboard_sse_clients')!.get()).values[0]?.value ?? 0;
    const before = await streams();
    const res = await fetch(`${base}/api/alerts/stream`, { method: 'HEAD', headers: credentials.responder });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(await res.text()).toBe('');
    expect(await streams()).toBe(before);
  }, 20_000);

  it('the table names every route the server has, and no other', () => {
    const inTable = [...new Set(ROUTES.map((r) => `${r.method} ${r.pattern}`))].sort();
    expect(inTable).toEqual(servedRoutes(hub.app));
  });

  it('lets in exactly the callers each route allows; strangers get no login, other roles a refusal', async () => {
    const got: Record<string, Record<string, Outcome>> = {};
    const want: Record<string, Record<string, Outcome>> = {};
    const answers: string[] = [];
    for (const route of ROUTES) {
      const key = `${route.method} ${route.pattern}`;
      got[key] = {};
      want[key] = {};
      for (const caller of CALLERS) {
        const { outcome, answer } = await tryRoute(route, caller);
        got[key][caller] = outcome;
        const allowed = route.allowed === 'public' || route.allowed.includes(caller);
        want[key][caller] = allowed
          ? 'let in'
          : (STRANGERS as readonly Caller[]).includes(caller)
            ? 'no login'
            : 'wrong role';
        if (got[key][caller] !== want[key][caller]) answers.push(`${key} as ${caller}: ${answer}`);
      }
    }
    expect(answers).toEqual([]);
    expect(got).toEqual(want);
    // The last route, the logout, ended each role's session: logged in again for the tests below.
    credentials.admin = await logIn('admin', TEST_ADMIN_PASSWORD);
    for (const role of ['installer', 'responder', 'analyst'] as const)
      credentials[role] = await logIn(`matrix-${role}`, PASSWORD);
  }, 120_000);

  it('a refusal never carries what the route would have given', async () => {
    // The stranger's and the wrong role's answers are the fixed error body, nothing else.
    for (const route of ROUTES.filter((r) => r.allowed !== 'public' && r.method === 'GET' && !r.stream)) {
      for (const caller of ['nobody', 'expired-session', 'analyst', 'device'] as const) {
        if (route.allowed !== 'public' && route.allowed.includes(caller)) continue;
        const res = await fetch(`${base}${route.url}`, { redirect: 'manual', headers: credentials[caller] });
        const text = await res.text();
        if (res.status === 302) expect(text, `${route.url} ${caller}`).toBe('');
        else
          expect(Object.keys(JSON.parse(text) as object).sort(), `${route.url} ${caller}`).toEqual([
            'error',
            'message',
          ]);
      }
    }
  });
});

/** A valid body of each write route (as the admin), whose fields are spoilt one at a time. */
const WRITE_BODIES: { url: string; body: Record<string, unknown> }[] = [
  { url: '/api/login', body: { username: 'admin', password: 'not-the-password' } },
  { url: '/api/me/password', body: { currentPassword: 'not-the-password', newPassword: 'another-long-password' } },
  { url: '/api/alerts/no-such-alert/ack', body: { note: 'called her daughter' } },
  { url: '/api/alerts/no-such-alert/resolve', body: { outcome: 'false-alarm', note: 'pressed by mistake' } },
  { url: '/api/events', body: { homeId: 'h1', deviceId: 'p1', type: 'heartbeat', value: true } },
  { url: '/api/users', body: { username: 'probe-user', password: 'a-long-enough-password', role: 'responder' } },
  { url: '/api/tokens', body: { name: 'probe-token', role: 'responder', homes: ['h1'] } },
];

describe('the dashboard: bad bodies on every write route', () => {
  it('are answered 4xx with the error body, never 500, and the hub serves on', async () => {
    // A session of its own: the matrix above ended the admin's with its logout.
    const admin = await logIn('admin', TEST_ADMIN_PASSWORD);
    const problems: string[] = [];
    let sent = 0;
    const send = async (url: string, raw: string, label: string): Promise<void> => {
      const res = await fetch(`${base}${url}`, {
        method: 'POST',
        headers: { ...admin, origin: base, 'content-type': 'application/json' },
        body: raw,
      });
      const text = await res.text();
      sent++;
      let keys: string[];
      try {
        keys = Object.keys(JSON.parse(text) as object);
      } catch {
        keys = [];
      }
      const errorBody = keys.includes('error') && keys.includes('message');
      // 404: the alert id no alert has, once the body passed. `POST /api/events` takes an empty batch, a heartbeat's
      // `true` and fields it does not know (SPEC 4.4); its refusals add `index` and `rejected` to the error body.
      const taken = res.status < 400 && url === '/api/events';
      // 401 only from the login route and the current password's check: the session must stay valid throughout.
      const loggedOut = res.status === 401 && url !== '/api/login' && url !== '/api/me/password';
      if (res.status >= 500 || (res.status >= 400 && !errorBody) || (res.status < 400 && !taken) || loggedOut)
        problems.push(`${label}: ${res.status} ${text.slice(0, 160)}`);
    };
    for (const { url, body } of WRITE_BODIES) {
      for (const whole of ['[]', '1', '"text"', 'null', deep(20_000)])
        await send(url, whole, `${url} = ${whole.slice(0, 10)}`);
      await send(url, '{"a":', `${url} cut short`);
      await send(url, JSON.stringify({ ...body, pad: 'x'.repeat(70 * 1024) }), `${url} over 64 KiB`);
      for (const field of Object.keys(body)) {
        for (const wrong of WRONG_VALUES) {
          // A list of homes is the one field a list suits.
          if (field === 'homes' && wrong === '["a"]') continue;
          await send(url, withField(body, field, wrong), `${url} ${field}=${wrong.slice(0, 20)}`);
        }
      }
      await send(url, JSON.stringify({ ...body, extra: 1 }), `${url} with an unknown field`);
    }
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(200);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    const users = (await (await fetch(`${base}/api/users`, { headers: admin })).json()) as {
      username: string;
    }[];
    // No spoilt body made a user (before session 73, `"username": true` made one called "true").
    expect(users.map((u) => u.username).filter((name) => !name.startsWith('matrix-') && name !== 'admin')).toEqual([]);
  }, 120_000);
});

describe("the hub's log after all of the above", () => {
  it('holds no password, token, session, username or note a request carried', () => {
    const log = logLines.join('');
    expect(logLines.length).toBeGreaterThan(0);
    const secrets = [
      PASSWORD,
      TEST_ADMIN_PASSWORD,
      'not-the-password',
      'another-long-password',
      'guess',
      'called her daughter',
      'pressed by mistake',
      'matrix-installer',
      'matrix-responder',
      'matrix-analyst',
      'matrix-leaver',
      'probe-user',
      ...Object.values(credentials).flatMap((headers) =>
        Object.values(headers).map((value) => value.replace(/^Bearer |^telecare_session=/, '')),
      ),
    ];
    expect(secrets.filter((secret) => log.includes(secret))).toEqual([]);
  });
});
