// A revoked token's name (review, session 63): an admin who revoked a leaked token and made its replacement under the
// same name was told the name "exists already", while the token list showed that token revoked. The dashboard on a
// real SQLite file in a temp folder, over Fastify's inject.
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, login, startDashboard, type Dashboard } from './support.js';

let dashboard: Dashboard | undefined;

afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

describe("a token's name once the token is revoked", () => {
  it('is refused for a new token with words that say it was revoked and what to do, not that it is in use', async () => {
    dashboard = await startDashboard();
    const admin = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    const make = () =>
      dashboard!.app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: { cookie: admin },
        payload: { name: 'gateway-flat-12', role: 'device', homes: ['h1'] },
      });
    const first = await make();
    expect(first.statusCode, first.body).toBe(201);
    const revoke = await dashboard.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${first.json<{ id: string }>().id}`,
      headers: { cookie: admin },
    });
    expect(revoke.statusCode).toBe(204);

    const again = await make();
    expect(again.statusCode, again.body).toBe(409);
    const { error, message } = again.json<{ error: string; message: string }>();
    expect(error).toBe('TOKEN_EXISTS');
    // On main: "A token named 'gateway-flat-12' exists already", over a token listed as revoked.
    expect(message).toContain("'gateway-flat-12'");
    expect(message).toMatch(/revoked at 2026-11-22T09:00:00\.000Z/);
    expect(message).toMatch(/choose another name/);
    expect(message).not.toMatch(/exists already/);
  });

  it('of a token still in use is refused as before', async () => {
    dashboard = await startDashboard();
    const admin = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    const make = () =>
      dashboard!.app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: { cookie: admin },
        payload: { name: 'call-centre', role: 'responder' },
      });
    expect((await make()).statusCode).toBe(201);
    const again = await make();
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: 'TOKEN_EXISTS', message: "A token named 'call-centre' exists already" });
  });
});
