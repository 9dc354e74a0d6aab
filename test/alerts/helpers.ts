// Real parts for the alert tests: an aedes broker on an ephemeral port, mqtt clients, a webhook receiver, a SQLite file.
import { Aedes } from 'aedes';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import { AlertService } from '../../hub/alerts/service.js';
import type { OutboxOptions } from '../../hub/alerts/outbox.js';
import type { Clock } from '../../hub/clock.js';
import { silentLogger, type Logger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import type { Publisher } from '../../hub/publisher.js';
import type { DeviceConfig, HomeConfig } from '../../rules/types.js';
import type { HubConfig } from '../../hub/config-types.js';
import { parseHubConfig } from '../../hub/config.js';
import { ONE_HOME_CONFIG } from '../hub/helpers.js';

interface RetainedSource {
  createRetainedStream(pattern: string): AsyncIterable<{ topic: string; payload: Buffer | string }>;
}

export interface TestBroker {
  broker: Aedes;
  port: number;
  publisher: Publisher;
  /** Retained messages the broker holds now, by topic. */
  retained(pattern: string): Promise<Map<string, string>>;
  close(): Promise<void>;
}

export async function startBroker(): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const publisher: Publisher = {
    publish: (topic, payload, { qos, retain }) =>
      new Promise((resolve, reject) =>
        broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false }, (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
  };
  return {
    broker,
    port,
    publisher,
    retained: async (pattern) => {
      const found = new Map<string, string>();
      // aedes types `persistence` loosely; the memory persistence yields retained packets as an async iterable.
      const persistence = (broker as unknown as { persistence: RetainedSource }).persistence;
      for await (const packet of persistence.createRetainedStream(pattern)) {
        found.set(packet.topic, Buffer.from(packet.payload).toString());
      }
      return found;
    },
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ReceivedMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

export interface TestSubscriber {
  client: MqttClient;
  messages: ReceivedMessage[];
  close(): Promise<void>;
}

export async function subscriber(port: number, topics: string[], username?: string): Promise<TestSubscriber> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, username });
  const messages: ReceivedMessage[] = [];
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  for (const topic of topics) await client.subscribeAsync(topic, { qos: 1 });
  return { client, messages, close: () => client.endAsync() };
}

export interface WebhookRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  requests: WebhookRequest[];
  /** Requests answered with a 2xx. */
  accepted(): WebhookRequest[];
  close(): Promise<void>;
}

