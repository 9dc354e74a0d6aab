// A device that speaks only HTTP gets an API token of the `device` role, scoped to homes: it may post events for those
// homes and nothing else (review, session 62). A real hub in-process (real SQLite in a temp folder), over real HTTP.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { tempDir } from '../hub/helpers.js';
import { ADMIN_PASSWORD, login, startDashboard } from './support.js';

let dir: string;
let hub: RunningHub;
let base: string;
let adminCookie: string;
let gatewayToken: string;

const TWO_HOMES = {
  homes: [
    {
      id: 'h1',
      residents: [{ id: 'r1' }],
      devices: [
        { id: 'p1', kind: 'pendant', room: 'living' },
        { id: 'hall-pir', kind: 'motion', room: 'hall' },
      ],
    },
    { id: 'h2', residents: [{ id: 'r2' }], devices: [{ id: 'p2', kind: 'pendant', room: 'bedroom' }] },
  ],
};

/** A request to the hub over HTTP as a program sends it: a bearer token, JSON, no Origin. */
async function call(
  method: string,
  url: string,
  auth: { token?: string; cookie?: string },
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> & { error?: string; message?: string }; text: string }> {
  const headers: Record<string, string> = {};
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.cookie) {
    headers.cookie = auth.cookie;
    headers.origin = base;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${url}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  // An endless stream answered 200 is never read to its end (this file's device is refused it).
  const streaming = res.status === 200 && res.headers.get('content-type')?.startsWith('text/event-stream');
  if (streaming) await res.body?.cancel();
  const text = streaming ? '' : await res.text();
  let json = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (a page, metrics)
  }
  return { status: res.status, json, text };
}

async function makeToken(body: Record<string, unknown>) {
  return call('POST', '/api/tokens', { cookie: adminCookie }, body);
}

