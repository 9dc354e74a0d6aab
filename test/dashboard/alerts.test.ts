// Responders act on alerts through the API: list the open ones, acknowledge, resolve with an outcome; mistakes get a clear 4xx.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { raiseAlert, startDashboard, usersOnce, type Dashboard } from './support.js';

const START = Date.UTC(2026, 10, 22, 9, 0, 0);
let users: Awaited<ReturnType<typeof usersOnce>>;
let dashboard: Dashboard;
let responder: string;
let clock: FakeClock;

// The users and their logins once for the file (each a scrypt hash or check); each test's dashboard on a fresh copy.
beforeAll(async () => {
  users = await usersOnce(
    [
      ['responder', 'sam'],
      ['analyst', 'analyst1'],
      ['admin', 'boss'],
    ],
    new FakeClock(START),
  );
});
afterAll(() => users?.remove());

beforeEach(async () => {
  clock = new FakeClock(START);
  dashboard = await startDashboard({ clock, from: users.db });
  responder = users.cookies.sam!;
});
afterEach(async () => dashboard.close());

const post = (url: string, cookie: string, payload?: object) =>
  dashboard.app.inject({ method: 'POST', url, headers: { cookie }, ...(payload ? { payload } : {}) });

describe('the alert list', () => {
  it('shows open alerts only when asked for state=open', async () => {
    const pendant = raiseAlert(dashboard.alerts, clock, { kind: 'pendant' });
    const smoke = raiseAlert(dashboard.alerts, clock, { kind: 'smoke', homeId: 'h2' });
    await post(`/api/alerts/${smoke.id}/resolve`, responder, { outcome: 'false-alarm', note: 'toast' });

    const open = await dashboard.app.inject({ url: '/api/alerts?state=open', headers: { cookie: responder } });
    expect(open.statusCode).toBe(200);
    expect(open.json().map((a: { id: string }) => a.id)).toEqual([pendant.id]);
    const all = await dashboard.app.inject({ url: '/api/alerts', headers: { cookie: responder } });
    expect(all.json()).toHaveLength(2);
    expect(all.json()[0]).toMatchObject({
      homeId: expect.any(String),
      kind: expect.any(String),
      detail: expect.any(Object),
    });

    const bad = await dashboard.app.inject({ url: '/api/alerts?state=sleeping', headers: { cookie: responder } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('BAD_REQUEST');
  });
});

describe('acknowledging and resolving', () => {
  it('records who acknowledged, then the outcome and note of the resolution', async () => {
    const alert = raiseAlert(dashboard.alerts, clock);
    clock.advanceBy(20_000);
    const ack = await post(`/api/alerts/${alert.id}/ack`, responder);
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ id: alert.id, state: 'acknowledged', acknowledgedBy: 'sam' });

    const resolved = await post(`/api/alerts/${alert.id}/resolve`, responder, {
      outcome: 'assisted-at-home',
      note: 'helped up from chair',
    });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({
      state: 'resolved',
      outcome: 'assisted-at-home',
      note: 'helped up from chair',
    });
    expect(dashboard.alerts.get(alert.id)?.state).toBe('resolved');
  });

  it('an API token acts under its own name', async () => {
    const alert = raiseAlert(dashboard.alerts, clock);
    const admin = users.cookies.boss!;
    const token = (await post('/api/tokens', admin, { name: 'arc-platform', role: 'responder' })).json()
      .token as string;
    const ack = await dashboard.app.inject({
      method: 'POST',
      url: `/api/alerts/${alert.id}/ack`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ack.json().acknowledgedBy).toBe('token:arc-platform');
  });

  it('an unknown alert is a 404, a second acknowledgement a 409, an unknown outcome a 400; none changes anything', async () => {
    const alert = raiseAlert(dashboard.alerts, clock);

    const unknown = await post('/api/alerts/no-such-alert/ack', responder);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toBe('ALERT_NOT_FOUND');

    await post(`/api/alerts/${alert.id}/ack`, responder);
    const version = dashboard.alerts.get(alert.id)!.version;
    const again = await post(`/api/alerts/${alert.id}/ack`, responder);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toBe('ALERT_WRONG_STATE');
    expect(again.json().message.length).toBeGreaterThan(10);

    const badOutcome = await post(`/api/alerts/${alert.id}/resolve`, responder, { outcome: 'teleported', note: null });
    expect(badOutcome.statusCode).toBe(400);
    expect(badOutcome.json().error).toBe('BAD_OUTCOME');
    expect(badOutcome.json().message).toContain('teleported');

    const noOutcome = await post(`/api/alerts/${alert.id}/resolve`, responder, { note: 'x' });
    expect(noOutcome.statusCode).toBe(400);
    expect(noOutcome.json().message).toContain('outcome');

    expect(dashboard.alerts.get(alert.id)).toMatchObject({ state: 'acknowledged', version });

    await post(`/api/alerts/${alert.id}/resolve`, responder, { outcome: 'no-action-needed' });
    const resolveTwice = await post(`/api/alerts/${alert.id}/resolve`, responder, { outcome: 'other' });
    expect(resolveTwice.statusCode).toBe(409);
    expect(dashboard.alerts.get(alert.id)?.outcome).toBe('no-action-needed');
  });
});

describe('callers who may not act on alerts', () => {
  it('an analyst, an installer token and a visitor without login are refused and change nothing', async () => {
    const alert = raiseAlert(dashboard.alerts, clock);
    const analyst = users.cookies.analyst1!;
    const admin = users.cookies.boss!;
    const installerToken = (await post('/api/tokens', admin, { name: 'fitter', role: 'installer' })).json()
      .token as string;

    expect((await post(`/api/alerts/${alert.id}/ack`, analyst)).statusCode).toBe(403);
    const byToken = await dashboard.app.inject({
      method: 'POST',
      url: `/api/alerts/${alert.id}/resolve`,
      headers: { authorization: `Bearer ${installerToken}` },
      payload: { outcome: 'other' },
    });
    expect(byToken.statusCode).toBe(403);
    expect((await dashboard.app.inject({ method: 'POST', url: `/api/alerts/${alert.id}/ack` })).statusCode).toBe(401);
    expect(dashboard.alerts.get(alert.id)).toMatchObject({
      state: 'raised',
      version: alert.version,
      acknowledgedBy: null,
    });
  });
});

describe('without an alert service', () => {
  it('alert routes answer 503 with a clear message', async () => {
    const bare = await startDashboard({ alerts: undefined, from: users.db });
    try {
      const res = await bare.app.inject({ url: '/api/alerts', headers: { cookie: responder } });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toBe('ALERTS_UNAVAILABLE');
    } finally {
      await bare.close();
    }
  });
});
