// The embedded broker under attack, through real sockets: CONNECT floods, retained floods, client-id takeover, and MQTT over TLS.
import fs from 'node:fs';
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { selfSignedPair } from '../support/tls.js';
import { scryptRunCount } from '../../hub/passwords.js';
import { ONE_HOME_CONFIG, mqttClient, nextMessage, tempDir } from './helpers.js';
import { hubCostHash, lowCostHash } from '../support/low-cost-hash.js';

let dir: string;
let hub: RunningHub | undefined;

/**
 * The three users' stored hashes, at the suite's low cost (about a millisecond a check), and the hubs' dashboard
 * admin's too (the suite's cost, vitest.config.ts). Only the CONNECT flood's subject is what a check at the hub's own
 * cost does, and only dev2's check there: the flood guesses at dev2 and dev2 connects behind it, each check at its
 * stored hash's cost. Until session 67 every hash here was at the hub's cost (`atHubHashCost()`): the users' at the
 * file's first hub start, the dashboard admin's at each, dev1's at its first login, several seconds each in the
 * niced hashing thread of a loaded 2-core machine: the flood's test took 51 of its 60 s at load 8 (docs/testing.md,
 * session 67).
 */
const lowCost = {
  dev1: lowCostHash('dev1-secret'),
  dev2: lowCostHash('dev2-secret'),
  resp1: lowCostHash('resp1-secret'),
};
const users = (dev2 = lowCost.dev2) => [
  { username: 'dev1', passwordHash: lowCost.dev1, role: 'device' as const, homes: ['h1'] },
  { username: 'dev2', passwordHash: dev2, role: 'device' as const, homes: ['h1'] },
  { username: 'resp1', passwordHash: lowCost.resp1, role: 'responder' as const },
];

async function start(
  extra: { mqttTls?: { port: number; cert: Buffer; key: Buffer } } = {},
  mqttUsers = users(),
): Promise<RunningHub> {
  hub = await startTestHub(parseHubConfig({ ...ONE_HOME_CONFIG, mqttUsers }), dir, extra);
  return hub;
}

beforeEach(() => {
  dir = tempDir('mqttsec');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function counter(name: string, label: string): Promise<number> {
  const metric = await hub!.metrics.getSingleMetric(name)!.get();
  return metric.values.find((v) => v.labels.reason === label)?.value ?? 0;
}

/** A bare CONNECT from another loopback address (127.0.0.2): resolves with the CONNACK return code, or null if dropped. */
function junkConnect(port: number, clientId: string, username: string, password: string): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connack') {
        resolve(packet.returnCode ?? 0);
        socket.destroy();
      }
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', () => resolve(null));
    socket.on('close', () => resolve(null));
    socket.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId,
        keepalive: 0,
        username,
        password: Buffer.from(password),
      }),
    );
  });
}

describe('CONNECT flood (issue 12 item 2, issue 13 item 3)', () => {
  it("keeps a real device's connection and reconnection fast while 300 junk CONNECTs arrive from another address", async () => {
    // dev2's hash at the hub's cost: each junk guess at dev2 is a check that long, so the junk queue is still full
    // when dev2 itself connects.
    const { ports } = await start({}, users(hubCostHash('dev2-secret')));
    const port = ports.mqtt!;

    // Unloaded: dev1's first connection costs one scrypt; its reconnect none (verified password remembered).
    let before = scryptRunCount();
    await (await mqttClient(port, { username: 'dev1', password: 'dev1-secret', clientId: 'dev1-a' })).endAsync();
    expect(scryptRunCount() - before).toBe(1);
    before = scryptRunCount();
    await (await mqttClient(port, { username: 'dev1', password: 'dev1-secret', clientId: 'dev1-a' })).endAsync();
    expect(scryptRunCount() - before).toBe(0);

    // The flood: half guesses at a real username (each would cost a scrypt), half unknown usernames.
    const floodStart = scryptRunCount();
    const junk = Array.from({ length: 300 }, (_, i) =>
      junkConnect(port, `junk-${i}`, i % 2 === 0 ? 'dev2' : `ghost-${i}`, `guess-${i}`),
    );
    // Once the unknown usernames are all refused (at once, no scrypt), every junk CONNECT has reached the broker.
    const ghostCodes = await Promise.all(junk.filter((_, i) => i % 2 === 1));
    expect(ghostCodes.every((c) => c === 4)).toBe(true);
    // dev2 connects for the first time during the flood: it waits for the junk hash already running, not the
    // junk queue (counted: that hash, its own, and the next junk one starting as it finishes). The timeout is
    // generous because one scrypt at the hub's cost takes 7 to 11 s in its niced thread on a loaded 2-core machine;
    // the assertion is the count.
    before = scryptRunCount();
    const dev2 = await mqttClient(port, {
      username: 'dev2',
      password: 'dev2-secret',
      clientId: 'dev2-a',
      connectTimeout: 120_000,
    });
    expect(scryptRunCount() - before).toBeLessThanOrEqual(3);
    // dev1 reconnects during the flood: no scrypt of its own, so at most one junk hash starts meanwhile.
    before = scryptRunCount();
    const dev1 = await mqttClient(port, { username: 'dev1', password: 'dev1-secret', clientId: 'dev1-a' });
    expect(scryptRunCount() - before).toBeLessThanOrEqual(1);
    await dev1.publishAsync('telecare/h1/devices/p1/events', '{"type":"heartbeat","value":true}', { qos: 1 });

    const codes = await Promise.all(junk);
    // Every junk CONNECT was answered with a refusal, none accepted; unknown usernames cost no scrypt, and the
    // address stopped getting hashes once it had failed too often.
    expect(codes.every((c) => c === 3 || c === 4)).toBe(true);
    expect(scryptRunCount() - floodStart).toBeLessThan(30);
    expect(await counter('telecare_mqtt_refused_total', 'auth-unknown-user')).toBe(150);
    expect(await counter('telecare_mqtt_refused_total', 'auth-rate-limited')).toBeGreaterThan(100);
    await Promise.all([dev1.endAsync(), dev2.endAsync()]);
    // Waiting is this test: the flood's checks and dev2's, about six at the hub's cost in its niced thread, 7 to 11 s
    // each at load 8 to 10 (29 s in all), more at the load 15 to 20 a CI run reaches; not the suite's 60 s.
  }, 240_000);
});

