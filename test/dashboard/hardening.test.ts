// HTTP hardening: health says little to strangers, the API docs have a CSP, refused intake bodies are counted.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { DeviceIndex } from '../../hub/config.js';
import { Ingest } from '../../hub/ingest.js';
import { silentLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { ADMIN_PASSWORD, listenLocally, login, startDashboard, testConfig, type Dashboard } from './support.js';

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

describe('GET /api/health', () => {
  it('says only ok without a login; the details need one', async () => {
    dashboard = await startDashboard({ health: () => ({ homes: 2, mqtt: { mode: 'embedded', clients: 3 } }) });
    const anonymous = await dashboard.app.inject('/api/health');
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toEqual({ status: 'ok' });
    const cookie = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    const detailed = await dashboard.app.inject({ url: '/api/health', headers: { cookie } });
    expect(detailed.json()).toEqual({ status: 'ok', homes: 2, mqtt: { mode: 'embedded', clients: 3 } });
  });
});

describe('answers that carry personal data', () => {
  it('are never kept in a browser or proxy cache and never sniffed as another type', async () => {
    dashboard = await startDashboard();
    const cookie = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
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

describe('the live alert stream', () => {
  it('is never kept in a browser or proxy cache either (it carries every alert), and never sniffed', async () => {
    dashboard = await startDashboard();
    const cookie = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
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
    dashboard = await startDashboard();
    const cookie = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
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
    dashboard = await startDashboard({ metrics });
    const cookie = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
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
