// Review, session 73: HUB_UPLINK_CA, the centre's certificate authority, as `telecare hub` reads it (hub/main.ts). Before:
// - a file that is missing (an SD card restored without it, a path mistyped after a move) stopped the hub at its start,
//   the home unwatched, with "could not start: ENOENT: no such file or directory, open '...'"; a folder given in its
//   place with "EISDIR: illegal operation on a directory, read", naming neither the variable nor the file;
// - a file with no certificate in it (the key given for the certificate, a CA saved as DER) was taken: Node builds a
//   TLS context from it without a word, every connection then failed on "self-signed certificate", which sends an
//   installer after the centre's certificate instead of the file.
// Now the uplink is refused, as one in clear to another machine is (docs/uplink.md): the hub starts and watches the home,
// keeps what it would send, connects to nothing, and the log and /api/health name HUB_UPLINK_CA, the file and the cause.
// Real hub processes; the centre is a real mosquitto with TLS (tests' self-signed pair) and the uplink's ACL.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { selfSignedPair, type SelfSignedPair } from '../support/tls.js';
import { adminCookie, killHub, mqttClient, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';
import { HUB_ID, HUB_PASSWORD, startCentre, type Centre } from './uplink-centre.js';

let dir: string;
let centre: Centre | undefined;
let hub: HubProcess | undefined;

/** A loaded shared machine can take longer than spawnHub's default to start a hub. */
const START_TIMEOUT_MS = 60_000;

interface Health {
  status: string;
  uplink?: { connected: boolean; queue: number; refused?: string; lastError: string | null };
}

beforeEach(() => {
  dir = tempDir('s73-uplink-ca');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  await centre?.kill();
  centre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function hubEnv(ca: string, name: string): Record<string, string> {
  return {
    HUB_CONFIG: writeConfig(dir),
    HUB_DATA_DIR: path.join(dir, `data-${name}`),
    HUB_UPLINK_URL: `mqtts://127.0.0.1:${centre!.tlsPort!}`,
    HUB_UPLINK_USER: HUB_ID,
    HUB_UPLINK_PASSWORD: HUB_PASSWORD,
    HUB_ID,
    HUB_UPLINK_CA: ca,
  };
}

async function health(running: HubProcess, cookie: string): Promise<Health> {
  const response = await fetch(`http://127.0.0.1:${running.httpPort}/api/health`, { headers: { cookie } });
  return (await response.json()) as Health;
}

/** Started with `ca`: the hub watches the home (a press is queued), never connects, and says why, naming the file. */
async function refusedWith(ca: string, name: string, cause: RegExp): Promise<void> {
  hub = await spawnHub(hubEnv(ca, name), START_TIMEOUT_MS);
  const running = hub;
  const cookie = await adminCookie(running.httpPort);
  const sensor = await mqttClient(running.mqttPort);
  await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
  await sensor.endAsync();
  await vi.waitFor(async () => expect((await health(running, cookie)).uplink?.queue).toBe(1), {
    timeout: 15_000,
    interval: 50,
  });
  const said = await health(running, cookie);
  expect(said.status).toBe('degraded');
  expect(said.uplink?.connected).toBe(false);
  expect(said.uplink?.refused?.startsWith(`HUB_UPLINK_CA ${ca} `)).toBe(true);
  expect(said.uplink?.refused).toMatch(cause);
  expect(running.stdout()).toContain(`HUB_UPLINK_CA ${ca}`);
  await killHub(running);
  hub = undefined;
}

describe('HUB_UPLINK_CA as the hub process reads it', () => {
  let pair: SelfSignedPair;

  beforeEach(async () => {
    pair = selfSignedPair(dir);
    centre = await startCentre(dir, { tls: pair });
  });

  it('connects with the centre CA file given', async () => {
    hub = await spawnHub(hubEnv(pair.certFile, 'good'), START_TIMEOUT_MS);
    const running = hub;
    const cookie = await adminCookie(running.httpPort);
    await vi.waitFor(async () => expect((await health(running, cookie)).uplink?.connected).toBe(true), {
      timeout: 30_000,
      interval: 50,
    });
  }, 120_000);

  it('a missing file, a folder or a file without a certificate: refused and said, the hub watching the home', async () => {
    await refusedWith(path.join(dir, 'centre-ca.pem'), 'missing', /no such file/);
    await refusedWith(dir, 'folder', /a folder/);
    // The private key given where the certificate should be: PEM, but no certificate in it.
    await refusedWith(pair.keyFile, 'key', /no PEM certificate/);
  }, 240_000);
});
