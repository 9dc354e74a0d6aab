// Someone on the network guessing `admin` without pause must not keep the admin out of a machine they have not logged
// in from before (review, session 73). Real HTTP to a running hub, each "machine" a loopback address of its own; the
// hub's clock is the test's, moved a second per guess, so the waits are the throttle's whatever this machine's pace.
import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub, TEST_ADMIN_PASSWORD } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';

let dir: string;
let hub: RunningHub;
/** The hub's time, wall and monotonic alike (moved together: no clock step for the hub to see). */
let nowMs = Date.UTC(2026, 11, 7, 9, 0, 0);
const startedAt = nowMs;

beforeAll(async () => {
  dir = tempDir('s73-lockout');
  const clock = createSystemClock({ wallNow: () => nowMs, monotonicNow: () => nowMs - startedAt });
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock });
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** `POST /api/login` from the machine at `from` (a 127.x.y.z address); the answer's status. */
function loginFrom(from: string, username: string, password: string): Promise<number> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: hub.ports.http,
        localAddress: from,
        method: 'POST',
        path: '/api/login',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * A guesser at `from` sending a wrong password for `admin` every second (the test's seconds) until the hub has checked
 * `checked` of them, and stopping right after a checked one: the name then waits its longest (a minute).
 */
async function guess(from: string, checked: number): Promise<void> {
  let n = 0;
  for (let i = 0; n < checked; i++) {
    if ((await loginFrom(from, 'admin', `guess-${i}`)) === 401) n++;
    if (n < checked) nowMs += 1_000;
  }
}

describe("a guesser at the admin's name", () => {
  it('does not keep the admin out of a machine they never logged in from; each address gets one try past the wait', async () => {
    // Two minutes of guessing: ten passwords checked, the name and the guesser's address now wait a minute.
    await guess('127.0.0.2', 10);
    expect(await loginFrom('127.0.0.2', 'admin', 'one-more')).toBe(429);

    // The admin at a machine never used before (a new hub's first login): let in. Before session 73: 429, and again at
    // every try for as long as the guessing went on (each second's guess took the try the moment the wait allowed).
    expect(await loginFrom('127.0.0.3', 'admin', TEST_ADMIN_PASSWORD)).toBe(200);

    // The right password cleared the name's wait; the guesser, from a machine of its own, brings it back.
    await guess('127.0.0.4', 10);
    // A third machine of the guesser's gets its one try checked, then waits with the name.
    expect(await loginFrom('127.0.0.5', 'admin', 'from-elsewhere-1')).toBe(401);
    expect(await loginFrom('127.0.0.5', 'admin', 'from-elsewhere-2')).toBe(429);
    // An address that made a wrong try waits with the name (a mistyped password there, too) ...
    expect(await loginFrom('127.0.0.6', 'admin', 'typo')).toBe(401);
    expect(await loginFrom('127.0.0.6', 'admin', TEST_ADMIN_PASSWORD)).toBe(429);
    // ... and the machine the admin logged in from stays theirs.
    expect(await loginFrom('127.0.0.3', 'admin', TEST_ADMIN_PASSWORD)).toBe(200);
  }, 60_000);
});