describe('retained messages (issue 12 item 5)', () => {
  it('refuses retain on sensor topics and caps the rest, so memory stays bounded', async () => {
    const { ports, store } = await start();
    const flooder = await mqttClient(ports.mqtt!);
    // A retained pendant press: stored as an event once, never kept to be handed to later subscribers.
    await flooder.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', {
      qos: 1,
      retain: true,
    });
    const payload = Buffer.alloc(4096, 0x61);
    for (let i = 0; i < 1500; i++) await flooder.publishAsync(`tools/junk/${i}`, payload, { qos: 1, retain: true });
    await flooder.endAsync();

    expect(store.eventsAfter(0).filter((e) => e.type === 'pendant')).toHaveLength(1);
    expect(hub!.broker.describe().retained).toEqual({ messages: 100, bytes: 100 * 4096 });
    expect(await counter('telecare_mqtt_refused_total', 'retain-sensor-topic')).toBe(1);
    expect(await counter('telecare_mqtt_refused_total', 'retain-quota')).toBe(1400);

    // What a new subscriber receives retained is what the ledger says: 100 junk messages, no pendant press.
    const reader = await mqttClient(ports.mqtt!);
    const retained: string[] = [];
    reader.on('message', (topic, _payload, packet) => {
      if (packet.retain) retained.push(topic);
    });
    await reader.subscribeAsync(['tools/#', 'telecare/+/devices/+/events'], { qos: 1 });
    const marker = nextMessage(reader, (t) => t === 'tools/marker');
    const sender = await mqttClient(ports.mqtt!);
    await sender.publishAsync('tools/marker', 'x', { qos: 1 });
    await marker;
    // aedes sends the retained messages from a stream of its own: the marker does not promise they came first.
    await vi.waitFor(() => expect(retained).toHaveLength(100), { timeout: 15_000, interval: 20 });
    expect(retained.some((t) => t.startsWith('telecare/'))).toBe(false);

    // Clearing a retained message frees its place in the quota.
    await sender.publishAsync('tools/junk/0', '', { qos: 1, retain: true });
    expect(hub!.broker.describe().retained).toEqual({ messages: 99, bytes: 99 * 4096 });
    await Promise.all([reader.endAsync(), sender.endAsync()]);
  });
});

describe('client ids (issue 12 item 11)', () => {
  it("refuses another user's client id instead of disconnecting its owner; the owner may reconnect with it", async () => {
    const { ports } = await start();
    const owner = await mqttClient(ports.mqtt!, { username: 'dev1', password: 'dev1-secret', clientId: 'front-door' });
    const ownerClosed = new Promise<boolean>((resolve) => owner.once('close', () => resolve(true)));
    await expect(
      mqttClient(ports.mqtt!, { username: 'dev2', password: 'dev2-secret', clientId: 'front-door' }),
    ).rejects.toThrow(/[Ii]dentifier rejected/);
    await expect(mqttClient(ports.mqtt!, { clientId: 'front-door' })).rejects.toThrow(/[Ii]dentifier rejected/);
    expect(owner.connected).toBe(true);
    await owner.publishAsync('telecare/h1/devices/front/events', '{"type":"contact","value":true}', { qos: 1 });
    expect(await counter('telecare_mqtt_refused_total', 'client-id-taken')).toBe(2);
    // Its own reconnection (a half-open old socket) takes over as MQTT says.
    const again = await mqttClient(ports.mqtt!, { username: 'dev1', password: 'dev1-secret', clientId: 'front-door' });
    expect(await ownerClosed).toBe(true);
    // The old connection's end did not free the id: the new one still owns it.
    await expect(
      mqttClient(ports.mqtt!, { username: 'dev2', password: 'dev2-secret', clientId: 'front-door' }),
    ).rejects.toThrow(/[Ii]dentifier rejected/);
    expect(again.connected).toBe(true);
    await again.endAsync();
    owner.end(true);
  });
});

describe('MQTT over TLS (issue 12 item 12)', () => {
  it('serves MQTT over TLS with the installer’s certificate and key', async () => {
    const { cert, key } = selfSignedPair(dir);
    const { store } = await start({ mqttTls: { port: 0, cert, key } });
    const tlsPort = hub!.broker.describe().tlsPort as number;
    expect(tlsPort).toBeGreaterThan(0);

    const { connectAsync } = await import('mqtt');
    const device = await connectAsync(`mqtts://127.0.0.1:${tlsPort}`, {
      username: 'dev1',
      password: 'dev1-secret',
      ca: cert,
      reconnectPeriod: 0,
      connectTimeout: 15_000,
    });
    await device.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    expect(store.eventsAfter(0)).toMatchObject([{ deviceId: 'p1', type: 'pendant' }]);
    await device.endAsync();
    // A client that does not trust the certificate gets no connection.
    await expect(
      connectAsync(`mqtts://127.0.0.1:${tlsPort}`, {
        username: 'dev1',
        password: 'dev1-secret',
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      }),
    ).rejects.toThrow();
  });
});
