// HTTP hardening: health says little to strangers, the API docs have a CSP, refused intake bodies are counted.
import fs from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HSTS_MAX_AGE_S } from '../../dashboard/answer-headers.js';
import { FakeClock } from '../../hub/clock.js';
import { DeviceIndex } from '../../hub/config.js';
import { Ingest } from '../../hub/ingest.js';
import { silentLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { listenLocally, startDashboard, testConfig, usersOnce, type Dashboard } from './support.js';
import { selfSignedPair } from '../support/tls.js';

// The admin's login once for the file (a scrypt hash and a check); each test's dashboards on fresh copies.
let users: Awaited<ReturnType<typeof usersOnce>>;
beforeAll(async () => {
  users = await usersOnce([]);
});
afterAll(() => users?.remove());

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

describe('GET /api/health', () => {
  it('says only ok without a login; the details need one', async () => {
    dashboard = await startDashboard({
      from: users.db,
      health: () => ({ homes: 2, mqtt: { mode: 'embedded', clients: 3 } }),
    });
    const anonymous = await dashboard.app.inject('/api/health');
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toEqual({ status: 'ok' });
    const cookie = users.cookies.admin!;
    const detailed = await dashboard.app.inject({ url: '/api/health', headers: { cookie } });
    // The hub's pid too, to admin: the devices page's reload command (review, session 67).
    expect(detailed.json()).toEqual({
      status: 'ok',
      homes: 2,
      mqtt: { mode: 'embedded', clients: 3 },
      pid: process.pid,
    });
  });
});

describe('answers that carry personal data', () => {
  it('are never kept in a browser or proxy cache and never sniffed as another type', async () => {
    dashboard = await startDashboard({ from: users.db });
    const cookie = users.cookies.admin!;
    for (const url of [
      '/api/alerts?state=open',
      '/api/homes',
      '/api/me',
      '/api/reports/prevention?from=2026-11-01&to=2026-11-21&format=csv',
      '/api/alerts/no-such-alert',
    ]) {
      const res = await dashboard.app.inject({ url, headers: { cookie } });
      expect({ url, cache: res.headers['cache-control'], sniff: res.headers['x-content-type-options'] }).toEqual({
        url,
        cache: 'no-store',
        sniff: 'nosniff',
      });
    }
  });
});

describe('a dashboard served over HTTPS', () => {
  it('tells browsers to keep to HTTPS on every answer, pages and API alike; over plain HTTP it says nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-hsts-'));
    try {
      const pair = selfSignedPair(dir);
      dashboard = await startDashboard({ from: users.db, dir, https: { cert: pair.cert, key: pair.key } });
      const port = await listenLocally(dashboard.app);
      for (const route of ['/api/health', '/login', '/api/alerts?state=open', '/assets/style.css']) {
        const res = await httpsGet(port, pair.cert, route);
        expect({ route, hsts: res.headers['strict-transport-security'] }).toEqual({
          route,
          hsts: `max-age=${String(HSTS_MAX_AGE_S)}`,
        });
      }
    } finally {
      await dashboard?.close();
      dashboard = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // Behind a TLS proxy (HUB_SECURE_COOKIES=1) the same; a plain-HTTP dashboard sends none.
    dashboard = await startDashboard({ from: users.db, secureCookies: true });
    expect((await dashboard.app.inject('/api/health')).headers['strict-transport-security']).toBe(
      `max-age=${String(HSTS_MAX_AGE_S)}`,
    );
    await dashboard.close();
    dashboard = await startDashboard({ from: users.db });
    expect((await dashboard.app.inject('/api/health')).headers['strict-transport-security']).toBeUndefined();
  });
});

function httpsGet(port: number, ca: Buffer, route: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: route, ca }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
      })
      .on('error', reject);
  });
}

describe('the live alert stream', () => {
  it('is never kept in a browser or proxy cache either (it carries every alert), and never sniffed', async () => {
    dashboard = await startDashboard({ from: users.db });
    const cookie = users.cookies.admin!;
    const base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
    const abort = new AbortController();
    const res = await fetch(`${base}/api/alerts/stream`, { headers: { cookie }, signal: abort.signal });
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('cache-control')).toMatch(/^no-store\b/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      abort.abort();
      await res.body?.cancel().catch(() => undefined);
    }
  });
});

describe('the API docs', () => {
  it('are served with a content security policy that allows only the hub itself and no framing', async () => {
    dashboard = await startDashboard({ from: users.db });
    const cookie = users.cookies.admin!;
    for (const url of ['/docs/', '/docs/static/index.html', '/docs/json']) {
      const res = await dashboard.app.inject({ url, headers: { cookie } });
      const csp = res.headers['content-security-policy'] ?? '';
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).not.toMatch(/https:|upgrade-insecure-requests|validator/);
    }
  });
});

describe('POST /api/events refused before ingest', () => {
  it('counts too large, bad JSON and non-JSON bodies in telecare_ingest_rejected_total', async () => {
    const metrics = createMetricsRegistry();
    const config = testConfig();
    // The hub's real ingest owns the counter.
    new Ingest({ config, index: new DeviceIndex(config), clock: new FakeClock(), logger: silentLogger, metrics });
    dashboard = await startDashboard({ from: users.db, metrics });
    const cookie = users.cookies.admin!;
    const post = (payload: string, type = 'application/json') =>
      dashboard!.app.inject({ method: 'POST', url: '/api/events', headers: { cookie, 'content-type': type }, payload });

    expect((await post(JSON.stringify({ homeId: 'h1', pad: 'x'.repeat(70 * 1024) }))).statusCode).toBe(413);
    expect((await post('{"homeId":')).statusCode).toBe(400);
    expect((await post('{"homeId":"h1"}', 'text/plain')).statusCode).toBe(415);
    expect((await post('{"homeId":"h1","deviceId":"p1","type":"pendant","value":true}')).statusCode).toBe(202);

    const text = await metrics.metrics();
    const count = (reason: string) =>
      Number(new RegExp(`telecare_ingest_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1]);
    expect(count('too-large')).toBe(1);
    expect(count('bad-json')).toBe(2);
  });
});
