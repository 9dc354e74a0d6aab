// A publication the broker refuses is acknowledged and discarded: it cannot hold back a pendant press resent behind it.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { holdWriteLock, type WriteLock } from '../support/write-lock.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';
import { capturingLogger } from '../support/captured-log.js';

const DEVICE = { username: 'dev-h1', password: 'device-h1-secret' };
const PRESS = '{"type":"pendant","value":true}';
const WAIT = { timeout: 15_000, interval: 20 };

let dir: string;
let hub: RunningHub | undefined;
let holder: WriteLock | undefined;
let installerPassword: string;
let logLines: string[];
const clients: MqttClient[] = [];

beforeEach(async () => {
  dir = tempDir('refusal');
  logLines = [];
  const announced: string[] = [];
  const config = parseHubConfig({
    homes: [
      ...ONE_HOME_CONFIG.homes,
      // A second flat, so that an event for it would be stored and alert if the broker let it through.
      { id: 'h2', timezone: 'Europe/London', residents: [{ id: 'r2' }], devices: [{ id: 'p2', kind: 'pendant' }] },
    ],
    mqttUsers: [
      { username: DEVICE.username, passwordHash: lowCostHash(DEVICE.password), role: 'device', homes: ['h1'] },
    ],
  });
  hub = await startTestHub(config, dir, {
    announce: (line) => announced.push(line),
    logger: capturingLogger(logLines),
  });
  installerPassword = /password "([^"]+)"/.exec(announced.find((l) => l.includes('MQTT installer')) ?? '')?.[1] ?? '';
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await holder?.kill();
  holder = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function connect(options: Parameters<typeof mqttClient>[1] = {}): Promise<MqttClient> {
  const client = await mqttClient(hub!.ports.mqtt!, options);
  clients.push(client);
  return client;
}

async function refusedCount(): Promise<number> {
  const metric = await hub!.metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'publish-denied')?.value ?? 0;
}

/** Topics a subscriber receives, from now on. */
function record(client: MqttClient): string[] {
  const topics: string[] = [];
  client.on('message', (topic) => topics.push(topic));
  return topics;
}

describe('embedded broker: a refused publication', () => {
  it('is acknowledged and discarded, so the pendant press sent after it (reconnecting client) raises its alert', async () => {
    const everything = await connect();
    await everything.subscribeAsync('#', { qos: 1 });
    const installer = await connect({ username: 'installer', password: installerPassword });
    // The installer may read every home's sensor events (not alerts, so not `telecare/#`): h2's included.
    await installer.subscribeAsync('telecare/+/devices/#', { qos: 1 });
    const seenByAll = record(everything);
    const seenByInstaller = record(installer);
    const before = await refusedCount();

    // A client that resends what was not acknowledged after a reconnect (mqtt.js, Zigbee2MQTT, telecare bridge).
    const sender = await connect({ ...DEVICE, clientId: 'gateway-h1', reconnectPeriod: 100 });
    let closes = 0;
    sender.on('close', () => closes++);
    const acked: string[] = [];
    void sender.publishAsync('telecare/h2/devices/p2/events', PRESS, { qos: 1 }).then(
      () => acked.push('refused'),
      () => acked.push('refused failed'),
    );
    void sender.publishAsync('telecare/h1/devices/p1/events', PRESS, { qos: 1 }).then(
      () => acked.push('press'),
      () => acked.push('press failed'),
    );

    await vi.waitFor(
      () => expect(hub!.alerts.list({ state: 'open' }).map((a) => [a.homeId, a.kind])).toEqual([['h1', 'pendant']]),
      WAIT,
    );
    await vi.waitFor(() => expect(acked).toEqual(['refused', 'press']), WAIT);
    expect(closes).toBe(0);
    expect(sender.connected).toBe(true);
    expect(await refusedCount()).toBe(before + 1);
    expect(hub!.store.eventsAfter(0).map((e) => [e.homeId, e.deviceId, e.type])).toEqual([['h1', 'p1', 'pendant']]);

    // Both subscribers get the press (published after the refused message on the same connection) ...
    const press = (topics: string[]): boolean => topics.includes('telecare/h1/devices/p1/events');
    await vi.waitFor(() => expect(press(seenByAll) && press(seenByInstaller)).toBe(true), WAIT);
    // ... and nothing of the refused one: not its topic, nor the `$` topic it was discarded on.
    const leaked = (topics: string[]): string[] => topics.filter((t) => t.includes('h2') || t.startsWith('$'));
    expect(leaked(seenByAll)).toEqual([]);
    expect(leaked(seenByInstaller)).toEqual([]);
  });

  it('at QoS 0, 1 and 2 alike: acknowledged, counted every time, logged once per connection, never retained', async () => {
    const before = await refusedCount();
    const forger = await connect({ ...DEVICE, clientId: 'forger' });
    let closes = 0;
    forger.on('close', () => closes++);
    for (const qos of [0, 1, 2] as const)
      await forger.publishAsync('telecare/h1/alerts/forged', '{"kind":"pendant"}', { qos, retain: true });
    await forger.publishAsync('telecare/h2/devices/p2/events', PRESS, { qos: 1 });
    // A last allowed message: once its PUBACK is in, every earlier one was handled (MQTT 4.6).
    await forger.publishAsync('telecare/h1/devices/p1/events', '{"type":"heartbeat","value":true}', { qos: 1 });
    expect(closes).toBe(0);
    expect(await refusedCount()).toBe(before + 4);
    expect(logLines.filter((l) => l.includes('mqtt publish refused'))).toHaveLength(1);
    expect(logLines.join('')).not.toContain('pendant');
    expect(hub!.alerts.list({})).toEqual([]);

    // A second connection's refusal is logged again (once).
    const other = await connect({ ...DEVICE, clientId: 'forger-2' });
    await other.publishAsync('telecare/h1/alerts/forged', '{}', { qos: 1 });
    expect(logLines.filter((l) => l.includes('mqtt publish refused'))).toHaveLength(2);

    // No retained copy of the forged alert: a later subscriber to it gets nothing before a retained marker.
    await hub!.broker.publish('telecare/h1/alerts/marker', 'end', { qos: 1, retain: true });
    const reader = await connect();
    const seen = record(reader);
    await reader.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    await vi.waitFor(() => expect(seen).toContain('telecare/h1/alerts/marker'), WAIT);
    expect(seen).toEqual(['telecare/h1/alerts/marker']);
  });

  it("keeps its PUBACK's turn behind the same connection's messages still waiting for the disk (MQTT 4.6)", async () => {
    const sender = await connect({ ...DEVICE, clientId: 'ordered' });
    const firstId = hub!.store.lastReservedId + 1;
    holder = await holdWriteLock(path.join(dir, 'data', 'hub.db'));
    const acked: string[] = [];
    void sender.publishAsync('telecare/h1/devices/p1/events', '{"type":"heartbeat","value":true}', { qos: 1 }).then(
      () => acked.push('stored'),
      () => acked.push('stored failed'),
    );
    // Taken by intake, not yet durable: the refused message sent next must not be acknowledged before it.
    await vi.waitFor(() => expect(hub!.store.lastReservedId).toBe(firstId), WAIT);
    const before = await refusedCount();
    void sender.publishAsync('telecare/h2/devices/p2/events', PRESS, { qos: 1 }).then(
      () => acked.push('refused'),
      () => acked.push('refused failed'),
    );
    await vi.waitFor(async () => expect(await refusedCount()).toBe(before + 1), WAIT);
    expect(acked).toEqual([]);
    await holder.release();
    await vi.waitFor(() => expect(acked).toEqual(['stored', 'refused']), WAIT);
  });
});

