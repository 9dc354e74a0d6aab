// Review, session 36 part 2: the alert path under bad input, through a real hub (aedes on an ephemeral port, a real
// mqtt client, SQLite in a temp folder). Each probe gives a counted drop or a clear refusal, nothing already accepted
// is lost, and a real pendant press right after the bad input still raises its alert.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { MAX_PAYLOAD_BYTES } from '../../hub/ingest.js';
import { MAX_MQTT_PACKET_BYTES } from '../../hub/mqtt-frame-guard.js';
import { startTestHub } from '../support/in-process-hub.js';
import {
  adminCookie,
  killHub,
  mqttClient,
  nextMessage,
  ONE_HOME_CONFIG,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

const CONFIG = parseHubConfig({
  homes: [
    {
      id: 'h1',
      residents: [{ id: 'r1' }],
      devices: [
        { id: 'p1', kind: 'pendant', room: 'living' },
        { id: 'hall-pir', kind: 'motion', room: 'hall' },
        { id: 'watch', kind: 'wearable' },
      ],
    },
    { id: 'h2', residents: [{ id: 'r2' }], devices: [{ id: 'p2', kind: 'pendant', room: 'living' }] },
    { id: 'h3', residents: [{ id: 'r3' }], devices: [{ id: 'p3', kind: 'pendant', room: 'living' }] },
  ],
});

let dir: string;
let hub: RunningHub;

beforeAll(async () => {
  dir = tempDir('review-s36-bad-input');
  hub = await startTestHub(CONFIG, dir);
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function rejected(): Promise<Record<string, number>> {
  const metric = await hub.metrics.getSingleMetric('telecare_ingest_rejected_total')!.get();
  return Object.fromEntries(metric.values.filter((v) => v.value > 0).map((v) => [String(v.labels.reason), v.value]));
}

async function badTopicRefusals(): Promise<number> {
  const metric = await hub.metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'bad-topic')?.value ?? 0;
}

const stored = (): { homeId: string; deviceId: string; type: string; assigned: boolean; ts: number }[] =>
  hub.store
    .eventsAfter(0)
    .map(({ homeId, deviceId, type, assigned, ts }) => ({ homeId, deviceId, type, assigned, ts }));

/** Publishes each payload at QoS 1 and waits for the hub's acknowledgements. */
async function publish(topic: string, ...payloads: (string | Buffer)[]): Promise<void> {
  const client = await mqttClient(hub.ports.mqtt!);
  for (const payload of payloads) await client.publishAsync(topic, payload, { qos: 1 });
  await client.endAsync();
}

/** The reasons counted while `probe` ran (differences of telecare_ingest_rejected_total). */
async function countedDuring(probe: () => Promise<void>): Promise<Record<string, number>> {
  const before = await rejected();
  await probe();
  const after = await rejected();
  return Object.fromEntries(
    Object.entries(after)
      .map(([reason, n]) => [reason, n - (before[reason] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
}

/** A raw MQTT session (no client library checks): CONNECT, then each packet; resolves when the hub closes it or after PINGRESP. */
function rawSession(packets: mqttPacket.Packet[]): Promise<'closed' | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(hub.ports.mqtt!, '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let settled = false;
    const done = (how: 'closed' | 'open'): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(how);
    };
    socket.on('error', () => done('closed'));
    socket.on('close', () => done('closed'));
    socket.on('data', (chunk) => parser.parse(chunk));
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connack') {
        if (packet.returnCode !== 0) {
          reject(new Error(`connack ${packet.returnCode}`));
          return;
        }
        for (const p of packets) socket.write(mqttPacket.generate(p));
        // A PINGRESP comes after the broker has handled every packet before the PINGREQ.
        socket.write(mqttPacket.generate({ cmd: 'pingreq' }));
      } else if (packet.cmd === 'pingresp') done('open');
    });
    socket.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: `raw-${Date.now()}`,
        clean: true,
        keepalive: 30,
      }),
    );
  });
}

