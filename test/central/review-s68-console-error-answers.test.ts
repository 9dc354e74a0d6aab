// Review, session 68: the centre's console, like the hub's dashboard, answered an undecodable URL, a request that is
// not HTTP and headers too large with Fastify's and Node's own bodies and without its headers (no `no-store`, no
// `nosniff`, no HSTS behind HTTPS). Every error answer now has the product's shape and headers.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectProductError, rawHttp } from '../support/raw-http.js';
import { missingForConsole, startConsoleEnv, type ConsoleEnv } from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the console error-answer tests: ${missing}`);

describe.skipIf(missing !== undefined)("the centre console's error answers (session 68)", () => {
  let env: ConsoleEnv;

  beforeAll(async () => {
    // Behind the centre's TLS proxy: every answer must carry Strict-Transport-Security.
    env = await startConsoleEnv({ secureCookies: true });
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  const port = (): number => Number(new URL(env.url).port);

  it('an undecodable URL is answered 400 BAD_URL with the headers of every answer', async () => {
    for (const url of ['/%E0%A4%A', '/api/alerts/%E0%A4%A/ack']) {
      const answer = await rawHttp(port(), `GET ${url} HTTP/1.1\r\nHost: centre\r\nConnection: close\r\n\r\n`);
      expectProductError(answer, 400, 'BAD_URL', true);
    }
  });

  it('a request that is not HTTP, or whose headers are too large, is answered in the same shape and headers', async () => {
    expectProductError(await rawHttp(port(), 'HELLO THERE\r\n\r\n'), 400, 'BAD_REQUEST', true);
    const huge = `GET /api/health HTTP/1.1\r\nHost: centre\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`;
    expectProductError(await rawHttp(port(), huge), 431, 'HEADERS_TOO_LARGE', true);
  });

  it('an ordinary refusal keeps its shape and headers (unchanged)', async () => {
    const answer = await rawHttp(port(), 'GET /api/alerts HTTP/1.1\r\nHost: centre\r\nConnection: close\r\n\r\n');
    expectProductError(answer, 401, 'AUTH_REQUIRED', true);
  });
});
