// Dashboard passwords stored with an older scrypt cost: they still log in, and a right login stores them at today's cost.
import { scryptSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { USER_PASSWORD, login, startDashboard, userWithRole, type Dashboard } from './support.js';
import { atHubHashCost } from '../support/low-cost-hash.js';

// What a hash at the hub's own cost does is this file's subject: not the suite's low cost (session 63).
atHubHashCost();

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

/** `password` hashed as the hub stored it before OWASP's settings: scrypt N=2^15, r=8, p=1. */
function previousHash(password: string): string {
  const salt = Buffer.from('0123456789abcdef');
  const key = scryptSync(password, salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return `scrypt$32768$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

function storedHash(d: Dashboard, username: string): string {
  const row = d.deps.db.prepare('SELECT password_hash FROM dashboard_users WHERE username = ?').get(username) as
    { password_hash: string } | undefined;
  if (!row) throw new Error(`no user ${username}`);
  return row.password_hash;
}

describe('password hashes of an older cost', () => {
  it('log in through POST /api/login, are stored again at N=2^13, r=8, p=10, and keep open sessions', async () => {
    dashboard = await startDashboard();
    const session = await userWithRole(dashboard.app, 'responder', 'carer1');
    // Today's hashing stores the OWASP setting.
    expect(storedHash(dashboard, 'carer1')).toMatch(/^scrypt\$8192\$8\$10\$/);
    const old = previousHash(USER_PASSWORD);
    dashboard.deps.db.prepare('UPDATE dashboard_users SET password_hash = ? WHERE username = ?').run(old, 'carer1');

    // A wrong password is refused and changes nothing.
    const wrong = await dashboard.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'carer1', password: 'not-the-password' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(storedHash(dashboard, 'carer1')).toBe(old);

    // The right one logs in against the old hash, which is then replaced.
    await login(dashboard.app, 'carer1', USER_PASSWORD);
    const upgraded = storedHash(dashboard, 'carer1');
    expect(upgraded).toMatch(/^scrypt\$8192\$8\$10\$/);
    expect(upgraded).not.toContain(USER_PASSWORD);

    // Not a password change: the session opened before still counts; the new hash logs in and stays as it is.
    const me = await dashboard.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session } });
    expect(me.statusCode).toBe(200);
    await login(dashboard.app, 'carer1', USER_PASSWORD);
    expect(storedHash(dashboard, 'carer1')).toBe(upgraded);
    const stillWrong = await dashboard.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'carer1', password: 'not-the-password' },
    });
    expect(stillWrong.statusCode).toBe(401);
    // Waiting is the test: about seven hashes at the hub's cost (or the older one) in the niced hashing thread, 45 s
    // of the former 60 s budget at load 8 (docs/testing.md, session 67); no assertion is on a time.
  }, 240_000);
});
