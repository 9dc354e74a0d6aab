// Behind a reverse proxy on the Pi every login comes from loopback: with HUB_TRUST_PROXY the throttle counts each
// client under the address the proxy forwards, so one guesser cannot make every responder's login wait.
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, login, startDashboard, USER_PASSWORD, userWithRole, type Dashboard } from './support.js';

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

const GUESSER = '203.0.113.9';
const RESPONDER = '198.51.100.7';

/** A login as the proxy passes it on: from loopback, the client appended last to X-Forwarded-For. */
function loginVia(d: Dashboard, client: string, username: string, password: string, claimed?: string) {
  return d.app.inject({
    method: 'POST',
    url: '/api/login',
    remoteAddress: '127.0.0.1',
    headers: { 'x-forwarded-for': claimed ? `${claimed}, ${client}` : client },
    payload: { username, password },
  });
}

async function guessesThenResponder(d: Dashboard): Promise<number> {
  await userWithRole(d.app, 'responder', 'resp1');
  // Wrong passwords for the admin until the throttle answers 429; the guesser claims the responder's address first.
  for (let i = 0; i < 6; i++) await loginVia(d, GUESSER, 'admin', `wrong-${String(i)}`, RESPONDER);
  expect((await loginVia(d, GUESSER, 'admin', 'wrong-again', RESPONDER)).statusCode).toBe(429);
  return (await loginVia(d, RESPONDER, 'resp1', USER_PASSWORD)).statusCode;
}

describe('logins through a reverse proxy on the Pi', () => {
  it('with HUB_TRUST_PROXY, a guesser elsewhere does not hold up a responder, and cannot pose as another address', async () => {
    dashboard = await startDashboard({ trustProxy: true });
    expect(await guessesThenResponder(dashboard)).toBe(200);
  });

  it('without it, every client shares loopback: the guesser makes the responder wait (why the setting exists)', async () => {
    dashboard = await startDashboard();
    expect(await guessesThenResponder(dashboard)).toBe(429);
  });

  it('a forwarded address is believed only from loopback: a client on the network cannot pick its own', async () => {
    dashboard = await startDashboard({ trustProxy: true });
    for (let i = 0; i < 6; i++) {
      await dashboard.app.inject({
        method: 'POST',
        url: '/api/login',
        remoteAddress: GUESSER,
        headers: { 'x-forwarded-for': `198.51.100.${String(i)}` },
        payload: { username: 'nobody', password: 'wrong-password' },
      });
    }
    const again = await dashboard.app.inject({
      method: 'POST',
      url: '/api/login',
      remoteAddress: GUESSER,
      headers: { 'x-forwarded-for': '198.51.100.99' },
      payload: { username: 'someone-else', password: 'wrong-password' },
    });
    expect(again.statusCode).toBe(429);
    expect(await login(dashboard.app, 'admin', ADMIN_PASSWORD)).toContain('telecare_session');
  });
});