const publishPacket = (topic: string, payload: string | Buffer, messageId = 1): mqttPacket.Packet => ({
  cmd: 'publish',
  topic,
  payload,
  qos: 1,
  messageId,
  retain: false,
  dup: false,
});

const press = '{"type":"pendant","value":true}';

describe('the alert path under bad input (review, session 36 part 2)', () => {
  it('drops or refuses each bad input with a counted reason, loses nothing accepted, and a press right after still alerts', async () => {
    const watcher = await mqttClient(hub.ports.mqtt!);
    const alerts: { topic: string; alert: Record<string, unknown> }[] = [];
    watcher.on('message', (topic, payload) => {
      if (/^telecare\/[^/]+\/alerts\/[^/]+$/.test(topic) && payload.length > 0)
        alerts.push({ topic, alert: JSON.parse(payload.toString()) as Record<string, unknown> });
    });
    await watcher.subscribeAsync('telecare/+/alerts/+', { qos: 1 });

    // Accepted before the bad input: must still be there at the end.
    await publish('telecare/h1/devices/hall-pir/events', '{"type":"motion","value":true}');
    expect(stored()).toMatchObject([{ homeId: 'h1', deviceId: 'hall-pir', type: 'motion', assigned: true }]);

    // Payload size: exactly MAX_PAYLOAD_BYTES is taken, one byte over is a counted drop.
    const atLimit = Buffer.alloc(MAX_PAYLOAD_BYTES, 0x20);
    atLimit.write('{"type":"motion","value":true}');
    const overLimit = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
    overLimit.write(press);
    expect(await countedDuring(() => publish('telecare/h1/devices/hall-pir/events', atLimit, overLimit))).toEqual({
      'too-large': 1,
    });
    expect(stored()).toHaveLength(2);
    // A packet over the broker's frame limit: the connection is dropped at its header, counted as too-large.
    const huge = Buffer.alloc(MAX_MQTT_PACKET_BYTES, 0x20);
    huge.write(press);
    expect(
      await countedDuring(async () => {
        expect(await rawSession([publishPacket('telecare/h1/devices/p1/events', huge)])).toBe('closed');
      }),
    ).toEqual({ 'too-large': 1 });

    // Topics the protocol forbids in a PUBLISH (wildcards, over aedes's 100 levels): the broker closes that
    // session, never an event; each counted in telecare_mqtt_refused_total{reason="bad-topic"}.
    const badTopics = [
      'telecare/h1/devices/+/events',
      'telecare/h1/devices/#',
      'telecare/+/devices/p1/events',
      `telecare/h1/devices/p1/events${'/x'.repeat(100)}`,
    ];
    const refusedBefore = await badTopicRefusals();
    for (const topic of badTopics) {
      expect(
        await countedDuring(async () => {
          expect(await rawSession([publishPacket(topic, press)])).toBe('closed');
        }),
      ).toEqual({});
    }
    expect((await badTopicRefusals()) - refusedBefore).toBe(badTopics.length);
    // Ids over 64 characters, with a NUL or a bidi override: counted as bad-id, nothing stored.
    expect(
      await countedDuring(async () => {
        await publish(`telecare/h1/devices/${'d'.repeat(65)}/events`, press);
        await publish(`telecare/${'h'.repeat(65)}/devices/p1/events`, press);
        await publish(`telecare/h1/devices/${'\u{1F6A8}'.repeat(33)}/events`, press);
        await publish('telecare/h1/devices/p1\u202e/events', press);
        await publish('telecare/h1\u0000/devices/p1/events', press);
      }),
    ).toEqual({ 'bad-id': 5 });
    expect(stored()).toHaveLength(2);

    // Printable unicode ids, another home's device, a device nobody configured: kept as unassigned, never an alert.
    expect(
      await countedDuring(async () => {
        await publish('telecare/h1/devices/p2/events', press);
        await publish('telecare/h2/devices/p1/events', press);
        await publish('telecare/h1/devices/capteur-séjour/events', press);
        await publish(`telecare/h1/devices/${'\u{1F6A8}'.repeat(32)}/events`, press);
        await publish('telecare/maison-é/devices/p1/events', press);
      }),
    ).toEqual({});
    expect(stored().slice(2)).toMatchObject([
      { homeId: 'h1', deviceId: 'p2', assigned: false },
      { homeId: 'h2', deviceId: 'p1', assigned: false },
      { homeId: 'h1', deviceId: 'capteur-séjour', assigned: false },
      { homeId: 'h1', deviceId: '\u{1F6A8}'.repeat(32), assigned: false },
      { homeId: 'maison-é', deviceId: 'p1', assigned: false },
    ]);

    // ts: not a date, far in the future, far in the past (a reset clock: kept at the receive time).
    const motionAt = (ts: unknown): string => JSON.stringify({ type: 'motion', value: true, ts });
    const hourMs = 3_600_000;
    const beforeTs = Date.now();
    expect(
      await countedDuring(() =>
        publish(
          'telecare/h1/devices/hall-pir/events',
          motionAt('not a date'),
          motionAt(true),
          motionAt({}),
          motionAt('2026-13-45T99:00:00Z'),
          motionAt(Date.now() + 25 * hourMs),
          motionAt(new Date(Date.now() + 365 * 24 * hourMs).toISOString()),
          motionAt(8.64e15 + 1),
          motionAt('1990-01-01T00:00:00Z'),
          motionAt(0),
        ),
      ),
    ).toEqual({ 'bad-ts': 4, 'future-ts': 3 });
    const farPast = stored().slice(7);
    expect(farPast).toHaveLength(2);
    for (const event of farPast) expect(event.ts).toBeGreaterThanOrEqual(beforeTs);

    // A value of the wrong type for its event type.
    expect(
      await countedDuring(() =>
        publish(
          'telecare/h1/devices/p1/events',
          '{"type":"pendant","value":"yes"}',
          '{"type":"pendant","value":1}',
          '{"type":"pendant","value":false}',
          '{"type":"pendant","value":null}',
          '{"type":"pendant"}',
          '{"type":"motion","value":"true"}',
          '{"type":"temperature","value":"hot"}',
          '{"type":"battery","value":[]}',
        ),
      ),
    ).toEqual({ 'bad-value': 8 });

    // accel batches with NaN (not JSON), huge, infinite, empty or short samples.
    const accel = (value: string): string => `{"type":"accel","value":${value}}`;
    expect(
      await countedDuring(() =>
        publish(
          'telecare/h1/devices/watch/events',
          accel('{"rate":50,"samples":[[NaN,0,1]]}'),
          accel('{"rate":50,"samples":[[1e308,0,1]]}'),
          accel('{"rate":50,"samples":[[1e999,0,1]]}'),
          accel('{"rate":50,"samples":[]}'),
          accel('{"rate":50,"samples":[[]]}'),
          accel('{"rate":50,"samples":[[0,0]]}'),
          accel('{"rate":50,"samples":[[0,0,1,2]]}'),
          accel('{"rate":50,"samples":[["0",0,1]]}'),
          accel('{"rate":0,"samples":[[0,0,1]]}'),
          accel('{"rate":1e9,"samples":[[0,0,1]]}'),
          accel('{"samples":[[0,0,1]]}'),
          accel(`{"rate":50,"samples":${JSON.stringify(Array.from({ length: 3_000 }, () => [0, 0, 1]))}}`),
        ),
      ),
    ).toEqual({ 'bad-json': 1, 'out-of-range': 2, 'bad-value': 8 });
    // The last one, 3,000 good samples, is taken.
    expect(stored()).toHaveLength(10);

    // No alert so far; a real press right after all of it raises one, and everything accepted is still stored.
    expect(alerts).toEqual([]);
    const arrives = nextMessage(watcher, (t) => t.startsWith('telecare/h1/alerts/'));
    await publish('telecare/h1/devices/p1/events', press);
    expect(JSON.parse((await arrives).payload.toString())).toMatchObject({ kind: 'pendant', homeId: 'h1' });
    expect(alerts.map((a) => a.alert.homeId)).toEqual(['h1']);
    expect(stored()).toHaveLength(11);
    expect(stored()[0]).toMatchObject({ homeId: 'h1', deviceId: 'hall-pir', type: 'motion' });
    await watcher.endAsync();
  }, 120_000);

  it('a press sent just before a bad packet on the same connection (the broker then closes it) is still stored and raised', async () => {
    const watcher = await mqttClient(hub.ports.mqtt!);
    await watcher.subscribeAsync('telecare/h2/alerts/+', { qos: 1 });
    const arrives = nextMessage(watcher, (t) => t.startsWith('telecare/h2/alerts/'));
    const before = stored().length;
    expect(
      await rawSession([
        publishPacket('telecare/h2/devices/p2/events', press, 1),
        publishPacket('telecare/h2/devices/+/events', press, 2),
      ]),
    ).toBe('closed');
    expect(JSON.parse((await arrives).payload.toString())).toMatchObject({ kind: 'pendant', homeId: 'h2' });
    expect(stored().slice(before)).toMatchObject([{ homeId: 'h2', deviceId: 'p2', type: 'pendant', assigned: true }]);

    // The same before a packet over the frame limit (dropped at its header, in the same socket read as the press).
    await watcher.subscribeAsync('telecare/h3/alerts/+', { qos: 1 });
    const third = nextMessage(watcher, (t) => t.startsWith('telecare/h3/alerts/'));
    const huge = Buffer.alloc(MAX_MQTT_PACKET_BYTES, 0x20);
    huge.write(press);
    expect(
      await countedDuring(async () => {
        expect(
          await rawSession([
            publishPacket('telecare/h3/devices/p3/events', press, 1),
            publishPacket('telecare/h3/devices/p3/events', huge, 2),
          ]),
        ).toBe('closed');
      }),
    ).toEqual({ 'too-large': 1 });
    expect(JSON.parse((await third).payload.toString())).toMatchObject({ kind: 'pendant', homeId: 'h3' });
    // A later event acknowledged: the store commits in order, so everything taken before it is stored too.
    await publish('telecare/h1/devices/hall-pir/events', '{"type":"motion","value":true}');
    expect(stored().slice(before)).toMatchObject([
      { homeId: 'h2', deviceId: 'p2', type: 'pendant' },
      { homeId: 'h3', deviceId: 'p3', type: 'pendant' },
      { homeId: 'h1', deviceId: 'hall-pir', type: 'motion' },
    ]);
    await watcher.endAsync();
  }, 60_000);
});

