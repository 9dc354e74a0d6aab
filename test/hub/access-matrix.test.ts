// The access-control matrix (issue 12): every credential kind × every topic class and route, expected allow/deny in one table, checked through a real broker and real HTTP requests.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, createApiToken, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

const Y = true;
const N = false;

/** MQTT credentials: anonymous on the Pi, the generated installer credential, and configured ones scoped to h1. */
const MQTT_CREDENTIALS = ['local', 'installer', 'device-h1', 'bridge-h1', 'responder-h1', 'responder-all'] as const;
type MqttCredential = (typeof MQTT_CREDENTIALS)[number];
/** Dashboard roles, each through an API token, and a device's token scoped to h1 (session 62). */
const HTTP_ROLES = ['admin', 'installer', 'responder', 'analyst', 'device-h1'] as const;
type HttpRole = (typeof HTTP_ROLES)[number];

type Row =
  | { transport: 'mqtt-publish' | 'mqtt-subscribe'; topic: string; allow: Record<MqttCredential, boolean> }
  | { transport: 'http'; method: 'GET' | 'POST'; url: string; body?: unknown; allow: Record<HttpRole, boolean> };

const mqtt = (
  l: boolean,
  i: boolean,
  d: boolean,
  b: boolean,
  rh1: boolean,
  rall: boolean,
): Record<MqttCredential, boolean> => ({
  local: l,
  installer: i,
  'device-h1': d,
  'bridge-h1': b,
  'responder-h1': rh1,
  'responder-all': rall,
});
const http = (
  admin: boolean,
  installer: boolean,
  responder: boolean,
  analyst: boolean,
  deviceH1: boolean,
): Record<HttpRole, boolean> => ({
  admin,
  installer,
  responder,
  analyst,
  'device-h1': deviceH1,
});

/**
 * THE table. Columns: local, installer, device-h1, bridge-h1, responder-h1, responder-all | admin, installer, responder,
 * analyst, device-h1 (tokens).
 */
