// The hub as a newcomer runs it: `telecare hub` as a real process, real mosquitto clients, real SQLite file, kill -9.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  adminGet,
  cliPath,
  killHub,
  mqttClient,
  nextMessage,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

const run = promisify(execFile);

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('hubproc');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function eventRows(where = '1 = 1'): { home_id: string; device_id: string; type: string; value: string }[] {
  const db = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
  try {
    return db.prepare(`SELECT home_id, device_id, type, value FROM events WHERE ${where} ORDER BY id`).all() as never;
  } finally {
    db.close();
  }
}

function hubEnv(): Record<string, string> {
  return { HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) };
}

describe('telecare hub, as a process', () => {
  it('answers health, turns a mosquitto_pub pendant press into a retained alert, and stores the event', async () => {
    hub = await spawnHub(hubEnv());
    const health = await fetch(`http://127.0.0.1:${hub.httpPort}/api/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    const responder = await mqttClient(hub.mqttPort);
    await responder.subscribeAsync('telecare/+/alerts/#', { qos: 1 });
    const alertArrives = nextMessage(responder, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t));
    await run('mosquitto_pub', [
      '-p',
      String(hub.mqttPort),
      '-q',
      '1',
      '-t',
      'telecare/h1/devices/p1/events',
      '-m',
      '{"type":"pendant","value":true}',
    ]);
    const { payload } = await alertArrives;
    expect(JSON.parse(payload.toString())).toMatchObject({
      homeId: 'h1',
      kind: 'pendant',
      severity: 'critical',
      state: 'raised',
      room: 'living',
    });
    await responder.endAsync();

    expect(eventRows("type = 'pendant'")).toEqual([{ home_id: 'h1', device_id: 'p1', type: 'pendant', value: 'true' }]);
    // stderr is a pipe of its own: "hub started" on stdout does not promise what stderr says has been read yet.
    const running = hub;
    await vi.waitFor(
      () => expect(running.stderr()).toMatch(/MQTT installer credential created .*password "[A-Za-z0-9_-]{24}"/),
      { timeout: 15_000, interval: 20 },
    );
  });

  it('survives 10,000 malformed or oversized payloads, counts them by reason, and still raises a pendant alert', async () => {
    hub = await spawnHub(hubEnv());
    const sender = await mqttClient(hub.mqttPort);
    const topic = 'telecare/h1/devices/p1/events';
    const bad: (string | Buffer)[] = [
      'not json',
      '{"type":"teleport","value":true}',
      '{"type":"motion","value":"yes"}',
      '{"type":"motion","value":true,"ts":"2099-01-01T00:00:00Z"}',
      Buffer.alloc(65 * 1024, 0x20),
    ];
    for (let round = 0; round < 2_000; round++) for (const payload of bad) sender.publish(topic, payload, { qos: 0 });
    await sender.publishAsync(topic, 'still bad', { qos: 1 });

    const health = await fetch(`http://127.0.0.1:${hub.httpPort}/api/health`);
    expect(health.status).toBe(200);
    const metrics = await (await adminGet(hub.httpPort, '/metrics')).text();
    const count = (reason: string): number =>
      Number(new RegExp(`telecare_ingest_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics)?.[1]);
    expect(count('bad-json')).toBe(2001);
    expect(count('unknown-type')).toBe(2000);
    expect(count('bad-value')).toBe(2000);
    expect(count('future-ts')).toBe(2000);
    expect(count('too-large')).toBe(2000);

    const watcher = await mqttClient(hub.mqttPort);
    await watcher.subscribeAsync('telecare/+/alerts/#', { qos: 1 });
    const alertArrives = nextMessage(watcher, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t));
    await sender.publishAsync(topic, '{"type":"pendant","value":true}', { qos: 1 });
    expect(JSON.parse((await alertArrives).payload.toString())).toMatchObject({ kind: 'pendant' });
    await Promise.all([sender.endAsync(), watcher.endAsync()]);
    // Logged at most once per device per minute, not 10,000 times (the log pipe may lag the MQTT answers).
    const running = hub;
    const rejectionLines = (): number =>
      running
        .stdout()
        .split('\n')
        .filter((l) => l.includes('input rejected')).length;
    await vi.waitFor(() => expect(rejectionLines()).toBeGreaterThan(0), { timeout: 15_000, interval: 20 });
    expect(rejectionLines()).toBe(1);
  });

  it('loses none of 1,000 QoS 1 events when killed with SIGKILL the moment the last PUBACK arrives', async () => {
    hub = await spawnHub(hubEnv());
    const sender = await mqttClient(hub.mqttPort);
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < 1_000; i++) {
      acks.push(
        sender.publishAsync(
          'telecare/h1/devices/front/events',
          JSON.stringify({ type: 'contact', value: i % 2 === 0, ts: 1_790_000_000_000 + i }),
          { qos: 1 },
        ),
      );
    }
    await Promise.all(acks);
    hub.child.kill('SIGKILL');
    await hub.exited;
    sender.end(true);

    hub = await spawnHub(hubEnv());
    expect(eventRows("device_id = 'front'")).toHaveLength(1_000);
  });

  it('refuses to start on an invalid configuration, naming the field and the reason', async () => {
    const config = writeConfig(dir, {
      homes: [
        {
          id: 'h1',
          devices: [
            { id: 'a', kind: 'motion' },
            { id: 'b', kind: 'door' },
            { id: 'c', kind: 'lamp' },
          ],
        },
      ],
    });
    const result = await run(process.execPath, [cliPath, 'hub'], {
      env: {
        ...process.env,
        HUB_CONFIG: config,
        HUB_DATA_DIR: path.join(dir, 'data'),
        HUB_MQTT_PORT: '0',
        HUB_HTTP_PORT: '0',
      },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: unknown) => err as { code: number; stderr: string },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('homes[0].devices[2].kind: must be one of motion, door, exit-door');
    expect(fs.existsSync(path.join(dir, 'data', 'hub.db'))).toBe(false);
  });

  it('stops gracefully on SIGTERM, publishing its offline status', async () => {
    hub = await spawnHub(hubEnv());
    const watcher = await mqttClient(hub.mqttPort);
    // Listening before subscribing: the retained "online" can arrive in the same packet as the SUBACK.
    const online = nextMessage(watcher, (t) => t === 'telecare/hub/status');
    await watcher.subscribeAsync('telecare/hub/status', { qos: 1 });
    expect((await online).payload.toString()).toBe('online');
    const goingOffline = nextMessage(watcher, (t) => t === 'telecare/hub/status');
    hub.child.kill('SIGTERM');
    expect((await goingOffline).payload.toString()).toBe('offline');
    expect(await hub.exited).toBe(0);
    watcher.end(true);
    expect(hub.stdout()).toContain('"msg":"hub stopped"');
  });
});
