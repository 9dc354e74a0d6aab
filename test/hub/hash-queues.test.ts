// A device's MQTT reconnect never waits for a dashboard login's password hash (issue 13 item 3), through a real hub.
import { scryptSync } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import { glibcMallocAdvice } from '../../hub/main.js';
import type { RunningHub } from '../../hub/hub.js';
import { scryptRunCount } from '../../hub/passwords.js';
import { TEST_ADMIN_PASSWORD, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';
import { hubCostHash } from '../support/low-cost-hash.js';

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('hashq');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('password hashing queues', () => {
  it("connects a device (scrypt credential) while a dashboard login's slow hash is still running", async () => {
    // The device's check at the hub's own cost, its hash made at this process's priority (not in the hub's niced
    // thread: 7 to 11 s at load, docs/testing.md, session 67); the dashboard admin's first hash at the suite's low
    // cost, as it is replaced below.
    const config = parseHubConfig({
      ...ONE_HOME_CONFIG,
      mqttUsers: [{ username: 'dev1', passwordHash: hubCostHash('dev1-secret'), role: 'device', homes: ['h1'] }],
    });
    hub = await startTestHub(config, dir);
    // admin's stored hash: an older cost with eight times today's work (p=80), so its check runs long.
    const salt = Buffer.alloc(16, 7);
    const key = scryptSync(TEST_ADMIN_PASSWORD, salt, 32, { N: 8192, r: 8, p: 80, maxmem: 64 * 1024 * 1024 });
    const slow = `scrypt$8192$8$80$${salt.toString('base64')}$${key.toString('base64')}`;
    hub.db.prepare("UPDATE dashboard_users SET password_hash = ? WHERE username = 'admin'").run(slow);

    const hashesBefore = scryptRunCount();
    let loginAnswered = false;
    const base = dashboardUrl(hub);
    const login = fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      // A wrong guess: answered as soon as its hash ends (a right one would hash again to store today's cost).
      body: JSON.stringify({ username: 'admin', password: 'a-wrong-guess' }),
    }).then((res) => {
      loginAnswered = true;
      return res.status;
    });
    // The login's hash has started.
    await vi.waitFor(() => expect(scryptRunCount()).toBeGreaterThan(hashesBefore), { timeout: 15_000, interval: 20 });

    // Its CONNACK waits for one hash at the hub's cost in a niced thread while the login's runs in another: seconds,
    // more at load, never timed (the assertion is which ends first); not the helper's 15 s.
    const device = await mqttClient(hub.ports.mqtt!, {
      clientId: 'dev1-c',
      username: 'dev1',
      password: 'dev1-secret',
      connectTimeout: 120_000,
    });
    try {
      expect(device.connected).toBe(true);
      // Ordered by work, not time: the device's one hash against the login's eight, on threads of their own. With one
      // queue for both, the device would wait for the login's hash to end.
      expect(loginAnswered).toBe(false);
    } finally {
      await device.endAsync();
    }
    expect(await login).toBe(401);
    // Waiting is the test: the login's hash is eight of the hub's, in a niced thread (52 s at load 6 in session 67).
  }, 240_000);
});

describe('glibcMallocAdvice', () => {
  it.skipIf(process.platform !== 'linux')('asks for MALLOC_MMAP_THRESHOLD_ on glibc only when it is not set', () => {
    expect(glibcMallocAdvice({ MALLOC_MMAP_THRESHOLD_: '131072' })).toBeUndefined();
    const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
      ?.glibcVersionRuntime;
    if (glibc === undefined) expect(glibcMallocAdvice({})).toBeUndefined();
    else expect(glibcMallocAdvice({})).toMatch(/MALLOC_MMAP_THRESHOLD_=131072/);
  });
});
