// Login floods: parallel guesses are throttled before any hash is spent, junk from one address cannot slow another's login.
import { afterEach, describe, expect, it } from 'vitest';
import { LoginThrottle, addressKey } from '../../dashboard/login-throttle.js';
import { createSystemClock } from '../../hub/clock.js';
import { ADMIN_PASSWORD, startDashboard, type Dashboard } from './support.js';

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

function loginFrom(d: Dashboard, remoteAddress: string, username: string, password: string) {
  return d.app.inject({ method: 'POST', url: '/api/login', remoteAddress, payload: { username, password } });
}

describe('parallel password guesses', () => {
  it('40 guesses sent at once: only the free tries reach the password check, the rest are refused 429', async () => {
    dashboard = await startDashboard();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => loginFrom(dashboard!, '192.0.2.7', 'admin', `guess-${i}`)),
    );
    const codes = answers.map((a) => a.statusCode);
    // A 401 means a password was hashed and compared; a 429 was refused before.
    expect(codes.filter((c) => c === 401)).toHaveLength(4);
    expect(codes.filter((c) => c === 429)).toHaveLength(36);
  });

  it('junk logins from one address cost at most its free tries: a real login from another address is answered before them', async () => {
    dashboard = await startDashboard();
    const order: string[] = [];
    const junk = Array.from({ length: 200 }, (_, i) =>
      loginFrom(dashboard!, '198.51.100.9', `junk${i}`, 'junk-password').then((r) => {
        order.push(`junk-${r.statusCode}`);
        return r;
      }),
    );
    const real = loginFrom(dashboard, '203.0.113.5', 'admin', ADMIN_PASSWORD).then((r) => {
      order.push('real');
      return r;
    });
    const [realAnswer, junkAnswers] = await Promise.all([real, Promise.all(junk)]);
    expect(realAnswer.statusCode).toBe(200);
    expect(junkAnswers.filter((r) => r.statusCode === 401)).toHaveLength(4);
    // Hashes are spent one at a time in arrival order: the real login waited for at most 4 junk hashes.
    const hashesBefore = order.slice(0, order.indexOf('real')).filter((o) => o === 'junk-401').length;
    expect(hashesBefore).toBeLessThanOrEqual(4);
  });
});

describe("someone guessing a responder's password from elsewhere", () => {
  it('does not lock the responder out of the address they logged in from before, nor of one that made no wrong try', async () => {
    dashboard = await startDashboard();
    const { app } = dashboard;
    const admin = await loginFrom(dashboard, '192.0.2.1', 'admin', ADMIN_PASSWORD);
    const cookie = `telecare_session=${admin.cookies.find((c) => c.name === 'telecare_session')?.value ?? ''}`;
    const made = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { cookie },
      payload: { username: 'sam', password: 'sams-long-password', role: 'responder' },
    });
    expect(made.statusCode).toBe(201);
    // Sam's console, the day before.
    expect((await loginFrom(dashboard, '192.0.2.50', 'sam', 'sams-long-password')).statusCode).toBe(200);
    // Someone else on the network keeps guessing Sam's password: Sam's name now has to wait.
    const guesses = [];
    for (let i = 0; i < 6; i++)
      guesses.push((await loginFrom(dashboard, '198.51.100.7', 'sam', `guess-${i}`)).statusCode);
    expect(guesses.at(-1)).toBe(429);
    // A machine that made no wrong try gets its one try checked (since session 73, so that a guesser cannot keep Sam
    // out of every machine but the ones used before: test/dashboard/review-s73-login-lockout.test.ts); once it made a
    // wrong one it waits with the name. Sam's own console does not wait.
    expect((await loginFrom(dashboard, '203.0.113.9', 'sam', 'a-typo')).statusCode).toBe(401);
    expect((await loginFrom(dashboard, '203.0.113.9', 'sam', 'sams-long-password')).statusCode).toBe(429);
    expect((await loginFrom(dashboard, '192.0.2.50', 'sam', 'sams-long-password')).statusCode).toBe(200);
  });
});

describe('the wall clock stepping back (NTP correcting a Pi that ran ahead)', () => {
  it('locks nobody out for the hours it stepped: a responder who logged in before logs in again at once', async () => {
    let wallMs = Date.UTC(2026, 10, 22, 9, 0, 0);
    dashboard = await startDashboard({ clock: createSystemClock({ wallNow: () => wallMs }) });
    expect((await loginFrom(dashboard, '192.0.2.20', 'admin', ADMIN_PASSWORD)).statusCode).toBe(200);
    expect((await loginFrom(dashboard, '192.0.2.21', 'admin', 'one-typo')).statusCode).toBe(401);
    wallMs -= 3 * 3_600_000;
    // Each address and the username made fewer tries than the free ones: nothing to wait for, before or after.
    const again = await loginFrom(dashboard, '192.0.2.20', 'admin', ADMIN_PASSWORD);
    expect({ status: again.statusCode, retryAfter: again.headers['retry-after'] }).toEqual({
      status: 200,
      retryAfter: undefined,
    });
    expect((await loginFrom(dashboard, '192.0.2.21', 'admin', ADMIN_PASSWORD)).statusCode).toBe(200);
  });

  it('a wait already imposed is never longer than it was when imposed', () => {
    const throttle = new LoginThrottle();
    const at = Date.UTC(2026, 10, 22, 9, 0, 0);
    // The fourth try earns a 1 s wait.
    for (let i = 0; i < 4; i++) throttle.reserve('admin', '192.0.2.30', at);
    const before = throttle.reserve('admin', '192.0.2.30', at);
    const after = throttle.reserve('admin', '192.0.2.30', at - 2 * 3_600_000);
    expect(before).toEqual({ waitMs: 1_000 });
    expect(after).toEqual({ waitMs: 1_000 });
  });
});

describe('the throttle state', () => {
  it('stays bounded in memory under junk from many addresses and names', () => {
    const throttle = new LoginThrottle(100);
    for (let i = 0; i < 5_000; i++) throttle.reserve(`user${i}`, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 1_000);
    expect(throttle.size).toBeLessThanOrEqual(100);
  });

  it('counts an IPv6 /64 as one address, so rotating addresses inside it does not escape the limit', () => {
    expect(addressKey('2001:db8:1:2::1')).toBe(addressKey('2001:db8:1:2:ffff:0:0:9'));
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    const throttle = new LoginThrottle();
    const results = Array.from({ length: 6 }, (_, i) => throttle.reserve(`name${i}`, `2001:db8:1:2::${i + 1}`, 0));
    expect(results.filter((r) => 'waitMs' in r)).toHaveLength(2);
  });
});