describe('bad input while the store is degraded (another process holds the write lock)', () => {
  let procDir: string;
  let proc: HubProcess | undefined;

  afterAll(async () => {
    await killHub(proc);
    if (procDir) fs.rmSync(procDir, { recursive: true, force: true });
  });

  it('counts every bad input, still raises a press from memory, and stores what it took once the lock goes', async () => {
    procDir = tempDir('review-s36-degraded');
    const config = {
      ...ONE_HOME_CONFIG,
      homes: [
        {
          ...ONE_HOME_CONFIG.homes[0]!,
          devices: [...ONE_HOME_CONFIG.homes[0]!.devices, { id: 'watch', kind: 'wearable' }],
        },
      ],
    };
    proc = await spawnHub({ HUB_DATA_DIR: path.join(procDir, 'data'), HUB_CONFIG: writeConfig(procDir, config) });
    const port = proc.mqttPort;
    const cookie = await adminCookie(proc.httpPort);
    const get = async (route: string): Promise<string> =>
      (await fetch(`http://127.0.0.1:${proc!.httpPort}${route}`, { headers: { cookie } })).text();
    const rejectedNow = async (): Promise<Record<string, number>> =>
      Object.fromEntries(
        [...(await get('/metrics')).matchAll(/^telecare_ingest_rejected_total\{reason="([^"]+)"\} (\d+)$/gm)]
          .filter((m) => Number(m[2]) > 0)
          .map((m) => [m[1]!, Number(m[2])]),
      );
    const dbFile = path.join(procDir, 'data', 'hub.db');
    const storedRows = (): { device_id: string; type: string }[] => {
      const db = new Database(dbFile, { readonly: true });
      try {
        return db.prepare('SELECT device_id, type FROM events ORDER BY id').all() as never;
      } finally {
        db.close();
      }
    };

    const responder = await mqttClient(port);
    await responder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const sensor = await mqttClient(port);
    await sensor.publishAsync('telecare/h1/devices/kitchen-pir/events', '{"type":"motion","value":true}', { qos: 1 });
    expect(storedRows()).toEqual([{ device_id: 'kitchen-pir', type: 'motion' }]);

    const locker = new Database(dbFile);
    const pendant = await mqttClient(port);
    const bad = await mqttClient(port);
    const held: Promise<unknown>[] = [];
    try {
      locker.exec('BEGIN IMMEDIATE');
      // Taken but not yet storable: acknowledged only once stored.
      held.push(
        sensor.publishAsync('telecare/h1/devices/kitchen-pir/events', '{"type":"motion","value":true}', { qos: 1 }),
      );

      // Bad input carries nothing to store: each is acknowledged (and counted) while the lock is held.
      const over = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
      over.write('{"type":"pendant","value":true}');
      for (const [topic, payload] of [
        ['telecare/h1/devices/p1/events', over],
        ['telecare/h1/devices/p1/events', '{"type":"pendant","value":tru'],
        ['telecare/h1/devices/p1/events', '{"type":"pendant","value":"yes"}'],
        // A press so stamped is taken at the receive time since session 66 (test/hub/review-s66-future-stamped-press):
        // it has something to store; a motion report so stamped has not.
        ['telecare/h1/devices/kitchen-pir/events', '{"type":"motion","value":true,"ts":"not a date"}'],
        [
          'telecare/h1/devices/kitchen-pir/events',
          `{"type":"motion","value":true,"ts":${Date.now() + 48 * 3_600_000}}`,
        ],
        ['telecare/h1/devices/watch/events', '{"type":"accel","value":{"rate":50,"samples":[[NaN,0,1]]}}'],
        ['telecare/h1/devices/watch/events', '{"type":"accel","value":{"rate":50,"samples":[]}}'],
        ['telecare/h1/devices/watch/events', '{"type":"accel","value":{"rate":50,"samples":[[1e308,0,1]]}}'],
        [`telecare/h1/devices/${'d'.repeat(65)}/events`, '{"type":"pendant","value":true}'],
      ] as const)
        await bad.publishAsync(topic, payload, { qos: 1 });
      expect(await rejectedNow()).toEqual({
        'too-large': 1,
        'bad-json': 2,
        'bad-value': 2,
        'bad-ts': 1,
        'future-ts': 1,
        'out-of-range': 1,
        'bad-id': 1,
      });

      // A real press right after: raised from memory while the lock is still held.
      const arrives = nextMessage(responder, (t) => t.startsWith('telecare/h1/alerts/'), 30_000);
      held.push(pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 }));
      expect(JSON.parse((await arrives).payload.toString())).toMatchObject({ kind: 'pendant', state: 'raised' });
      expect(JSON.parse(await get('/api/health'))).toMatchObject({ status: 'degraded' });
      // The lock really held the events back: only the one taken before it is stored yet.
      expect(storedRows()).toHaveLength(1);
      locker.exec('COMMIT');
    } finally {
      locker.close();
    }
    // Once the lock goes: the held events are stored and acknowledged, nothing accepted before was lost.
    await Promise.all(held);
    expect(storedRows()).toEqual([
      { device_id: 'kitchen-pir', type: 'motion' },
      { device_id: 'kitchen-pir', type: 'motion' },
      { device_id: 'p1', type: 'pendant' },
    ]);
    await Promise.all([responder.endAsync(), sensor.endAsync(), pendant.endAsync(), bad.endAsync()]);
  }, 120_000);
});
