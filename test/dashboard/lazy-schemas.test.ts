// Route schemas compiled on first use, not at start (dashboard/lazy-schemas.ts): none compiled when the app is ready,
// and each route still validates, coerces, fills defaults and serialises as Fastify's own compilers do once asked.
import { afterEach, describe, expect, it } from 'vitest';
import { lazySchemaCounts } from '../../dashboard/lazy-schemas.js';
import { ADMIN_PASSWORD, login, raiseAlert, startDashboard, type Dashboard } from './support.js';

let dashboard: Dashboard | undefined;

afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

describe('route schemas compiled on first use', () => {
  it('compiles none at start, then validates, coerces, fills defaults and serialises on the first request', async () => {
    const before = { ...lazySchemaCounts };
    dashboard = await startDashboard();
    const { app, alerts, deps } = dashboard;
    await app.ready();
    expect(lazySchemaCounts).toEqual(before);

    // A body the login's schema refuses: the validator is compiled now, and refuses as before (400, named field).
    const refused = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringContaining('password') });
    expect(lazySchemaCounts.validators).toBeGreaterThan(before.validators);

    const cookie = await login(app, 'admin', ADMIN_PASSWORD);
    const alert = raiseAlert(alerts, deps.clock!);
    raiseAlert(alerts, deps.clock!, { homeId: 'h1', kind: 'inactivity', severity: 'high', room: 'kitchen' });

    // Query strings: a number coerced from its text, a default filled in, a bound refused.
    const serializersBefore = lazySchemaCounts.serializers;
    const one = await app.inject({ method: 'GET', url: '/api/alerts?limit=1', headers: { cookie } });
    expect(one.statusCode).toBe(200);
    const listed = one.json<{ id: string; kind: string }[]>();
    expect(listed).toHaveLength(1);
    const all = await app.inject({ method: 'GET', url: '/api/alerts', headers: { cookie } });
    expect(all.json<unknown[]>()).toHaveLength(2);
    expect((await app.inject({ method: 'GET', url: '/api/alerts?limit=0', headers: { cookie } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/alerts?limit=ten', headers: { cookie } })).statusCode).toBe(
      400,
    );
    // The response written by the route's compiled serialiser: the alert's fields as the schema lists them.
    expect(lazySchemaCounts.serializers).toBeGreaterThan(serializersBefore);
    const byId = await app.inject({ method: 'GET', url: `/api/alerts/${alert.id}`, headers: { cookie } });
    expect(byId.statusCode).toBe(200);
    expect(byId.json()).toMatchObject({ id: alert.id, kind: 'pendant', homeId: 'h1' });

    // Each route's function is compiled once, not at every request.
    const counts = { ...lazySchemaCounts };
    await app.inject({ method: 'GET', url: '/api/alerts?limit=1', headers: { cookie } });
    await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin' } });
    expect(lazySchemaCounts).toEqual(counts);
  });
});