const MATRIX: Row[] = [
  // Sensor data: only for one's own homes; Zigbee2MQTT names only as mapped to them; nothing invented.
  { transport: 'mqtt-publish', topic: 'telecare/h1/devices/p1/events', allow: mqtt(Y, Y, Y, Y, N, N) },
  { transport: 'mqtt-publish', topic: 'telecare/h2/devices/p2/events', allow: mqtt(Y, Y, N, N, N, N) },
  { transport: 'mqtt-publish', topic: 'zigbee2mqtt/hall_pir', allow: mqtt(Y, Y, Y, Y, N, N) },
  { transport: 'mqtt-publish', topic: 'zigbee2mqtt/hall_pir/availability', allow: mqtt(Y, Y, Y, Y, N, N) },
  { transport: 'mqtt-publish', topic: 'zigbee2mqtt/h2_pir', allow: mqtt(Y, Y, N, N, N, N) },
  { transport: 'mqtt-publish', topic: 'zigbee2mqtt/made_up_device', allow: mqtt(Y, Y, N, N, N, N) },
  // Zigbee2MQTT commands, alerts, pre-alerts, status, $SYS: the hub's alone.
  { transport: 'mqtt-publish', topic: 'zigbee2mqtt/bridge/request/permit_join', allow: mqtt(N, N, N, N, N, N) },
  { transport: 'mqtt-publish', topic: 'zigbee2mqtt/hall_pir/set', allow: mqtt(N, N, N, N, N, N) },
  { transport: 'mqtt-publish', topic: 'zigbee2mqtt/bridge/state', allow: mqtt(Y, N, N, Y, N, N) },
  { transport: 'mqtt-publish', topic: 'telecare/h1/alerts/forged', allow: mqtt(N, N, N, N, N, N) },
  { transport: 'mqtt-publish', topic: 'telecare/h1/prealert', allow: mqtt(N, N, N, N, N, N) },
  { transport: 'mqtt-publish', topic: 'telecare/hub/status', allow: mqtt(N, N, N, N, N, N) },
  { transport: 'mqtt-publish', topic: '$SYS/forged', allow: mqtt(N, N, N, N, N, N) },
  // Acting on alerts: responders, in their homes; never the installer credential handed to remote sensors.
  { transport: 'mqtt-publish', topic: 'telecare/h1/alerts/a1/ack', allow: mqtt(N, N, N, N, Y, Y) },
  { transport: 'mqtt-publish', topic: 'telecare/h2/alerts/a1/ack', allow: mqtt(N, N, N, N, N, Y) },
  { transport: 'mqtt-publish', topic: 'tools/anything', allow: mqtt(Y, Y, N, N, N, N) },
  // A serial bridge's status and last will (telecare bridge): the bridge on the Pi, or a remote bridge or installer.
  { transport: 'mqtt-publish', topic: 'telecare/bridge/rx1/status', allow: mqtt(Y, Y, N, Y, N, N) },
  { transport: 'mqtt-publish', topic: 'telecare/bridge/rx1/other', allow: mqtt(N, N, N, N, N, N) },

  { transport: 'mqtt-subscribe', topic: 'telecare/h1/alerts/a1', allow: mqtt(Y, N, N, N, Y, Y) },
  { transport: 'mqtt-subscribe', topic: 'telecare/h2/alerts/a1', allow: mqtt(Y, N, N, N, N, Y) },
  { transport: 'mqtt-subscribe', topic: 'telecare/+/alerts/#', allow: mqtt(Y, N, N, N, Y, Y) },
  { transport: 'mqtt-subscribe', topic: 'telecare/h1/prealert', allow: mqtt(Y, N, Y, Y, N, N) },
  { transport: 'mqtt-subscribe', topic: 'telecare/h2/prealert', allow: mqtt(Y, N, N, N, N, N) },
  { transport: 'mqtt-subscribe', topic: 'telecare/h1/devices/p1/events', allow: mqtt(Y, Y, N, N, N, N) },
  { transport: 'mqtt-subscribe', topic: 'zigbee2mqtt/hall_pir', allow: mqtt(Y, Y, N, N, N, N) },
  { transport: 'mqtt-subscribe', topic: 'zigbee2mqtt/bridge/request/permit_join', allow: mqtt(Y, N, N, Y, N, N) },
  { transport: 'mqtt-subscribe', topic: 'zigbee2mqtt/hall_pir/set', allow: mqtt(Y, N, N, Y, N, N) },
  { transport: 'mqtt-subscribe', topic: 'zigbee2mqtt/h2_pir/set', allow: mqtt(Y, N, N, N, N, N) },
  { transport: 'mqtt-subscribe', topic: 'telecare/hub/status', allow: mqtt(Y, Y, Y, Y, Y, Y) },
  { transport: 'mqtt-subscribe', topic: '$SYS/#', allow: mqtt(N, N, N, N, N, N) },
  { transport: 'mqtt-subscribe', topic: 'telecare/bridge/rx1/status', allow: mqtt(Y, Y, N, N, N, N) },
  // Every serial bridge's status at once, as an installer checking receivers subscribes (docs/security.md).
  { transport: 'mqtt-subscribe', topic: 'telecare/bridge/+/status', allow: mqtt(Y, Y, N, N, N, N) },
  { transport: 'mqtt-subscribe', topic: '#', allow: mqtt(Y, N, N, N, Y, Y) },

  // The same rights over HTTP (admin, installer, responder, analyst, a device's token for h1).
  { transport: 'http', method: 'GET', url: '/api/alerts', allow: http(Y, N, Y, N, N) },
  { transport: 'http', method: 'POST', url: '/api/alerts/{id}/ack', body: {}, allow: http(Y, N, Y, N, N) },
  {
    transport: 'http',
    method: 'POST',
    url: '/api/alerts/{id}/resolve',
    body: { outcome: 'false-alarm' },
    allow: http(Y, N, Y, N, N),
  },
  {
    transport: 'http',
    method: 'POST',
    url: '/api/events',
    body: { homeId: 'h1', deviceId: 'p1', type: 'heartbeat', value: true },
    allow: http(Y, Y, N, N, Y),
  },
  {
    transport: 'http',
    method: 'POST',
    url: '/api/events',
    body: { homeId: 'h2', deviceId: 'p2', type: 'heartbeat', value: true },
    allow: http(Y, Y, N, N, N),
  },
  { transport: 'http', method: 'GET', url: '/api/homes', allow: http(Y, Y, N, N, N) },
  { transport: 'http', method: 'GET', url: '/api/devices/unassigned', allow: http(Y, Y, N, N, N) },
  {
    transport: 'http',
    method: 'GET',
    url: '/api/reports/prevention?from=2026-01-01&to=2026-02-01',
    allow: http(Y, N, N, Y, N),
  },
  { transport: 'http', method: 'GET', url: '/api/users', allow: http(Y, N, N, N, N) },
];

let dir: string;
let hub: RunningHub;
let installerPassword: string;
const tokens = {} as Record<HttpRole, string>;

const MQTT_LOGINS: Record<Exclude<MqttCredential, 'local' | 'installer'>, { username: string; password: string }> = {
  'device-h1': { username: 'dev-h1', password: 'device-h1-secret' },
  'bridge-h1': { username: 'z2m-h1', password: 'bridge-h1-secret' },
  'responder-h1': { username: 'resp-h1', password: 'responder-h1-secret' },
  'responder-all': { username: 'resp-all', password: 'responder-all-secret' },
};

