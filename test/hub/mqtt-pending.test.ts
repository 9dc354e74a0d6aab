// Connections that never log in: one machine on the network may hold only a few open with the broker, so idle TCP
// connections (each about 8 KB and a file descriptor for aedes's 30 s connect timeout) cannot exhaust the hub.
import fs from 'node:fs';
import net from 'node:net';
import type { MqttClient } from 'mqtt';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { MAX_PENDING_PER_SOURCE } from '../../hub/mqtt-pending.js';
import { startTestHub } from '../support/in-process-hub.js';
import { selfSignedPair } from '../support/tls.js';
import { networkAddress, ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

const DEVICE = { username: 'dev-h1', password: 'device-h1-secret' };

let dir: string;
let hub: RunningHub;
const opened: net.Socket[] = [];
const clients: MqttClient[] = [];

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function startHub(transport: 'mqtt' | 'mqtts'): Promise<void> {
  dir ??= tempDir('pending');
  const config = parseHubConfig({
    ...ONE_HOME_CONFIG,
    mqttUsers: [
      { username: DEVICE.username, passwordHash: lowCostHash(DEVICE.password), role: 'device', homes: ['h1'] },
    ],
  });
  const tls = transport === 'mqtts' ? { mqttTls: { port: 0, ...selfSignedPair(dir) } } : {};
  hub = await startTestHub(config, `${dir}/${transport}`, { host: networkAddress, ...tls });
}

async function stopHub(): Promise<void> {
  for (const socket of opened.splice(0)) socket.destroy();
  for (const client of clients.splice(0)) client.end(true);
  await hub?.stop();
}

function port(transport: 'mqtt' | 'mqtts'): number {
  return transport === 'mqtts' ? (hub.broker.describe().tlsPort as number) : hub.ports.mqtt!;
}

/** A TCP connection that sends nothing (for TLS: not even a handshake); resolves once connected. */
async function idleConnection(transport: 'mqtt' | 'mqtts'): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port(transport), networkAddress);
  socket.on('error', () => undefined);
  opened.push(socket);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
  return { socket, closed };
}

async function refusedCount(): Promise<number> {
  const metric = await hub.metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'too-many-unauthenticated')?.value ?? 0;
}

function connectDevice(transport: 'mqtt' | 'mqtts', clientId: string): Promise<MqttClient> {
  return connectAsync(`${transport}://${networkAddress}:${String(port(transport))}`, {
    ...DEVICE,
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 15_000,
    // The test certificate names 127.0.0.1; what is checked here is the count, not the certificate.
    ...(transport === 'mqtts' ? { rejectUnauthorized: false } : {}),
  });
}

describe.skipIf(!networkAddress).each(['mqtt', 'mqtts'] as const)(
  'connections that have not logged in (%s)',
  (transport) => {
    beforeAll(() => startHub(transport), 120_000);
    afterAll(stopHub);

    it('are held to a few per address: one more closes the oldest at once, counted, and a login frees its place', async () => {
      const idle = [];
      for (let i = 0; i < MAX_PENDING_PER_SOURCE; i++) idle.push(await idleConnection(transport));
      const before = await refusedCount();
      // One over: the hub closes the oldest that sent nothing without waiting for aedes's connect timeout (or TLS's
      // handshake timeout), so that a device sharing the address still gets in (session 67; before, the new one was
      // closed).
      const over = await idleConnection(transport);
      await idle[0]!.closed;
      expect((await refusedCount()) - before).toBe(1);
      // Only connections that have not logged in count: with the idle ones gone, more devices than the limit log in
      // from this same address and stay connected.
      for (const { socket, closed } of [...idle, over]) {
        socket.destroy();
        await closed;
      }
      for (let i = 0; i < MAX_PENDING_PER_SOURCE + 4; i++)
        clients.push(await connectDevice(transport, `dev-h1-${String(i)}`));
      expect(clients.every((c) => c.connected)).toBe(true);
      expect((await refusedCount()) - before).toBe(1);
    }, 120_000);
  },
);
