// Review, session 49: two admins (or one double-click) creating the same username at once. The route checks the name,
// then hashes the password (the await lets the other request pass the same check), then inserts: the loser's insert
// hit the table's primary key and answered 500. Now every loser answers 409 USER_EXISTS, as a single duplicate does.
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, login, startDashboard, type Dashboard } from './support.js';

let dashboard: Dashboard | undefined;

afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

describe('creating the same user twice at once', () => {
  it('one request creates the user, the others answer 409 USER_EXISTS and change nothing', async () => {
    dashboard = await startDashboard();
    const app = dashboard.app;
    const admin = await login(app, 'admin', ADMIN_PASSWORD);
    const attempts = [
      { password: 'first password of sam', role: 'responder' },
      { password: 'second password of sam', role: 'installer' },
      { password: 'third password of sam', role: 'analyst' },
    ] as const;
    // Sent together: each request checks the name before any of them has stored the user.
    const answers = await Promise.all(
      attempts.map((a) =>
        app.inject({
          method: 'POST',
          url: '/api/users',
          headers: { cookie: admin },
          payload: { username: 'sam', ...a },
        }),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    for (const lost of answers.filter((r) => r.statusCode === 409)) {
      expect(lost.json()).toEqual({ error: 'USER_EXISTS', message: "A user named 'sam' exists already" });
    }

    // The winner's user is the one stored: its role, and only its password logs in.
    const won = attempts[answers.findIndex((r) => r.statusCode === 201)]!;
    const users = (await app.inject({ url: '/api/users', headers: { cookie: admin } })).json<
      { username: string; role: string }[]
    >();
    expect(users.filter((u) => u.username === 'sam').map((u) => u.role)).toEqual([won.role]);
    const sam = await login(app, 'sam', won.password);
    expect((await app.inject({ url: '/api/me', headers: { cookie: sam } })).json().role).toBe(won.role);
    for (const other of attempts.filter((a) => a !== won)) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/login',
        payload: { username: 'sam', password: other.password },
      });
      expect(res.statusCode).toBe(401);
    }
  });
});
