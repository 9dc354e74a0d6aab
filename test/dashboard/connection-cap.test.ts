// Open connections to the dashboard per address: one machine on the network cannot hold thousands of idle
// connections (each kept until Node's header timeout) and take the Pi's memory or file descriptors.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HTTP_CONNECTIONS_PER_ADDRESS } from '../../dashboard/connection-cap.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';

/** An address of this machine that is not loopback, so the dashboard sees a remote client (loopback is a proxy's). */
const networkAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

let dir: string | undefined;
let hub: RunningHub | undefined;
const opened: net.Socket[] = [];

beforeAll(async () => {
  if (!networkAddress) return;
  dir = tempDir('http-cap');
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { host: networkAddress });
}, 120_000);

afterAll(async () => {
  for (const socket of opened) socket.destroy();
  await hub?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A TCP connection to the dashboard that sends nothing; resolves once connected. */
async function idleConnection(): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(hub!.ports.http, networkAddress);
  socket.on('error', () => undefined);
  opened.push(socket);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
  return { socket, closed };
}

async function refused(): Promise<number> {
  const metric = await hub!.metrics.getSingleMetric('telecare_dashboard_connections_refused_total')?.get();
  return metric?.values[0]?.value ?? 0;
}

describe.skipIf(!networkAddress)('connections to the dashboard from one address', () => {
  it('are held to a cap: one more closes the oldest at once, counted; closing some lets a browser in again', async () => {
    const idle = [];
    for (let i = 0; i < MAX_HTTP_CONNECTIONS_PER_ADDRESS; i++) idle.push(await idleConnection());
    // One over: the oldest idle one is closed at once, not after Node's 60 s header timeout (session 67: before, the
    // new one was, so idle connections kept every browser of the address out).
    await idleConnection();
    await idle[0]!.closed;
    expect(await refused()).toBe(1);
    for (const { socket, closed } of idle.slice(1, 11)) {
      socket.destroy();
      await closed;
    }
    const health = await fetch(`http://${networkAddress}:${String(hub!.ports.http)}/api/health`);
    expect(health.status).toBe(200);
    expect(await refused()).toBe(1);
  }, 180_000);
});
