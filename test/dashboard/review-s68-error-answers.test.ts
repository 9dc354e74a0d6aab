// Review, session 68: the answers Fastify and Node wrote themselves (an undecodable URL, a request that is not HTTP,
// headers too large) had their own body (`statusCode`, the path echoed) and none of the dashboard's headers: no
// `no-store`, no `nosniff`, no HSTS behind HTTPS. Every error answer now has the product's shape and headers.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameworkAnswers, installAnswerHeaders } from '../../dashboard/answer-headers.js';
import { killHub, spawnHub, tempDir, writeConfig, type HubProcess } from '../hub/helpers.js';
import { expectProductError, rawHttp } from '../support/raw-http.js';

let dir: string;
let hub: HubProcess;

beforeAll(async () => {
  dir = tempDir('review-s68-error-answers');
  // Behind a TLS proxy: every answer must carry Strict-Transport-Security.
  hub = await spawnHub({
    HUB_DATA_DIR: path.join(dir, 'data'),
    HUB_CONFIG: writeConfig(dir),
    HUB_SECURE_COOKIES: '1',
  });
}, 60_000);

afterAll(async () => {
  await killHub(hub);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the hub dashboard's error answers (session 68)", () => {
  it('an undecodable URL is answered 400 BAD_URL with the headers of every answer, the path not echoed', async () => {
    for (const url of ['/%E0%A4%A', '/api/alerts/%E0%A4%A/ack', '/assets/%C0%AF']) {
      const answer = await rawHttp(hub.httpPort, `GET ${url} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n`);
      expectProductError(answer, 400, 'BAD_URL', true);
      expect(answer.body).not.toContain(url.slice(1));
    }
  });

  it('a request that is not HTTP, or whose headers are too large, is answered in the same shape and headers', async () => {
    expectProductError(await rawHttp(hub.httpPort, 'HELLO THERE\r\n\r\n'), 400, 'BAD_REQUEST', true);
    const huge = `GET /api/health HTTP/1.1\r\nHost: hub\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`;
    expectProductError(await rawHttp(hub.httpPort, huge), 431, 'HEADERS_TOO_LARGE', true);
  });

  it('an ordinary refusal keeps its shape and headers (unchanged)', async () => {
    const answer = await rawHttp(hub.httpPort, 'GET /api/alerts HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n');
    expectProductError(answer, 401, 'AUTH_REQUIRED', true);
  });
});

describe('a request that comes while the server closes (session 68)', () => {
  it('is answered 503 SHUTTING_DOWN in the same shape and headers, not with Fastify own body', async () => {
    // The dashboard's and the console's own options and hooks, on a server with one request that takes its time.
    const options = { https: false };
    const app = Fastify({ ...frameworkAnswers(options) });
    installAnswerHeaders(app, options);
    // Told when the server starts closing (hooks run in the order added), and when the next request has reached it.
    let closing = (): void => undefined;
    const closingStarted = new Promise<void>((resolve) => (closing = resolve));
    app.addHook('preClose', async () => closing());
    let nextCame = (): void => undefined;
    const nextArrived = new Promise<void>((resolve) => (nextCame = resolve));
    let finish = (): void => undefined;
    const started = new Promise<void>((resolve) =>
      app.get('/slow', async () => {
        resolve();
        await new Promise<void>((r) => (finish = r));
        return { ok: true };
      }),
    );
    app.get('/next', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    app.server.on('request', (request: { url?: string }) => {
      if (request.url === '/next') nextCame();
    });
    const port = (app.server.address() as AddressInfo).port;
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.write('GET /slow HTTP/1.1\r\nHost: hub\r\n\r\n');
    await started;
    const closed = app.close();
    await closingStarted;
    // The next request on the same connection (pipelined) comes while the server is closing.
    socket.write('GET /next HTTP/1.1\r\nHost: hub\r\n\r\n');
    await nextArrived;
    finish();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await closed;
    const second = received.slice(received.indexOf('HTTP/1.1', 1));
    const [head = '', body = ''] = second.split('\r\n\r\n', 2);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    expect(JSON.parse(body)).toEqual({ error: 'SHUTTING_DOWN', message: expect.any(String) as string });
    expect(head.toLowerCase()).toContain('cache-control: no-store');
    expect(head.toLowerCase()).toContain('x-content-type-options: nosniff');
  });
});
