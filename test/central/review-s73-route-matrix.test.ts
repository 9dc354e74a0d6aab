// Every HTTP route of the centre's console × every kind of caller, over real HTTP to a running console (PostgreSQL,
// nats-server): the route list is read from the server itself, so a route added without a row here fails (session 73).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../central/console/index.js';
import { deep, servedRoutes, withField, WRONG_VALUES } from '../support/route-list.js';
import { ADMIN_PASSWORD, ConsoleClient, missingForConsole, startConsoleEnv, type ConsoleEnv } from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the console route matrix: ${missing}`);

const ROLES = ['admin', 'supervisor', 'operator', 'analyst'] as const;
type Role = (typeof ROLES)[number];
/** Callers who must be refused every route that is not public. */
const STRANGERS = [
  'nobody',
  'forged-session',
  'expired-session',
  'removed-operator-session',
  'password-changed-session',
  'logged-out-session',
] as const;
type Caller = Role | (typeof STRANGERS)[number];
const CALLERS: readonly Caller[] = [...ROLES, ...STRANGERS];

interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  pattern: string;
  /** Ids nothing has and bodies that fail validation: nothing is changed. */
  url: string;
  body?: unknown;
  allowed: 'public' | readonly Caller[];
  stream?: true;
}

const LOGGED_IN: readonly Caller[] = ROLES;
const OPERATOR: readonly Caller[] = ['operator', 'supervisor', 'admin'];
const SUPERVISOR: readonly Caller[] = ['supervisor', 'admin'];
const ADMIN: readonly Caller[] = ['admin'];
const REPORT: readonly Caller[] = ['analyst', 'supervisor', 'admin'];

function get(pattern: string, allowed: Route['allowed'], url = pattern, stream?: true): Route[] {
  return [
    { method: 'GET', pattern, url, allowed, ...(stream ? { stream } : {}) },
    { method: 'HEAD', pattern, url, allowed, ...(stream ? { stream } : {}) },
  ];
}

/** THE table: every route of the console and who may call it (central/console/app.ts, `ROLES_FOR`). */
const ROUTES: Route[] = [
  ...get('/', LOGGED_IN),
  ...get('/login', 'public'),
  ...get('/alerts', OPERATOR),
  ...get('/hubs', SUPERVISOR),
  ...get('/council', REPORT),
  ...get('/operators', ADMIN),
  ...get('/assets/:file', 'public', '/assets/style.css'),
  ...get('/api/health', 'public'),
  ...get('/api/me', LOGGED_IN),
  { method: 'POST', pattern: '/api/me/password', url: '/api/me/password', body: {}, allowed: LOGGED_IN },
  { method: 'POST', pattern: '/api/login', url: '/api/login', body: {}, allowed: 'public' },
  ...get('/api/alerts', OPERATOR),
  ...get('/api/alerts/stream', OPERATOR, '/api/alerts/stream', true),
  ...get('/api/alerts/:hubId/:alertId', OPERATOR, '/api/alerts/no-hub/no-alert'),
  {
    method: 'POST',
    pattern: '/api/alerts/:hubId/:alertId/ack',
    url: '/api/alerts/no-hub/no-alert/ack',
    allowed: OPERATOR,
  },
  {
    method: 'POST',
    pattern: '/api/alerts/:hubId/:alertId/resolve',
    url: '/api/alerts/no-hub/no-alert/resolve',
    body: {},
    allowed: OPERATOR,
  },
  ...get('/api/hubs', SUPERVISOR),
  {
    method: 'PUT',
    pattern: '/api/hubs/:hubId/council',
    url: '/api/hubs/no-hub/council',
    body: {},
    allowed: SUPERVISOR,
  },
  ...get('/api/reports/council', REPORT),
  ...get('/api/operators', ADMIN),
  { method: 'POST', pattern: '/api/operators', url: '/api/operators', body: {}, allowed: ADMIN },
  { method: 'DELETE', pattern: '/api/operators/:username', url: '/api/operators/no-such-operator', allowed: ADMIN },
  {
    method: 'PUT',
    pattern: '/api/operators/:username/council',
    url: '/api/operators/no-such-operator/council',
    body: {},
    allowed: ADMIN,
  },
  ...get('/api/audit', ADMIN),
  // Last: it ends the session it is sent with.
  { method: 'POST', pattern: '/api/logout', url: '/api/logout', allowed: 'public' },
];

const PASSWORD = 'a-long-password-1';

/** A valid body of each write route (as the admin), whose fields are spoilt one at a time. */
const WRITE_BODIES: { method: 'POST' | 'PUT'; url: string; body: Record<string, unknown> }[] = [
  { method: 'POST', url: '/api/login', body: { username: 'admin', password: 'not-the-password' } },
  {
    method: 'POST',
    url: '/api/me/password',
    body: { currentPassword: 'not-the-password', newPassword: 'another-long-password' },
  },
  {
    method: 'POST',
    url: '/api/alerts/no-hub/no-alert/resolve',
    body: { outcome: 'false-alarm', note: 'pressed by mistake' },
  },
  { method: 'PUT', url: '/api/hubs/no-hub/council', body: { council: 'North' } },
  { method: 'POST', url: '/api/operators', body: { username: 'probe-op', role: 'operator', password: PASSWORD } },
  { method: 'PUT', url: '/api/operators/no-such-operator/council', body: { council: 'North' } },
];
type Outcome = 'let in' | 'no login' | 'wrong role';

describe.skipIf(missing !== undefined)('the centre console: every route × every caller, over real HTTP', () => {
  let env: ConsoleEnv;
  const cookies = {} as Record<Caller, string>;

  async function loggedIn(username: string, role: Role, council?: string): Promise<ConsoleClient> {
    await createOperator(env.pool, { username, role, password: PASSWORD, ...(council ? { council } : {}) });
    const client = new ConsoleClient(env.url);
    const res = await client.login(username, PASSWORD);
    if (res.status !== 200) throw new Error(`${username} could not log in: ${res.status}`);
    return client;
  }

  beforeAll(async () => {
    env = await startConsoleEnv();
    const admin = new ConsoleClient(env.url);
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    cookies.admin = admin.cookie;
    cookies.supervisor = (await loggedIn('matrix-supervisor', 'supervisor')).cookie;
    cookies.operator = (await loggedIn('matrix-operator', 'operator')).cookie;
    cookies.analyst = (await loggedIn('matrix-analyst', 'analyst', 'North')).cookie;
    cookies.nobody = '';
    cookies['forged-session'] = `central_session=${'A'.repeat(43)}`;

    const late = await loggedIn('matrix-late', 'admin');
    cookies['expired-session'] = late.cookie;
    const idHash = createHash('sha256').update(late.cookie.split('=')[1]!).digest('base64url');
    const expired = await env.pool.query(
      "UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1",
      [idHash],
    );
    if (expired.rowCount !== 1) throw new Error('the session to expire was not found');

    cookies['removed-operator-session'] = (await loggedIn('matrix-leaver', 'admin')).cookie;
    const removed = await admin.request('DELETE', '/api/operators/matrix-leaver');
    if (removed.status !== 204) throw new Error(`leaver not removed: ${removed.status}`);

    const changer = await loggedIn('matrix-changer', 'admin');
    cookies['password-changed-session'] = changer.cookie;
    const second = new ConsoleClient(env.url);
    await second.login('matrix-changer', PASSWORD);
    const changed = await second.request('POST', '/api/me/password', {
      currentPassword: PASSWORD,
      newPassword: `${PASSWORD}-2`,
    });
    if (changed.status !== 204) throw new Error(`password not changed: ${changed.status}`);

    const outgoing = await loggedIn('matrix-outgoing', 'admin');
    cookies['logged-out-session'] = outgoing.cookie;
    if ((await outgoing.request('POST', '/api/logout')).status !== 204) throw new Error('not logged out');
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  async function tryRoute(route: Route, caller: Caller): Promise<{ outcome: Outcome; answer: string }> {
    const controller = new AbortController();
    const res = await fetch(`${env.url}${route.url}`, {
      method: route.method,
      redirect: 'manual',
      signal: controller.signal,
      headers: {
        ...(cookies[caller] ? { cookie: cookies[caller] } : {}),
        ...(route.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(route.body !== undefined ? { body: JSON.stringify(route.body) } : {}),
    });
    const location = res.headers.get('location') ?? '';
    let body = '';
    if (route.stream && res.status === 200 && route.method === 'GET') controller.abort();
    else body = await res.text();
    const answer = `${res.status} ${location} ${body.slice(0, 100)}`;
    // The login page sends one logged in on: a public route lets everyone in, wherever it sends them.
    if (route.allowed === 'public' && res.status !== 401 && res.status !== 403) return { outcome: 'let in', answer };
    if (res.status === 401 || (res.status === 302 && location.startsWith('/login?'))) {
      return { outcome: 'no login', answer };
    }
    if (res.status === 403 || (res.status === 302 && location === '/')) return { outcome: 'wrong role', answer };
    return { outcome: 'let in', answer };
  }

  it('the table names every route the console has, and no other', () => {
    const inTable = [...new Set(ROUTES.map((r) => `${r.method} ${r.pattern}`))].sort();
    expect(inTable).toEqual(servedRoutes(env.console.app));
  });

  it('answers a HEAD of the alert stream with its headers', async () => {
    // Before session 73 no answer ever came (Node sends a HEAD's headers only when it ends): the request hung.
    const res = await fetch(`${env.url}/api/alerts/stream`, { method: 'HEAD', headers: { cookie: cookies.operator } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(await res.text()).toBe('');
  }, 20_000);

  it('lets in exactly the callers each route allows; strangers get no login, other roles a refusal', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const route of ROUTES) {
      for (const caller of CALLERS) {
        const { outcome, answer } = await tryRoute(route, caller);
        const allowed = route.allowed === 'public' || route.allowed.includes(caller);
        const want: Outcome = allowed
          ? 'let in'
          : (STRANGERS as readonly Caller[]).includes(caller)
            ? 'no login'
            : 'wrong role';
        checked++;
        if (outcome !== want) wrong.push(`${route.method} ${route.pattern} as ${caller}: want ${want}, got ${answer}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(ROUTES.length * CALLERS.length);
  }, 120_000);

  it('answers bad bodies on every write route 4xx with the error body, never 500, and serves on', async () => {
    // A session of its own: the matrix above ended the admin's with its logout.
    const admin = new ConsoleClient(env.url);
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    const problems: string[] = [];
    let sent = 0;
    const send = async (method: string, url: string, raw: string, label: string): Promise<void> => {
      const res = await fetch(`${env.url}${url}`, {
        method,
        headers: { cookie: admin.cookie, 'content-type': 'application/json' },
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
      // 401 only from the login route and the current password's check: the session must stay valid throughout.
      const loggedOut = res.status === 401 && url !== '/api/login' && url !== '/api/me/password';
      if (res.status < 400 || res.status >= 500 || !errorBody || loggedOut)
        problems.push(`${label}: ${res.status} ${text.slice(0, 160)}`);
    };
    for (const { method, url, body } of WRITE_BODIES) {
      for (const whole of ['[]', '1', '"text"', 'null', deep(20_000)])
        await send(method, url, whole, `${method} ${url} = ${whole.slice(0, 10)}`);
      await send(method, url, '{"a":', `${method} ${url} cut short`);
      await send(method, url, JSON.stringify({ ...body, pad: 'x'.repeat(70 * 1024) }), `${method} ${url} over 64 KiB`);
      for (const field of Object.keys(body)) {
        for (const wrong of WRONG_VALUES) {
          await send(method, url, withField(body, field, wrong), `${method} ${url} ${field}=${wrong.slice(0, 20)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(100);
    expect((await fetch(`${env.url}/api/health`)).status).toBe(200);
    // No spoilt body made an operator (before session 73, `"username": true` made one called "true").
    const operators = (await admin.json('GET', '/api/operators')).body as { username: string }[];
    expect(operators.map((o) => o.username).filter((name) => !name.startsWith('matrix-') && name !== 'admin')).toEqual(
      [],
    );
  }, 120_000);
});
