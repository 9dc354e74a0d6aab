// Review, session 67: the topic filters one MQTT credential holds are bounded. aedes keeps each in its subscription tree
// and, for a persistent session, for the three days a session away is kept; a wildcard filter is accepted for every
// credential (each delivery is checked), so one flat's responder or device credential could subscribe without end:
// 50,000 made-up filters grew the hub by 178 MB, kept after it left.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILTER_CHARS, MAX_SUBSCRIPTIONS_PER_CREDENTIAL } from '../../hub/mqtt-subscription-ledger.js';
import { lowCostHash } from '../support/low-cost-hash.js';
import {
  adminGet,
  killHub,
  mqttClient,
  nextMessage,
  ONE_HOME_CONFIG,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

const PHONE = { username: 'phone-h1', password: 'responder-phone-secret' };
const CENTRE = { username: 'centre', password: 'alarm-centre-secret' };
const BOUND = MAX_SUBSCRIPTIONS_PER_CREDENTIAL;

let dir: string;
let hub: HubProcess;
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = tempDir('review-s67-subscriptions');
  const config = {
    ...ONE_HOME_CONFIG,
    mqttUsers: [
      { username: PHONE.username, passwordHash: lowCostHash(PHONE.password), role: 'responder', homes: ['h1'] },
      { username: CENTRE.username, passwordHash: lowCostHash(CENTRE.password), role: 'responder' },
    ],
  };
  hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, config) });
}, 60_000);

afterAll(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await killHub(hub);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function connect(who: { username: string; password: string }, clientId: string, clean: boolean) {
  const client = await mqttClient(hub.mqttPort, { ...who, clientId, clean, resubscribe: false });
  clients.push(client);
  return client;
}

/** The SUBACK's codes for `filters` (128: refused), sent 200 to a packet. */
async function subscribe(client: MqttClient, filters: readonly string[]): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < filters.length; i += 200) {
    const batch = Object.fromEntries(filters.slice(i, i + 200).map((f) => [f, { qos: 1 as const }]));
    const granted = await client.subscribeAsync(batch).then(
      (g) => g.map((x) => x.qos),
      (err: unknown) => (err as { packet: { granted: number[] } }).packet.granted,
    );
    codes.push(...granted);
  }
  return codes;
}

const madeUp = (from: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `telecare/h1/alerts/made-up-${from + i}`);

async function refused(reason: string): Promise<number> {
  const text = await (await adminGet(hub.httpPort, '/metrics')).text();
  return Number(new RegExp(`telecare_mqtt_refused_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
}

describe("one credential's subscriptions (session 67)", () => {
  it('a credential holds at most its bound of filters over its sessions, away ones included', async () => {
    // Two persistent sessions of the flat's responder credential, half the bound each, left away.
    for (const [n, clientId] of ['away-1', 'away-2'].entries()) {
      const client = await connect(PHONE, clientId, false);
      expect(new Set(await subscribe(client, madeUp(n * (BOUND / 2), BOUND / 2)))).toEqual(new Set([1]));
      await client.endAsync();
    }
    const before = await refused('too-many-subscriptions');
    const third = await connect(PHONE, 'third', true);
    // Before the fix: granted (1), as every filter before it.
    expect(await subscribe(third, ['telecare/h1/alerts/+'])).toEqual([128]);
    expect(await refused('too-many-subscriptions')).toBe(before + 1);

    // Another credential is not held back by it: the centre subscribes, and gets a pendant's alert.
    const centre = await connect(CENTRE, 'centre-1', true);
    expect(await subscribe(centre, ['telecare/+/alerts/+'])).toEqual([1]);
    const alert = nextMessage(centre, (t) => t.startsWith('telecare/h1/alerts/'));
    const pendant = await mqttClient(hub.mqttPort);
    clients.push(pendant);
    await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    expect(JSON.parse((await alert).payload.toString())).toMatchObject({ kind: 'pendant' });

    // A session's unsubscription frees its place, and so does a session that comes back clean.
    const back = await connect(PHONE, 'away-2', false);
    await back.unsubscribeAsync(madeUp(BOUND / 2, 1));
    expect(await subscribe(third, ['telecare/h1/alerts/+'])).toEqual([1]);
    const clean = await connect(PHONE, 'away-1', true);
    expect(new Set(await subscribe(clean, madeUp(BOUND, 100)))).toEqual(new Set([1]));
  }, 120_000);

  it('a filter longer than any topic the hub knows is refused', async () => {
    const client = await connect(CENTRE, 'long-filter', true);
    const before = await refused('filter-too-long');
    const codes = await subscribe(client, [
      `telecare/h1/alerts/${'x'.repeat(MAX_FILTER_CHARS)}`,
      'telecare/h1/alerts/+',
    ]);
    expect(codes).toEqual([128, 1]);
    expect(await refused('filter-too-long')).toBe(before + 1);
  }, 60_000);
});
