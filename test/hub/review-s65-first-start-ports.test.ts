// A new installer's first start, from a fresh clone (review, session 65). A port another program holds (Mosquitto on
// 1883 beside Zigbee2MQTT, a web server on 8080) ended the start on Node's "listen EADDRINUSE: address already in use
// :::1883", naming neither the part nor the setting that moves it; a broker URL written without its scheme
// ("localhost:1883") was told "not 'localhost://'".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, tempDir } from './helpers.js';

let dir: string;
let blocker: net.Server | undefined;

beforeEach(() => {
  dir = tempDir('review-s65-first-start-ports');
});

afterEach(async () => {
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A port another program holds on every interface for the test's duration, as Mosquitto holds 1883. */
async function takenPort(): Promise<number> {
  blocker = net.createServer();
  await new Promise<void>((resolve) => blocker!.listen(0, resolve));
  return (blocker.address() as net.AddressInfo).port;
}

/** `telecare hub` as an installer starts it: no configuration file, a fresh data folder, nothing else set. */
function startHub(env: Record<string, string>): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [cliPath, 'hub'], {
    cwd: dir,
    env: { ...process.env, HUB_DATA_DIR: path.join(dir, 'data'), HUB_LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: run.status, stderr: run.stderr };
}

describe('a first start on a machine where a port is taken', () => {
  it('names the MQTT port, the setting that moves it, and the choice of using the broker already there', async () => {
    const port = await takenPort();
    const { status, stderr } = startHub({ HUB_MQTT_PORT: String(port), HUB_HTTP_PORT: '0' });
    expect(status).toBe(1);
    expect(stderr).toContain(`the MQTT port ${port} is already in use by another program`);
    expect(stderr).toContain('HUB_MQTT_PORT');
    expect(stderr).toContain(`HUB_MQTT_URL=mqtt://127.0.0.1:${port}`);
    expect(stderr).not.toContain('EADDRINUSE');
    // Nothing was served: no credential is shown (first-start.test.ts).
    expect(stderr).not.toContain('password');
  });

  it('names the dashboard port and HUB_HTTP_PORT', async () => {
    const port = await takenPort();
    const { status, stderr } = startHub({ HUB_MQTT_PORT: '0', HUB_HTTP_PORT: String(port) });
    expect(status).toBe(1);
    expect(stderr).toContain(`the dashboard port ${port} is already in use by another program`);
    expect(stderr).toContain('HUB_HTTP_PORT');
    expect(stderr).not.toContain('EADDRINUSE');
  });
});

describe('an external broker written without its scheme', () => {
  it('is told the URL to write, not a scheme made of its host name', () => {
    for (const written of ['localhost:1883', '127.0.0.1:1883']) {
      const { status, stderr } = startHub({ HUB_MQTT_URL: written, HUB_MQTT_PORT: '0', HUB_HTTP_PORT: '0' });
      expect(status, written).toBe(1);
      expect(stderr, written).toContain(`write mqtt://${written}`);
      expect(stderr, written).not.toContain("not 'localhost://'");
    }
  });
});
