// Review, session 67: a machine holding the dashboard's cap of connections open, idle or with half a request
// (slowloris), no longer keeps out the browsers that share its address (a care office's PCs behind one router, a
// home's IPv6 devices: an IPv6 /64 counts as one). Past the cap the oldest connection not writing an answer is closed
// to make room; a console's live alert stream is not.
import { describe, expect, it } from 'vitest';
import { MAX_HTTP_CONNECTIONS_PER_ADDRESS } from '../../dashboard/connection-cap.js';
import { TEST_ADMIN_PASSWORD } from '../support/in-process-hub.js';
import { networkAddress } from '../hub/helpers.js';
import { remoteConnections } from './remote-connections.js';

const stage = remoteConnections('review-s67-http-slowloris');

describe.skipIf(!networkAddress)('slowloris against the dashboard (session 67)', () => {
  it('a responder on the same address still logs in, and an open alert stream is kept', async () => {
    const base = stage.base;
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
      await stage.connect(i % 2 === 0 ? '' : `GET /api/health HTTP/1.1\r\nHost: ${networkAddress}\r\nX-Slow: `);

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
