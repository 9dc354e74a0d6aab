// Review, session 68: devices of a flat sharing one MQTT credential. A compromised sensor presenting the pendant's
// client id from its own address took the id over (MQTT-3.1.4-2), again and again, and kept the pendant off the broker.
// The pendant's own reconnect, its old socket half-open, must still get in at once.
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

/** The flat's one device credential, in the pendant and in every sensor of the flat. */
const FLAT = { username: 'flat-h1-devices', password: 'flat-h1-device-secret' };
/** Two machines of the flat's network, as the broker sees them. */
const PENDANT_ADDRESS = '127.0.0.2';
const SENSOR_ADDRESS = '127.0.0.3';

let dir: string;
let hub: HubProcess;
const open: RawMqtt[] = [];

beforeAll(async () => {
  dir = tempDir('review-s68-client-id');
  const config = {
    ...ONE_HOME_CONFIG,
    mqttUsers: [{ username: FLAT.username, passwordHash: lowCostHash(FLAT.password), role: 'device', homes: ['h1'] }],
  };
  hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, config) });
}, 60_000);

afterAll(async () => {
  await Promise.all(open.splice(0).map((c) => c.end()));
  await killHub(hub);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function connectFrom(localAddress: string, clientId: string): Promise<RawMqtt> {
  const connection = await rawMqtt(hub.mqttPort, { clientId, clean: true, ...FLAT, localAddress });
  open.push(connection);
  return connection;
}

async function refused(reason: string): Promise<number> {
  const text = await (await adminGet(hub.httpPort, '/metrics')).text();
  return Number(new RegExp(`telecare_mqtt_refused_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
}

function isClosed(connection: RawMqtt): Promise<boolean> {
  return Promise.race([connection.closed.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
}

describe('a client id shared by one credential (session 68)', () => {
  it("a sensor on the pendant's credential cannot take its client id from another address; the pendant's press gets through", async () => {
    const pendant = await connectFrom(PENDANT_ADDRESS, 'pendant-p1');
    expect(pendant.connack()).toBe(0);
    const before = await refused('client-id-in-use');
    // The compromised sensor tries again and again, as a reconnect loop would.
    const tries: (number | undefined)[] = [];
    for (let i = 0; i < 10; i++) {
      const sensor = await connectFrom(SENSOR_ADDRESS, 'pendant-p1');
      tries.push(sensor.connack());
      await sensor.end();
    }
    expect(tries).toEqual(Array<number>(10).fill(2));
    expect(await refused('client-id-in-use')).toBe(before + 10);
    // The pendant was never disconnected, and its press is taken in.
    expect(await isClosed(pendant)).toBe(false);
    pendant.send({
      cmd: 'publish',
      topic: 'telecare/h1/devices/p1/events',
      payload: JSON.stringify({ type: 'pendant', value: true }),
      qos: 1,
      messageId: 7,
      retain: false,
      dup: false,
    });
    await pendant.until((r) => r.some((p) => p.cmd === 'puback' && p.messageId === 7));
    const alerts = (await (await adminGet(hub.httpPort, '/api/alerts?state=open')).json()) as { kind: string }[];
    expect(alerts.map((a) => a.kind)).toContain('pendant');
    // Logged with the address and the credential, never the password.
    const log = hub.stdout();
    expect(log).toContain('client-id-in-use');
    expect(log).not.toContain(FLAT.password);
  });

  it('the pendant reconnecting from its own address, its old socket half-open, gets in at once', async () => {
    // The Wi-Fi dropped: the old connection is still open on the hub's side and says nothing more.
    const halfOpen = await connectFrom(PENDANT_ADDRESS, 'pendant-p2');
    expect(halfOpen.connack()).toBe(0);
    const again = await connectFrom(PENDANT_ADDRESS, 'pendant-p2');
    expect(again.connack()).toBe(0);
    await halfOpen.closed;
  });

  it('a pendant whose id was taken while it was away takes it back, and keeps it', async () => {
    const pendant = await connectFrom(PENDANT_ADDRESS, 'pendant-p3');
    expect(pendant.connack()).toBe(0);
    await pendant.end();
    // Away (its battery changed): the sensor takes the free id.
    const sensor = await connectFrom(SENSOR_ADDRESS, 'pendant-p3');
    expect(sensor.connack()).toBe(0);
    // The pendant comes back from the id's home and is let in; the sensor is closed.
    const back = await connectFrom(PENDANT_ADDRESS, 'pendant-p3');
    expect(back.connack()).toBe(0);
    await sensor.closed;
    // The sensor cannot take it again while the pendant is there.
    const retry = await connectFrom(SENSOR_ADDRESS, 'pendant-p3');
    expect(retry.connack()).toBe(2);
    expect(await isClosed(back)).toBe(false);
  });
});
