// State-changing requests over HTTP: the Origin / Sec-Fetch-Site rules and JSON-only bodies, request by request.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, raiseAlert, startDashboard, usersOnce, type Dashboard } from './support.js';

// The admin's login once for the file (a scrypt hash and a check); each test's dashboard on a fresh copy.
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

const HOST = 'hub.local:8080';

const KINDS = ['pendant', 'smoke', 'fall', 'flood', 'co', 'gas'] as const;
let raised = 0;

/** Raises a fresh alert (another kind each time: one kind per home stays one open alert) and acknowledges it. */
async function ack(d: Dashboard, headers: Record<string, string>, payload?: string) {
  const alert = raiseAlert(d.alerts, d.deps.clock!, { kind: KINDS[raised++ % KINDS.length] });
  const res = await d.app.inject({
    method: 'POST',
    url: `/api/alerts/${alert.id}/ack`,
    headers: { host: HOST, ...headers },
    payload,
  });
  return { res, state: d.alerts.get(alert.id)!.state };
}

describe('a cookie-authenticated state change', () => {
  it('from another origin of the same host (Origin or Sec-Fetch-Site) is refused 403 and changes nothing', async () => {
    dashboard = await startDashboard({ from: users.db });
    const cookie = users.cookies.admin!;
    const json = { 'content-type': 'application/json' };
    const attempts: Record<string, string>[] = [
      { origin: 'http://hub.local:8081' },
      { origin: 'https://evil.invalid' },
      { origin: 'null' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site', origin: `http://${HOST}` },
    ];
    for (const headers of attempts) {
      const { res, state } = await ack(dashboard, { cookie, ...json, ...headers }, '{}');
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().error).toBe('CROSS_SITE_REQUEST');
      expect(state).toBe('raised');
    }
  });

  it('from the hub page itself, or from a program sending neither header, goes through', async () => {
    dashboard = await startDashboard({ from: users.db });
    const cookie = users.cookies.admin!;
    const attempts: Record<string, string>[] = [
      { origin: `http://${HOST}` },
      { 'sec-fetch-site': 'same-origin', origin: `http://${HOST}` },
      {},
    ];
    for (const headers of attempts) {
      const { res, state } = await ack(dashboard, { cookie, ...headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
      expect(state).toBe('acknowledged');
    }
  });

  it('with a body that is not JSON (text/plain, a form) is refused 415, even from the hub page', async () => {
    dashboard = await startDashboard({ from: users.db });
    const cookie = users.cookies.admin!;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const { res, state } = await ack(
        dashboard,
        { cookie, origin: `http://${HOST}`, 'content-type': type },
        '{"a":1}',
      );
      expect(res.statusCode, type).toBe(415);
      expect(res.json().error).toBe('JSON_REQUIRED');
      expect(state).toBe('raised');
    }
  });

  it('from an origin the installer trusts (a reverse proxy) goes through', async () => {
    dashboard = await startDashboard({ from: users.db, trustedOrigins: ['https://care.example.org'] });
    const cookie = users.cookies.admin!;
    const { res } = await ack(dashboard, { cookie, origin: 'https://care.example.org' });
    expect(res.statusCode).toBe(200);
  });

  it('a login posted from another origin is refused too (no logging a victim into an attacker account)', async () => {
    dashboard = await startDashboard({ from: users.db });
    const res = await dashboard.app.inject({
      method: 'POST',
      url: '/api/login',
      headers: { host: HOST, origin: 'http://hub.local:9999' },
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('a program with an API token', () => {
  it('keeps working whatever Origin it sends, since a browser never adds the token by itself', async () => {
    dashboard = await startDashboard({ from: users.db });
    const cookie = users.cookies.admin!;
    const created = await dashboard.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie },
      payload: { name: 'arc', role: 'responder' },
    });
    const authorization = `Bearer ${created.json().token}`;
    const { res, state } = await ack(dashboard, { authorization, origin: 'https://arc.example.net' });
    expect(res.statusCode).toBe(200);
    expect(state).toBe('acknowledged');
  });
});
