// Review, session 67: one credential's logged-in connections are bounded. The cap of 16 connections per address holds
// only until they log in; one flat's device credential (its password read out of a sensor) then held as many as it
// opened, about 45 KB of the hub's memory each and a file descriptor of the 20,000 the whole hub shares.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowCostHash } from '../support/low-cost-hash.js';
import {
  adminGet,
  killHub,
  ONE_HOME_CONFIG,
  rawMqtt,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
  type RawMqtt,
} from './helpers.js';

const FLOODER = { username: 'dev-h1', password: 'device-h1-secret' };
const NEIGHBOUR = { username: 'dev-h2', password: 'device-h2-secret' };
/** `MAX_CONNECTIONS_PER_CREDENTIAL` of hub/broker.ts. */
const BOUND = 1_000;

let dir: string;
let hub: HubProcess;
const open: RawMqtt[] = [];

beforeAll(async () => {
  dir = tempDir('review-s67-connections');
  const config = {
    homes: [...ONE_HOME_CONFIG.homes, { id: 'h2', residents: [{ id: 'r2' }], devices: [] }],
    mqttUsers: [
      { username: FLOODER.username, passwordHash: lowCostHash(FLOODER.password), role: 'device', homes: ['h1'] },
      { username: NEIGHBOUR.username, passwordHash: lowCostHash(NEIGHBOUR.password), role: 'device', homes: ['h2'] },
    ],
  };
  hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, config) });
}, 60_000);

afterAll(async () => {
  await Promise.all(open.splice(0).map((c) => c.end()));
  await killHub(hub);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function refused(reason: string): Promise<number> {
  const text = await (await adminGet(hub.httpPort, '/metrics')).text();
  return Number(new RegExp(`telecare_mqtt_refused_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
}

describe("one credential's connections (session 67)", () => {
  it("a device credential holds at most its bound of connections; another flat's device still gets in", async () => {
    // The first login verifies the password (one scrypt); the others are let in on the remembered verification.
    open.push(await rawMqtt(hub.mqttPort, { clientId: 'flood-0', clean: true, ...FLOODER }));
    for (let i = 1; i < BOUND; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, BOUND - i) }, (_, j) =>
          rawMqtt(hub.mqttPort, { clientId: `flood-${i + j}`, clean: true, ...FLOODER }),
        ),
      );
      open.push(...batch);
    }
    expect(open.map((c) => c.connack()).filter((code) => code !== 0)).toEqual([]);

    const refusedBefore = await refused('too-many-connections');
    const oneMore = await rawMqtt(hub.mqttPort, { clientId: 'flood-more', clean: true, ...FLOODER });
    // Before the fix: 0, the 1,001st taken like the others.
    expect(oneMore.connack()).toBe(3);
    await oneMore.closed;
    expect(await refused('too-many-connections')).toBe(refusedBefore + 1);

    const neighbour = await rawMqtt(hub.mqttPort, { clientId: 'h2-pendant', clean: true, ...NEIGHBOUR });
    expect(neighbour.connack()).toBe(0);
    await neighbour.end();

    // One of its connections closed, the credential may connect again (once the hub has seen the close).
    await open.pop()!.end();
    let again: RawMqtt;
    do {
      again = await rawMqtt(hub.mqttPort, { clientId: 'flood-again', clean: true, ...FLOODER });
    } while (again.connack() === 3);
    expect(again.connack()).toBe(0);
    open.push(again);

    // Its own client id taken over (a half-open connection replaced, as MQTT says) is not refused at the bound.
    const takeover = await rawMqtt(hub.mqttPort, { clientId: 'flood-1', clean: true, ...FLOODER });
    expect(takeover.connack()).toBe(0);
    open.push(takeover);
  }, 120_000);
});