/** A call-centre platform stand-in that answers 500 to its first `failFirst` requests. */
export async function webhookReceiver(failFirst = 0): Promise<WebhookReceiver> {
  const requests: WebhookRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = requests.length < failFirst ? 500 : 204;
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/telecare`,
    requests,
    accepted: () => requests.filter((r) => r.status < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TempDb {
  dir: string;
  file: string;
  open(): Database.Database;
  remove(): void;
}

export function tempDb(): TempDb {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-alerts-'));
  const file = path.join(dir, 'hub.db');
  return {
    dir,
    file,
    open: () => {
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      return db;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The stage of an alert story: a broker and a temp SQLite file; whatever is started on it closes with it, newest first. */
export interface AlertStage {
  broker: TestBroker;
  store: TempDb;
  webhook(failFirst?: number): Promise<WebhookReceiver>;
  subscriber(topics: string[]): Promise<TestSubscriber>;
  /** A started AlertService on its own connection to the store, publishing to the broker. */
  alertService(
    config: HubConfig,
    clock: Clock,
    metrics?: Registry,
    logger?: Logger,
    outbox?: Partial<OutboxOptions>,
  ): Promise<{ alerts: AlertService; db: Database.Database }>;
  close(): Promise<void>;
}

export async function startStage(): Promise<AlertStage> {
  const broker = await startBroker();
  const store = tempDb();
  const closers: (() => Promise<void> | void)[] = [() => store.remove(), () => broker.close()];
  return {
    broker,
    store,
    async webhook(failFirst) {
      const receiver = await webhookReceiver(failFirst);
      closers.push(receiver.close);
      return receiver;
    },
    async subscriber(topics) {
      const s = await subscriber(broker.port, topics);
      closers.push(s.close);
      return s;
    },
    async alertService(config, clock, metrics = createMetricsRegistry(), logger = silentLogger, outbox = {}) {
      const db = store.open();
      closers.push(() => {
        db.close();
      });
      const alerts = new AlertService({
        db,
        publisher: broker.publisher,
        config,
        clock,
        logger,
        metrics,
        // A loopback receiver answers in milliseconds; a timed-out attempt on a loaded machine would be retried, and
        // the stories count attempts.
        outbox: { webhookTimeoutMs: 15_000, ...outbox },
      });
      closers.push(() => alerts.stop());
      await alerts.start();
      return { alerts, db };
    },
    async close() {
      for (const close of closers.splice(0).reverse()) await close();
    },
  };
}

/** The item at `index`, or a clear failure when the list is shorter (safe indexing in assertions). */
export function nth<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`expected an item at ${index}, the list has ${list.length}`);
  return item;
}

/** Polls `condition` until it holds; 15 s by default, generous for a loaded 2-core CI machine (never a timing assertion). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A home in London with the default night window and rules: by default h1, where r1 wears pendant p1 in the living room. */
export function testHome(
  id = 'h1',
  residentId = 'r1',
  devices: DeviceConfig[] = [{ id: 'p1', kind: 'pendant', room: 'living', residentId: 'r1' }],
): HomeConfig {
  return {
    id,
    timezone: 'Europe/London',
    nightWindow: { start: '23:00', end: '06:00' },
    away: false,
    residents: [{ id: residentId }],
    devices,
    rules: {},
  };
}

export function homeConfig(responders: HubConfig['responders'], escalation: HubConfig['escalation'] = {}): HubConfig {
  return {
    hub: { name: 'test-hub', zigbeeBaseTopic: 'zigbee2mqtt' },
    homes: [testHome()],
    responders,
    escalation,
    mqttUsers: [
      { username: 'responder-ann', passwordHash: 'unused-in-these-tests', role: 'responder' },
      { username: 'kitchen-pir', passwordHash: 'unused-in-these-tests', role: 'device' },
    ],
  };
}

/** Home h1 with a two-step ladder: the first line, then after 60 s the supervisors (120 s more before the ladder is exhausted). */
export function ladderConfig(firstLine: WebhookReceiver, supervisors: WebhookReceiver): HubConfig {
  return homeConfig(
    [
      { id: 'cc-first', group: 'first', webhook: { url: firstLine.url, secret: 's1', allowPrivateNetwork: true } },
      {
        id: 'cc-super',
        group: 'supervisors',
        webhook: { url: supervisors.url, secret: 's2', allowPrivateNetwork: true },
      },
    ],
    {
      default: [
        { group: 'first', timeoutSeconds: 60 },
        { group: 'supervisors', timeoutSeconds: 120 },
      ],
    },
  );
}

export function pendantPress(at: number) {
  return {
    type: 'raise' as const,
    homeId: 'h1',
    residentId: 'r1',
    kind: 'pendant' as const,
    severity: 'critical' as const,
    at,
    room: 'living',
    deviceId: 'p1',
    detail: { eventType: 'pendant', source: 'mqtt' },
  };
}

/**
 * ONE_HOME_CONFIG's home with a wearable `w1` worn by r1 (and the home's `rules` when given), the call centre's webhook
 * at `url` its one responder group (`cc`, first): the stage of the fall-and-silence stories.
 */
export function wearerWithCallCentre(url: string, rules?: Record<string, unknown>): HubConfig {
  const home = ONE_HOME_CONFIG.homes[0]!;
  return parseHubConfig({
    homes: [
      {
        ...home,
        devices: [...home.devices, { id: 'w1', kind: 'wearable', room: 'living', residentId: 'r1' }],
        ...(rules ? { rules } : {}),
      },
    ],
    responders: [
      {
        id: 'cc',
        group: 'first',
        webhook: { url, secret: 'call-centre-secret-for-tests', allowPrivateNetwork: true },
      },
    ],
  });
}
