// Logging in: the first admin, passwords kept only as hashes, sessions, API tokens, wrong passwords slowed down.
import { afterEach, assert, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { ADMIN_PASSWORD, USER_PASSWORD, login, startDashboard, userWithRole, type Dashboard } from './support.js';

/** What /api/me tells those who see alerts: each home's time zone, for the console's times. */
const HOME_ZONES = { h1: 'Europe/London', h2: 'Europe/London' };

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

describe('first start', () => {
  it('creates admin with a random password, announced once to the operator and stored only as a hash', async () => {
    dashboard = await startDashboard({ adminPassword: undefined });
    // Shown once the dashboard serves: a start that fails before shows a password nobody could use.
    expect(dashboard.announced).toEqual([]);
    await dashboard.app.listen({ port: 0, host: '127.0.0.1' });
    expect(dashboard.announced).toHaveLength(1);
    const password = /password: (\S+)/.exec(dashboard.announced.join('\n'))?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    await login(dashboard.app, 'admin', password!);

    const rows = dashboard.deps.db.prepare('SELECT * FROM dashboard_users').all() as Record<string, unknown>[];
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(password);
    // 144 random bits cannot be guessed, so a fast salted hash is enough for the generated password.
    expect(rows[0]?.password_hash).toMatch(/^sha256\$/);

    // A second start on the same database, after that login, keeps the password and announces nothing.
    const dir = dashboard.dir;
    await dashboard.app.close();
    const again = await startDashboard({ adminPassword: undefined, dir });
    try {
      await again.app.listen({ port: 0, host: '127.0.0.1' });
      expect(again.announced).toEqual([]);
      await login(again.app, 'admin', password!);
    } finally {
      await again.close();
    }
  });

  it('uses HUB_ADMIN_PASSWORD when set and announces nothing', async () => {
    dashboard = await startDashboard({ adminPassword: ADMIN_PASSWORD });
    expect(dashboard.announced).toEqual([]);
    await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    // A password a person chose keeps the slow hash.
    const row = dashboard.deps.db
      .prepare("SELECT password_hash FROM dashboard_users WHERE username = 'admin'")
      .get() as { password_hash: string };
    expect(row.password_hash).toMatch(/^scrypt\$\d+\$8\$\d+\$/);
  });
});

describe('login and sessions', () => {
  it('sets an httpOnly, SameSite=Strict session cookie; logout ends the session', async () => {
    dashboard = await startDashboard();
    const res = await dashboard.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'admin', role: 'admin' });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const [session] = res.cookies;
    assert.isDefined(session);
    const cookie = `telecare_session=${session.value}`;

    const me = await dashboard.app.inject({ url: '/api/me', headers: { cookie } });
    expect(me.json()).toEqual({ username: 'admin', role: 'admin', kind: 'user', homeTimeZones: HOME_ZONES });
    // The database keeps only a hash of the session id.
    const stored = JSON.stringify(dashboard.deps.db.prepare('SELECT * FROM dashboard_sessions').all());
    expect(stored).not.toContain(session.value);

    expect((await dashboard.app.inject({ method: 'POST', url: '/api/logout', headers: { cookie } })).statusCode).toBe(
      204,
    );
    const after = await dashboard.app.inject({ url: '/api/me', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json().error).toBe('AUTH_REQUIRED');
  });

  it('a session expires after its lifetime', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
    dashboard = await startDashboard({ clock, sessionHours: 1 });
    const cookie = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    clock.advanceBy(59 * 60_000);
    expect((await dashboard.app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(200);
    clock.advanceBy(2 * 60_000);
    expect((await dashboard.app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('everything but health, the login page and assets needs a login', async () => {
    dashboard = await startDashboard();
    const health = await dashboard.app.inject('/api/health');
    expect(health.statusCode).toBe(200);
    // Without a login: only whether the hub is up, nothing about the installation.
    expect(health.json()).toEqual({ status: 'ok' });
    expect((await dashboard.app.inject('/login')).statusCode).toBe(200);
    expect((await dashboard.app.inject('/assets/style.css')).statusCode).toBe(200);
    for (const url of [
      '/api/alerts',
      '/api/homes',
      '/api/reports/prevention',
      '/metrics',
      '/docs/json',
      '/api/nowhere',
    ]) {
      const res = await dashboard.app.inject(url);
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error, url).toBe('AUTH_REQUIRED');
    }
    const page = await dashboard.app.inject('/console');
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Fconsole');
  });
});

describe('wrong passwords', () => {
  it('get a clear 401, are counted, and after three the next try must wait', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
    dashboard = await startDashboard({ clock });
    const attempt = (password: string) =>
      dashboard!.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin', password } });

    for (let i = 0; i < 4; i++) {
      const res = await attempt('wrong');
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'BAD_CREDENTIALS', message: 'Wrong username or password' });
    }
    // Even the right password waits now: the guesser cannot tell.
    const throttled = await attempt(ADMIN_PASSWORD);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json().error).toBe('LOGIN_THROTTLED');
    expect(throttled.headers['retry-after']).toBe('1');

    clock.advanceBy(1_000);
    expect((await attempt(ADMIN_PASSWORD)).statusCode).toBe(200);

    const metrics = await dashboard.deps.metrics.metrics();
    expect(metrics).toContain('telecare_dashboard_login_failures_total{reason="bad-credentials"} 4');
    expect(metrics).toContain('telecare_dashboard_login_failures_total{reason="throttled"} 1');
  });

  it('an unknown user gets the same answer as a wrong password', async () => {
    dashboard = await startDashboard();
    const res = await dashboard.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'nobody', password: 'x' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('BAD_CREDENTIALS');
  });

  it('a login body without a password is a 400 naming the field', async () => {
    dashboard = await startDashboard();
    const res = await dashboard.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('BAD_REQUEST');
    expect(res.json().message).toContain('password');
  });
});