beforeAll(async () => {
  dir = tempDir('matrix');
  const hashed = async (credential: keyof typeof MQTT_LOGINS) => ({
    username: MQTT_LOGINS[credential].username,
    passwordHash: lowCostHash(MQTT_LOGINS[credential].password),
  });
  const withHashes = parseHubConfig({
    homes: [
      {
        id: 'h1',
        residents: [{ id: 'r1' }],
        devices: [
          { id: 'p1', kind: 'pendant', room: 'living' },
          { id: 'hall-pir', zigbee: 'hall_pir', kind: 'motion', room: 'hall' },
        ],
      },
      {
        id: 'h2',
        residents: [{ id: 'r2' }],
        devices: [
          { id: 'p2', kind: 'pendant' },
          { id: 'h2-pir', zigbee: 'h2_pir', kind: 'motion' },
        ],
      },
    ],
    mqttUsers: [
      { ...(await hashed('device-h1')), role: 'device', homes: ['h1'] },
      { ...(await hashed('bridge-h1')), role: 'bridge', homes: ['h1'] },
      { ...(await hashed('responder-h1')), role: 'responder', homes: ['h1'] },
      { ...(await hashed('responder-all')), role: 'responder' },
    ],
  });
  const announced: string[] = [];
  hub = await startTestHub(withHashes, dir, { announce: (line) => announced.push(line) });
  installerPassword = /password "([^"]+)"/.exec(announced.find((l) => l.includes('MQTT installer'))!)![1]!;

  const cookie = await adminSession(hub);
  for (const role of HTTP_ROLES) {
    tokens[role] =
      role === 'device-h1'
        ? await createApiToken(hub, cookie, 'matrix-device-h1', 'device', ['h1'])
        : await createApiToken(hub, cookie, `matrix-${role}`, role);
  }
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function connect(credential: MqttCredential): Promise<MqttClient> {
  if (credential === 'local') return mqttClient(hub.ports.mqtt!);
  if (credential === 'installer')
    return mqttClient(hub.ports.mqtt!, { username: 'installer', password: installerPassword });
  return mqttClient(hub.ports.mqtt!, MQTT_LOGINS[credential]);
}

/**
 * A QoS 1 publish is acknowledged either way (a refused one is discarded, never closing the connection): it is
 * allowed when the broker did not count it as refused, refused when it counted exactly this one and took nothing in.
 */
async function mayPublish(credential: MqttCredential, topic: string): Promise<boolean> {
  const client = await connect(credential);
  let closed = false;
  client.once('close', () => (closed = true));
  const payload = topic.endsWith('/ack')
    ? '{}'
    : topic.includes('zigbee2mqtt')
      ? '{"battery":90}'
      : '{"type":"heartbeat","value":true}';
  const before = await publishRefusals();
  const reservedBefore = hub.store.lastReservedId;
  await client.publishAsync(topic, payload, { qos: 1 });
  const refused = (await publishRefusals()) - before;
  client.end(true);
  // A refused message is never taken in: no event id reserved for it.
  const takenIn = hub.store.lastReservedId !== reservedBefore;
  if (closed || refused > 1 || (refused === 1 && takenIn))
    throw new Error(`${credential} on ${topic}: closed ${closed}, counted ${refused}, taken in ${takenIn}`);
  return refused === 0;
}

async function publishRefusals(): Promise<number> {
  const metric = await hub.metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'publish-denied')?.value ?? 0;
}

async function maySubscribe(client: MqttClient, filter: string): Promise<boolean> {
  try {
    const granted = await client.subscribeAsync(filter, { qos: 1 });
    return granted.every((g) => g.qos !== 128);
  } catch {
    return false;
  }
}

