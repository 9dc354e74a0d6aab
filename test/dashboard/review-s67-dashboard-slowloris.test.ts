// Review, session 67: a machine holding the dashboard's cap of connections open, idle or with half a request
// (slowloris), no longer keeps out the browsers that share its address (a care office's PCs behind one router, a
// home's IPv6 devices: an IPv6 /64 counts as one). Past the cap the oldest connection not writing an answer is closed
// to make room; a console's live alert stream is not.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HTTP_CONNECTIONS_PER_ADDRESS } from '../../dashboard/connection-cap.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub, TEST_ADMIN_PASSWORD } from '../support/in-process-hub.js';
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
  dir = tempDir('review-s67-http-slowloris');
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { host: networkAddress });
}, 120_000);

afterAll(async () => {
  for (const socket of opened) socket.destroy();
  await hub?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A TCP connection from this machine's network address that sends `text` (perhaps nothing) and then waits. */
async function lingering(text: string): Promise<net.Socket> {
  const socket = net.connect({ port: hub!.ports.http, host: networkAddress, localAddress: networkAddress });
  socket.on('error', () => undefined);
  opened.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
  if (text !== '') socket.write(text);
  return socket;
}

describe.skipIf(!networkAddress)('slowloris against the dashboard (session 67)', () => {
  it('a responder on the same address still logs in, and an open alert stream is kept', async () => {
    const base = `http://${networkAddress}:${String(hub!.ports.http)}`;
    const login = (): Promise<Response> =>
      fetch(`${base}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
      });
    const cookie = (await login()).headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    // A console's live stream, open before the flood (its answer is being written: never closed to make room).
    const stream = await fetch(`${base}/api/alerts/stream`, { headers: { cookie } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read();

    // The rest of the cap, and as many again: idle, or half a request's headers never ended.
    for (let i = 0; i < 2 * MAX_HTTP_CONNECTIONS_PER_ADDRESS; i++)
      await lingering(i % 2 === 0 ? '' : `GET /api/health HTTP/1.1\r\nHost: ${networkAddress}\r\nX-Slow: `);

    // Before the fix: "fetch failed", the new connection closed at once.
    const again = await login().catch((err: unknown) => err as Error);
    expect(again).not.toBeInstanceOf(Error);
    expect((again as Response).status).toBe(200);
    // The stream was not closed to make room: a pendant pressed now reaches it.
    const press = await fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close', cookie },
      body: JSON.stringify({ homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true }),
    });
    expect(press.status).toBeLessThan(300);
    let seen = '';
    while (!seen.includes('"pendant"')) {
      const chunk = await reader.read();
      expect(chunk.done).toBe(false);
      seen += new TextDecoder().decode(chunk.value);
    }
    await reader.cancel();
  }, 180_000);
});