describe('users and API tokens', () => {
  it('admin creates a user who can then log in; a name is taken only once', async () => {
    dashboard = await startDashboard();
    const admin = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    const create = () =>
      dashboard!.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: { username: 'sam', password: USER_PASSWORD, role: 'responder' },
      });
    expect((await create()).statusCode).toBe(201);
    expect((await create()).json().error).toBe('USER_EXISTS');
    const sam = await login(dashboard.app, 'sam', USER_PASSWORD);
    expect((await dashboard.app.inject({ url: '/api/me', headers: { cookie: sam } })).json().role).toBe('responder');
    const bad = await dashboard.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { cookie: admin },
      payload: { username: 'kim', password: USER_PASSWORD, role: 'superuser' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('a token is shown once, stored hashed, works as a Bearer credential with its role, and can be revoked', async () => {
    dashboard = await startDashboard();
    const admin = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    const created = await dashboard.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie: admin },
      payload: { name: 'call-centre', role: 'responder' },
    });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json<{ id: string; token: string }>();
    expect(token).toMatch(/^tct_/);
    expect(JSON.stringify(dashboard.deps.db.prepare('SELECT * FROM dashboard_tokens').all())).not.toContain(
      token.split('.')[1],
    );
    const list = await dashboard.app.inject({ url: '/api/tokens', headers: { cookie: admin } });
    expect(list.body).not.toContain(token);

    const auth = { authorization: `Bearer ${token}` };
    expect((await dashboard.app.inject({ url: '/api/me', headers: auth })).json()).toEqual({
      username: 'call-centre',
      role: 'responder',
      kind: 'token',
      homeTimeZones: HOME_ZONES,
    });
    // The council's analyst sees no home, not even its id.
    const analyst = await userWithRole(dashboard.app, 'analyst', 'council-1');
    expect((await dashboard.app.inject({ url: '/api/me', headers: { cookie: analyst } })).json()).toEqual({
      username: 'council-1',
      role: 'analyst',
      kind: 'user',
    });
    expect((await dashboard.app.inject({ url: '/api/alerts', headers: auth })).statusCode).toBe(200);
    expect((await dashboard.app.inject({ url: '/api/homes', headers: auth })).statusCode).toBe(403);

    expect(
      (await dashboard.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: { cookie: admin } }))
        .statusCode,
    ).toBe(204);
    const revoked = await dashboard.app.inject({ url: '/api/alerts', headers: auth });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error).toBe('BAD_TOKEN');
    const forged = await dashboard.app.inject({ url: '/api/alerts', headers: { authorization: `Bearer ${token}x` } });
    expect(forged.statusCode).toBe(401);
  });
});

describe('changing and removing accounts', () => {
  it('a user changes their own password: every session of theirs ends and only the new password works', async () => {
    dashboard = await startDashboard();
    const phone = await userWithRole(dashboard.app, 'responder', 'sam');
    const desk = await login(dashboard.app, 'sam', USER_PASSWORD);
    const change = (currentPassword: string) =>
      dashboard!.app.inject({
        method: 'POST',
        url: '/api/me/password',
        headers: { cookie: desk },
        payload: { currentPassword, newPassword: 'another-long-password' },
      });

    const wrong = await change('not-my-password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().message).toBe('The current password is wrong');
    expect((await change(USER_PASSWORD)).statusCode).toBe(204);

    for (const cookie of [phone, desk])
      expect((await dashboard.app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
    await expect(login(dashboard.app, 'sam', USER_PASSWORD)).rejects.toThrow(/401/);
    await login(dashboard.app, 'sam', 'another-long-password');
  });

  it('admin removes a user, whose session ends at once; the last admin cannot be removed', async () => {
    dashboard = await startDashboard();
    const leaver = await userWithRole(dashboard.app, 'installer', 'leaver');
    const admin = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    const remove = (username: string) =>
      dashboard!.app.inject({ method: 'DELETE', url: `/api/users/${username}`, headers: { cookie: admin } });

    expect((await remove('leaver')).statusCode).toBe(204);
    expect((await dashboard.app.inject({ url: '/api/homes', headers: { cookie: leaver } })).statusCode).toBe(401);
    expect((await remove('leaver')).json().error).toBe('USER_NOT_FOUND');
    const last = await remove('admin');
    expect(last.statusCode).toBe(409);
    expect(last.json().error).toBe('LAST_ADMIN');
  });
});