describe('embedded broker: refused logins', () => {
  it('a guessing flood is counted at every attempt and logged once a minute, saying how many went unlogged', async () => {
    const refusedLogins = async (): Promise<number> => {
      const metric = await hub!.metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
      return metric.values.find((v) => v.labels.reason === 'auth-bad-credentials')?.value ?? 0;
    };
    const guess = (i: number): Promise<MqttClient> =>
      mqttClient(hub!.ports.mqtt!, { username: 'installer', password: `guess-${i}`, clientId: `guesser-${i}` });
    const refusalLines = (): string[] => logLines.filter((l) => l.includes('mqtt connection refused'));
    for (let i = 0; i < 12; i++) await expect(guess(i)).rejects.toThrow(/bad username or password/i);
    expect(await refusedLogins()).toBe(12);
    expect(refusalLines()).toHaveLength(1);
    expect(refusalLines()[0]).not.toContain('refusedUnloggedSinceLastLine');
    // A minute later (the wall clock, as the broker reads it): the next refusal is logged with the 11 before it.
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 61_000);
    try {
      await expect(guess(12)).rejects.toThrow(/bad username or password/i);
    } finally {
      clock.mockRestore();
    }
    expect(await refusedLogins()).toBe(13);
    expect(refusalLines()).toHaveLength(2);
    expect(JSON.parse(refusalLines()[1]!)).toMatchObject({
      refusedUnloggedSinceLastLine: 11,
      reason: 'bad-credentials',
    });
    // The right password still gets in.
    await connect({ username: 'installer', password: installerPassword });
  });

  it('another credential retrying a client id that is taken is counted each time and logged once a minute', async () => {
    const refusedTaken = async (): Promise<number> => {
      const metric = await hub!.metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
      return metric.values.find((v) => v.labels.reason === 'client-id-taken')?.value ?? 0;
    };
    await connect({ ...DEVICE, clientId: 'hall-bridge' });
    for (let i = 0; i < 12; i++)
      await expect(
        mqttClient(hub!.ports.mqtt!, { username: 'installer', password: installerPassword, clientId: 'hall-bridge' }),
      ).rejects.toThrow(/identifier rejected/i);
    expect(await refusedTaken()).toBe(12);
    // Before: a warning per attempt (12 lines).
    const lines = logLines.filter((l) => l.includes('mqtt connection refused'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ reason: 'client-id-taken', clientId: 'hall-bridge', returnCode: 2 });
  });
});
