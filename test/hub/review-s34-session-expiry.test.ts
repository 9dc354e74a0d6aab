// Review, session 34 (round 2): a persistent session (clean = false) whose client never came back kept its
// subscriptions and its queued messages (a share of the 100,000 in all) for the life of the process. Now a session
// whose client stays away past `sessionExpiryMs` is removed, counted and shown in the broker's health; one whose
// client is away for less (a responder's phone off for an hour) keeps everything.
import mqtt, { type MqttClient } from 'mqtt';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mqttClient } from './helpers.js';
import { brokerPerTest } from '../support/embedded-broker.js';

const HOUR = 3_600_000;
const EXPIRY = 24 * HOUR;
const TOPIC = 'telecare/h1/devices/hall-pir/events';

const t = brokerPerTest('session-expiry');
const clients = t.clients;
let nowMs = Date.UTC(2026, 0, 5, 8, 0, 0);

beforeEach(async () => {
  await t.start({ sessionExpiryMs: EXPIRY, now: () => nowMs });
});

/** The persistent session 'phone', connected: whether the broker still had it, and the `n` of each event received. */
async function phone(seen: number[]): Promise<{ client: MqttClient; sessionPresent: boolean }> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${t.broker!.port}`, {
    clientId: 'phone',
    clean: false,
    reconnectPeriod: 0,
    // The session's own subscriptions only: mqtt.js would otherwise subscribe again on a session not present.
    resubscribe: false,
  });
  clients.push(client);
  client.on('message', (_topic, payload) => seen.push((JSON.parse(payload.toString()) as { n: number }).n));
  const sessionPresent = await new Promise<boolean>((resolve, reject) => {
    client.once('connect', (connack) => resolve(connack.sessionPresent));
    client.once('error', reject);
  });
  return { client, sessionPresent };
}

/** The phone subscribes, leaves, and misses 3 events while away for `awayMs`; then the broker looks for expired sessions. */
async function awayFor(awayMs: number): Promise<number> {
  const sensor = await mqttClient(t.broker!.port, { clientId: 'sensor' });
  clients.push(sensor);
  const { client } = await phone([]);
  await client.subscribeAsync(TOPIC, { qos: 1 });
  await client.endAsync();
  await vi.waitFor(() => expect(t.broker!.describe().persistentSessionsAway).toBe(1), { timeout: 15_000 });
  for (let n = 0; n < 3; n++)
    await sensor.publishAsync(TOPIC, JSON.stringify({ type: 'motion', value: true, n }), { qos: 1 });
  await vi.waitFor(() => expect(t.broker!.describe().persistentSessionQueued).toBe(3), { timeout: 15_000 });
  nowMs += awayMs;
  return t.broker!.expireSessions();
}

describe('a persistent session whose client stays away', () => {
  it('past the expiry is removed: its queued messages and subscriptions go, counted in the health', async () => {
    expect(await awayFor(EXPIRY + 1)).toBe(1);
    expect(t.broker!.describe()).toMatchObject({
      persistentSessionQueued: 0,
      persistentSessionsAway: 0,
      persistentSessionsExpired: 1,
    });
    const seen: number[] = [];
    const back = await phone(seen);
    expect(back.sessionPresent).toBe(false);
    // Nothing queued is sent: subscribed anew, the first event it receives is the next one published.
    await back.client.subscribeAsync(TOPIC, { qos: 1 });
    await clients[0]!.publishAsync(TOPIC, JSON.stringify({ type: 'motion', value: true, n: 9 }), { qos: 1 });
    await vi.waitFor(() => expect(seen).toContain(9), { timeout: 15_000 });
    expect(seen).toEqual([9]);
  });

  it('for an hour keeps its session and every message queued meanwhile', async () => {
    expect(await awayFor(HOUR)).toBe(0);
    expect(t.broker!.describe()).toMatchObject({ persistentSessionQueued: 3, persistentSessionsExpired: 0 });
    const seen: number[] = [];
    const back = await phone(seen);
    expect(back.sessionPresent).toBe(true);
    await vi.waitFor(() => expect(seen).toEqual([0, 1, 2]), { timeout: 15_000 });
    // Connected, it is no longer away: a later look past the expiry leaves it.
    nowMs += 2 * EXPIRY;
    expect(await t.broker!.expireSessions()).toBe(0);
  });
});
