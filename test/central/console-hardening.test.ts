// The centre's console holds itself to the hub dashboard's rules: no answer cached, HTTPS kept once seen, a cap on one
// address's connections, and a login throttle that tells operators apart behind the centre's reverse proxy.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, startConsole, type ConsoleOptions, type RunningConsole } from '../../central/console/index.js';
import { HSTS_MAX_AGE_S } from '../../dashboard/answer-headers.js';
import { MAX_HTTP_CONNECTIONS_PER_ADDRESS } from '../../dashboard/connection-cap.js';
import { silentLogger } from '../../hub/logger.js';
import { networkAddress } from '../hub/helpers.js';
import { ADMIN_PASSWORD, ConsoleClient, missingForConsole, startConsoleEnv, type ConsoleEnv } from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the console hardening tests: ${missing}`);

const PASSWORD = 'a-long-password-1';
const GUESSER = '203.0.113.9';
const OPERATOR_ADDRESS = '198.51.100.7';

describe.skipIf(missing !== undefined)('the centre console, hardened like the hub dashboard', () => {
  let env: ConsoleEnv;
  const extra: RunningConsole[] = [];

  /** Another console on the same PostgreSQL and NATS, with its own settings (and its own login throttle). */
  async function anotherConsole(options: Partial<ConsoleOptions>): Promise<RunningConsole> {
    const running = await startConsole({
      pool: env.pool,
      nc: env.nc,
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      adminPassword: ADMIN_PASSWORD,
      ...options,
    });
    extra.push(running);
    return running;
  }

  beforeAll(async () => {
    env = await startConsoleEnv();
    await createOperator(env.pool, { username: 'olive', role: 'operator', password: PASSWORD });
  }, 120_000);

  afterAll(async () => {
    for (const running of extra) await running.close();
    await env?.stop();
  }, 60_000);

  it('never lets a browser or proxy keep an answer: alerts, hubs, the report, operators and the audit are no-store', async () => {
    const admin = new ConsoleClient(env.url);
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    for (const path of [
      '/api/alerts',
      '/api/alerts/hub-1/no-such-alert',
      '/api/me',
      '/api/hubs',
      '/api/reports/council?from=2026-11-01&to=2026-11-30',
      '/api/reports/council?from=2026-11-01&to=2026-11-30&format=csv',
      '/api/operators',
      '/api/audit',
      '/api/no-such-route',
    ]) {
      const res = await admin.request('GET', path);
      await res.arrayBuffer();
      expect({
        path,
        cache: res.headers.get('cache-control'),
        sniff: res.headers.get('x-content-type-options'),
      }).toEqual({ path, cache: 'no-store', sniff: 'nosniff' });
    }
    // The login's own answer names the operator and their role.
    const login = await new ConsoleClient(env.url).login('olive', PASSWORD);
    expect(login.headers.get('cache-control')).toBe('no-store');
  });

  it('behind HTTPS (CENTRAL_SECURE_COOKIES) tells browsers to keep to HTTPS, with Secure cookies; over plain HTTP it does not', async () => {
    const secure = await anotherConsole({ secureCookies: true });
    const client = new ConsoleClient(secure.url);
    const login = await client.login('olive', PASSWORD);
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/; Secure/);
    for (const path of ['/api/health', '/login', '/api/alerts', '/assets/style.css']) {
      const res = await client.request('GET', path);
      await res.arrayBuffer();
      expect({ path, hsts: res.headers.get('strict-transport-security') }).toEqual({
        path,
        hsts: `max-age=${String(HSTS_MAX_AGE_S)}`,
      });
    }
    const plain = await fetch(`${env.url}/api/health`);
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });

  /** Wrong passwords for the admin from a guesser (who claims the operator's address first), then the operator's login. */
  async function guessesThenOperator(url: string): Promise<number> {
    const via = (client: string, username: string, password: string, claimed?: string) =>
      fetch(`${url}/api/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': claimed ? `${claimed}, ${client}` : client,
        },
        body: JSON.stringify({ username, password }),
      });
    let status = 401;
    for (let i = 0; i < 8 && status === 401; i++) {
      status = (await via(GUESSER, 'admin', `wrong-${String(i)}-password`, OPERATOR_ADDRESS)).status;
    }
    expect(status).toBe(429);
    return (await via(OPERATOR_ADDRESS, 'olive', PASSWORD)).status;
  }

  it('with CENTRAL_TRUST_PROXY, a guesser behind the proxy does not hold up an operator, nor pose as their address', async () => {
    const behindProxy = await anotherConsole({ trustProxy: true });
    expect(await guessesThenOperator(behindProxy.url)).toBe(200);
  });

  it('without it, everyone behind the proxy shares loopback: the guesser makes the operator wait (why it exists)', async () => {
    const shared = await anotherConsole({});
    expect(await guessesThenOperator(shared.url)).toBe(429);
  });

  it.skipIf(!networkAddress)(
    'holds one address to the connection cap: one more closes the oldest at once, and closing some lets a browser in',
    async () => {
      const open = await anotherConsole({ host: networkAddress! });
      const port = Number(new URL(open.url).port);
      const sockets: net.Socket[] = [];
      const idleConnection = async (): Promise<{ socket: net.Socket; closed: Promise<void> }> => {
        const socket = net.connect(port, networkAddress);
        socket.on('error', () => undefined);
        sockets.push(socket);
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('close', () => reject(new Error('closed before connecting')));
        });
        return { socket, closed };
      };
      try {
        const idle = [];
        for (let i = 0; i < MAX_HTTP_CONNECTIONS_PER_ADDRESS; i++) idle.push(await idleConnection());
        // One over: the oldest idle one is closed at once, not after Node's 60 s header timeout (the test would time
        // out waiting); session 67: before, the new one was, so idle connections kept every browser of the address out.
        await idleConnection();
        await idle[0]!.closed;
        for (const { socket, closed } of idle.slice(1, 11)) {
          socket.destroy();
          await closed;
        }
        expect((await fetch(`${open.url}/api/health`)).status).toBe(200);
      } finally {
        for (const socket of sockets) socket.destroy();
      }
    },
    180_000,
  );
});