async function refusedForHome(): Promise<number> {
  const metric = await hub.metrics.getSingleMetric('telecare_ingest_rejected_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'home-not-allowed')?.value ?? 0;
}

const heartbeat = (homeId: string, deviceId: string) => ({ homeId, deviceId, type: 'heartbeat', value: true });

beforeAll(async () => {
  dir = tempDir('device-token');
  hub = await startTestHub(parseHubConfig(TWO_HOMES), dir);
  base = dashboardUrl(hub);
  adminCookie = await adminSession(hub);
  const made = await makeToken({ name: 'gateway-h1', role: 'device', homes: ['h1'] });
  expect(made.status, made.text).toBe(201);
  expect(made.json).toMatchObject({ name: 'gateway-h1', role: 'device', homes: ['h1'] });
  gatewayToken = made.json.token as string;
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('an API token of the device role', () => {
  it("posts events for its own home: they are stored as the hub's HTTP input", async () => {
    const res = await call('POST', '/api/events', { token: gatewayToken }, [
      heartbeat('h1', 'p1'),
      { homeId: 'h1', deviceId: 'hall-pir', type: 'motion', value: true },
    ]);
    expect(res.status, res.text).toBe(202);
    expect(res.json).toEqual({ accepted: 2 });
    const stored = hub.store.eventsAfter(0).filter((e) => e.source === 'http');
    expect(stored.map((e) => [e.homeId, e.deviceId, e.type])).toEqual([
      ['h1', 'p1', 'heartbeat'],
      ['h1', 'hall-pir', 'motion'],
    ]);
  });

  it('is refused events of another home with 403 FORBIDDEN_HOME, nothing stored, counted as an ingest refusal', async () => {
    const storedBefore = hub.store.eventsAfter(0).length;
    const countedBefore = await refusedForHome();
    const alone = await call('POST', '/api/events', { token: gatewayToken }, heartbeat('h2', 'p2'));
    expect(alone.status, alone.text).toBe(403);
    expect(alone.json.error).toBe('FORBIDDEN_HOME');
    expect(alone.json.message).toContain("'h2'");
    // One event of another home in a body refuses the whole body (all or nothing, as for any refused event).
    const mixed = await call('POST', '/api/events', { token: gatewayToken }, [
      heartbeat('h1', 'p1'),
      heartbeat('h2', 'p2'),
    ]);
    expect(mixed.status, mixed.text).toBe(403);
    expect(mixed.json.error).toBe('FORBIDDEN_HOME');
    expect(mixed.json.message).toMatch(/^event 1: .*'h2'.*nothing stored/);
    // A home not configured at all is another home too: the token may not fill the unassigned list of other homes.
    const unknown = await call('POST', '/api/events', { token: gatewayToken }, heartbeat('h9', 'x1'));
    expect(unknown.status, unknown.text).toBe(403);
    expect(hub.store.eventsAfter(0).length).toBe(storedBefore);
    expect((await refusedForHome()) - countedBefore).toBe(3);
  });

  it('is refused every other route with 403 FORBIDDEN_ROLE: no home, device, activity, alert, report or admin data', async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/homes'],
      ['GET', '/api/homes/h1/activity?from=2026-11-01&to=2026-11-07'],
      ['GET', '/api/devices/unassigned'],
      ['GET', '/api/alerts?state=open'],
      ['GET', '/api/alerts/stream'],
      ['POST', '/api/alerts/any/ack', {}],
      ['POST', '/api/alerts/any/resolve', { outcome: 'false-alarm' }],
      ['GET', '/api/reports/prevention?from=2026-08-01&to=2026-10-31'],
      ['GET', '/metrics'],
      ['GET', '/api/users'],
      ['POST', '/api/users', { username: 'x', password: 'a-long-enough-password', role: 'admin' }],
      ['GET', '/api/tokens'],
      ['POST', '/api/tokens', { name: 'more', role: 'admin' }],
      ['DELETE', '/api/tokens/none'],
      ['GET', '/api/me'],
      [
        'POST',
        '/api/me/password',
        { currentPassword: 'a-long-enough-password', newPassword: 'b-long-enough-password' },
      ],
      ['GET', '/docs/json'],
      ['GET', '/'],
      ['GET', '/console'],
      ['GET', '/devices'],
      ['GET', '/home'],
      ['GET', '/council'],
    ];
    for (const [method, url, body] of routes) {
      const res = await call(method, url, { token: gatewayToken }, body);
      const label = `${method} ${url} → ${res.status} ${res.text.slice(0, 160)}`;
      expect(res.status, label).toBe(403);
      expect(res.json.error, label).toBe('FORBIDDEN_ROLE');
      expect(res.json.message, label).toContain("'device'");
    }
    // Health answers anyone, and a device token learns no more than a stranger.
    const health = await call('GET', '/api/health', { token: gatewayToken });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    const login = await call('GET', '/login', { token: gatewayToken });
    expect(login.status, login.text).toBeLessThan(500);
  });

  it('is listed to the admin with its homes, and stops working once revoked', async () => {
    const other = await makeToken({ name: 'scraper', role: 'responder' });
    expect(other.status, other.text).toBe(201);
    const list = await call('GET', '/api/tokens', { cookie: adminCookie });
    expect(list.status).toBe(200);
    const tokens = list.json as unknown as { id: string; name: string; role: string; homes?: string[] | null }[];
    const gateway = tokens.find((t) => t.name === 'gateway-h1')!;
    expect(gateway).toMatchObject({ role: 'device', homes: ['h1'] });
    expect(tokens.find((t) => t.name === 'scraper')!.homes ?? null).toBeNull();

    const made = await makeToken({ name: 'gateway-lost', role: 'device', homes: ['h1', 'h2'] });
    expect(made.status, made.text).toBe(201);
    const lost = made.json.token as string;
    expect((await call('POST', '/api/events', { token: lost }, heartbeat('h2', 'p2'))).status).toBe(202);
    const id = made.json.id as string;
    expect((await call('DELETE', `/api/tokens/${id}`, { cookie: adminCookie })).status).toBe(204);
    const after = await call('POST', '/api/events', { token: lost }, heartbeat('h2', 'p2'));
    expect(after.status).toBe(401);
    expect(after.json.error).toBe('BAD_TOKEN');
  });

  it('is made only with the homes it serves, and only tokens take the role', async () => {
    const noHomes = await makeToken({ name: 'gateway-nohomes', role: 'device' });
    expect(noHomes.status, noHomes.text).toBe(400);
    expect(noHomes.json.message).toMatch(/homes/);
    const empty = await makeToken({ name: 'gateway-empty', role: 'device', homes: [] });
    expect(empty.status, empty.text).toBe(400);
    const badId = await makeToken({ name: 'gateway-bad', role: 'device', homes: ['h1/#'] });
    expect(badId.status, badId.text).toBe(400);
    // Homes scope a device only: an installer's token with homes would look scoped and not be.
    const scopedInstaller = await makeToken({ name: 'installer-h1', role: 'installer', homes: ['h1'] });
    expect(scopedInstaller.status, scopedInstaller.text).toBe(400);
    expect(scopedInstaller.json.message).toMatch(/device/);
    // Nobody logs in as a device: a dashboard user of that role cannot be made.
    const user = await call(
      'POST',
      '/api/users',
      { cookie: adminCookie },
      {
        username: 'gw',
        password: 'a-long-enough-password',
        role: 'device',
      },
    );
    expect(user.status, user.text).toBe(400);
    const names = (
      (await call('GET', '/api/tokens', { cookie: adminCookie })).json as unknown as { name: string }[]
    ).map((t) => t.name);
    expect(names).not.toContain('gateway-nohomes');
    expect(names).not.toContain('installer-h1');
  });

  it('is held to its homes by the events route itself, whatever takes the events in', async () => {
    // The dashboard around a stand-in intake that takes anything (test/dashboard/support.ts): the route refuses first.
    const dashboard = await startDashboard();
    try {
      const cookie = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
      const made = await dashboard.app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: { cookie },
        payload: { name: 'gateway-h1', role: 'device', homes: ['h1'] },
      });
      expect(made.statusCode, made.body).toBe(201);
      const authorization = `Bearer ${made.json<{ token: string }>().token}`;
      const post = (payload: object) =>
        dashboard.app.inject({ method: 'POST', url: '/api/events', headers: { authorization }, payload });
      expect((await post([heartbeat('h1', 'p1'), heartbeat('h2', 'p2')])).statusCode).toBe(403);
      expect(dashboard.ingested).toEqual([]);
      expect((await post(heartbeat('h1', 'p1'))).statusCode).toBe(202);
      expect(dashboard.ingested).toEqual([heartbeat('h1', 'p1')]);
    } finally {
      await dashboard.close();
    }
  });
});
