// A scope naming a configured home in other capitals (review, session 63): home ids are matched exactly, so a responder
// made for `H1` on a hub whose flat is `h1` saw none of its alerts (a program holding such a token listed nothing for
// ever), and a gateway's device token for `H1` posted events for a home that is not the flat; each was made, 201,
// without a word. The dashboard on a real SQLite file in a temp folder, over Fastify's inject.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, login, startDashboard, type Dashboard } from './support.js';

let dashboard: Dashboard;
let admin: string;

beforeAll(async () => {
  // Homes h1 and h2 (test/dashboard/support.ts).
  dashboard = await startDashboard();
  admin = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  await dashboard?.close();
});

const post = (url: string, payload: Record<string, unknown>) =>
  dashboard.app.inject({ method: 'POST', url, headers: { cookie: admin }, payload });

describe('homes that differ only in capitals from a configured home', () => {
  it('are refused on a responder user, naming the configured home, and no user is made', async () => {
    const res = await post('/api/users', {
      username: 'daughter',
      password: 'mums-flat-password',
      role: 'responder',
      homes: ['H1'],
    });
    // On main: 201, a responder who would never see h1's alerts.
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({
      error: 'BAD_REQUEST',
      message:
        "homes: 'H1' differs only in capitals from the configured home 'h1': home ids are matched exactly, so it " +
        "would reach no home; write 'h1'. Nothing done",
    });
    const users = await dashboard.app.inject({ url: '/api/users', headers: { cookie: admin } });
    expect(users.json<{ username: string }[]>().map((u) => u.username)).not.toContain('daughter');
  });

  it('are refused on a responder or device token', async () => {
    for (const [name, role] of [
      ['arc-north', 'responder'],
      ['gateway-h2', 'device'],
    ] as const) {
      const res = await post('/api/tokens', { name, role, homes: ['h1', 'H2'] });
      expect(res.statusCode, `${role}: ${res.body}`).toBe(400);
      expect(res.json<{ message: string }>().message).toContain(
        "'H2' differs only in capitals from the configured home 'h2'",
      );
    }
    const tokens = await dashboard.app.inject({ url: '/api/tokens', headers: { cookie: admin } });
    expect(tokens.json()).toEqual([]);
  });

  it('leave a home not configured yet, and every configured one, allowed as before', async () => {
    const user = await post('/api/users', {
      username: 'warden',
      password: 'a-long-enough-password',
      role: 'responder',
      homes: ['h1', 'flat-9'],
    });
    expect(user.statusCode, user.body).toBe(201);
    const token = await post('/api/tokens', { name: 'gateway-new-flat', role: 'device', homes: ['flat-10', '*'] });
    expect(token.statusCode, token.body).toBe(201);
  });
});