async function httpAllowed(role: HttpRole, method: string, url: string, body: unknown): Promise<boolean> {
  const base = dashboardUrl(hub);
  // A fresh open alert for each acting request, so that a refusal is about the role, not the alert's state.
  let target = url;
  if (url.includes('{id}')) {
    const raised = hub.alerts.list({ state: 'open' })[0] ?? (await raisePendant());
    target = url.replace('{id}', raised.id);
  }
  const response = await fetch(`${base}${target}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[role]}`,
      origin: base,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  await response.arrayBuffer();
  return response.status !== 401 && response.status !== 403;
}

async function raisePendant(): Promise<{ id: string }> {
  const local = await mqttClient(hub.ports.mqtt!);
  await local.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
  await local.endAsync();
  const [alert] = hub.alerts.list({ state: 'open' });
  if (!alert) throw new Error('the pendant raised no alert');
  return alert;
}

describe('access-control matrix', () => {
  it('MQTT publish: every credential kind × every topic class', async () => {
    const got: Record<string, Record<string, boolean>> = {};
    const want: Record<string, Record<string, boolean>> = {};
    for (const row of MATRIX) {
      if (row.transport !== 'mqtt-publish') continue;
      const allowed: Record<string, boolean> = {};
      for (const credential of MQTT_CREDENTIALS) allowed[credential] = await mayPublish(credential, row.topic);
      got[row.topic] = allowed;
      want[row.topic] = row.allow;
    }
    expect(got).toEqual(want);
  }, 300_000);

  it('MQTT subscribe: every credential kind × every topic class', async () => {
    const got: Record<string, Record<string, boolean>> = {};
    const want: Record<string, Record<string, boolean>> = {};
    const clients = Object.fromEntries(
      await Promise.all(MQTT_CREDENTIALS.map(async (c) => [c, await connect(c)] as const)),
    ) as Record<MqttCredential, MqttClient>;
    for (const row of MATRIX) {
      if (row.transport !== 'mqtt-subscribe') continue;
      const allowed: Record<string, boolean> = {};
      for (const credential of MQTT_CREDENTIALS)
        allowed[credential] = await maySubscribe(clients[credential], row.topic);
      got[row.topic] = allowed;
      want[row.topic] = row.allow;
    }
    await Promise.all(Object.values(clients).map((c) => c.endAsync()));
    expect(got).toEqual(want);
  }, 300_000);

  it('MQTT delivery: a wildcard subscription sees only what the credential may read', async () => {
    const bridge = await connect('bridge-h1');
    const responder = await connect('responder-h1');
    const seen = { bridge: [] as string[], responder: [] as string[] };
    bridge.on('message', (t) => seen.bridge.push(t));
    responder.on('message', (t) => seen.responder.push(t));
    await bridge.subscribeAsync(['zigbee2mqtt/#', 'telecare/+/prealert'], { qos: 1 });
    await responder.subscribeAsync(['telecare/#'], { qos: 1 });
    const sent = [
      'zigbee2mqtt/hall_pir/set',
      'zigbee2mqtt/h2_pir/set',
      'zigbee2mqtt/bridge/request/permit_join',
      'zigbee2mqtt/h2_pir',
      'telecare/h1/prealert',
      'telecare/h2/prealert',
      'telecare/h1/alerts/x1',
      'telecare/h2/alerts/x2',
      'telecare/h2/devices/p2/events',
    ];
    for (const topic of sent) await hub.broker.publish(topic, '{}', { qos: 1, retain: false });
    // A last message both may read, published after the others: once it is in, the rest would have been too.
    await hub.broker.publish('telecare/h1/prealert', 'end', { qos: 1, retain: false });
    const end = (list: string[]): boolean => list.filter((t) => t === 'telecare/h1/prealert').length >= 2;
    await vi.waitFor(
      () => {
        expect(end(seen.bridge)).toBe(true);
        expect(seen.responder).toContain('telecare/h1/alerts/x1');
      },
      { timeout: 15_000, interval: 20 },
    );
    expect(seen.bridge).toEqual([
      'zigbee2mqtt/hall_pir/set',
      'zigbee2mqtt/bridge/request/permit_join',
      'telecare/h1/prealert',
      'telecare/h1/prealert',
    ]);
    expect(seen.responder.filter((t) => t !== 'telecare/hub/status')).toEqual(['telecare/h1/alerts/x1']);
    await Promise.all([bridge.endAsync(), responder.endAsync()]);
  });

  it("MQTT delivery: an installer subscribed to every bridge's status gets a remote bridge's retained status", async () => {
    const bridge = await connect('bridge-h1');
    await bridge.publishAsync('telecare/bridge/rx-matrix/status', '{"state":"running"}', { qos: 1, retain: true });
    await bridge.endAsync();
    const installer = await connect('installer');
    const seen: string[] = [];
    installer.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    const granted = await installer.subscribeAsync('telecare/bridge/+/status', { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    await vi.waitFor(() => expect(seen).toContain('telecare/bridge/rx-matrix/status {"state":"running"}'), {
      timeout: 15_000,
      interval: 20,
    });
    // Clear the retained status so the other rows see the broker as before.
    await hub.broker.publish('telecare/bridge/rx-matrix/status', '', { qos: 1, retain: true });
    await installer.endAsync();
  });

  it('HTTP: every role × every route class, by the same permission table', async () => {
    const got: Record<string, Record<string, boolean>> = {};
    const want: Record<string, Record<string, boolean>> = {};
    for (const row of MATRIX) {
      if (row.transport !== 'http') continue;
      const key = `${row.method} ${row.url}`;
      got[key] = {};
      want[key] = row.allow;
      for (const role of HTTP_ROLES) got[key][role] = await httpAllowed(role, row.method, row.url, row.body);
    }
    expect(got).toEqual(want);
  }, 120_000);
});
