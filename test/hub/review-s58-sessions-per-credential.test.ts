// Review, session 58: one MQTT credential cannot fill the hub's memory with persistent sessions left under made-up
// client ids (about 1 KB each, kept three days): past a bound per credential its oldest session away is removed.
import mqtt, { type MqttClient } from 'mqtt';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ONE_HOME_CONFIG } from './helpers.js';
import { brokerPerTest } from '../support/embedded-broker.js';
import { lowCostHash } from '../support/low-cost-hash.js';

const DEVICE = { username: 'dev-h1', password: 'device-h1-secret' };
const RESPONDER = { username: 'phone-1', password: 'responder-phone-secret' };
/** `MAX_SESSIONS_AWAY_PER_CREDENTIAL` of hub/broker.ts. */
const BOUND = 1_000;

const t = brokerPerTest('sessions-per-credential');
const clients = t.clients;

beforeEach(async () => {
  await t.start(
    {},
    {
      ...ONE_HOME_CONFIG,
      mqttUsers: [
        { username: DEVICE.username, passwordHash: lowCostHash(DEVICE.password), role: 'device', homes: ['h1'] },
        { username: RESPONDER.username, passwordHash: lowCostHash(RESPONDER.password), role: 'responder' },
      ],
    },
  );
});

/** Connects under `clientId` with a persistent session (clean = false); whether the broker still had its session. */
async function connect(
  who: { username: string; password: string },
  clientId: string,
): Promise<{ client: MqttClient; sessionPresent: boolean }> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${t.broker!.port}`, {
    ...who,
    clientId,
    clean: false,
    reconnectPeriod: 0,
    connectTimeout: 15_000,
    resubscribe: false,
  });
  const sessionPresent = await new Promise<boolean>((resolve, reject) => {
    client.once('connect', (connack) => resolve(connack.sessionPresent));
    client.once('error', reject);
  });
  return { client, sessionPresent };
}

/** A session with one subscription, left away. */
async function leaveSession(who: { username: string; password: string }, clientId: string, topic: string) {
  const { client } = await connect(who, clientId);
  await client.subscribeAsync(topic, { qos: 1 });
  await client.endAsync();
}

describe('persistent sessions away, per credential', () => {
  it('are bounded: a credential leaving sessions under new ids loses its oldest, another credential keeps its own', async () => {
    // A responder's phone, off for the night: its session (and the alerts queued for it) must stay.
    await leaveSession(RESPONDER, 'phone-1', 'telecare/h1/alerts/#');
    // The device credential warms its verified password, then leaves sessions under new ids, 25 at a time.
    await leaveSession(DEVICE, 'dev-0', 'telecare/h1/prealert');
    for (let next = 1; next < BOUND + 50; next += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) => leaveSession(DEVICE, `dev-${next + i}`, 'telecare/h1/prealert')),
      );
    }
    // The phone's session and the device credential's newest BOUND are held; nothing more.
    await vi.waitFor(() => expect(t.broker!.describe().persistentSessionsAway).toBe(BOUND + 1), { timeout: 15_000 });

    const phone = await connect(RESPONDER, 'phone-1');
    clients.push(phone.client);
    expect(phone.sessionPresent).toBe(true);
    // The device credential's oldest session was removed (its client starts a new one), its newest kept.
    const oldest = await connect(DEVICE, 'dev-0');
    clients.push(oldest.client);
    expect(oldest.sessionPresent).toBe(false);
    const newest = await connect(DEVICE, `dev-${BOUND + 50}`);
    clients.push(newest.client);
    expect(newest.sessionPresent).toBe(true);
  });
});
