// What a 1,000-home hub's peak is kept from holding (issue 13, memory): mqtt-packet's packet-id cache, and that a
// burst with npm start's V8 flags (full collections sooner) loses nothing and stops nothing.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchConfig } from '../../bench/configs.js';
import { hubLaunch } from '../../bench/hubProcess.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import {
  ONE_HOME_CONFIG,
  adminGet,
  killHub,
  mqttClient,
  nextMessage,
  projectRoot,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

// The module aedes and mqtt.js write packets with keeps its cache here: one 2-byte Buffer per packet id once built.
const numbers = createRequire(import.meta.url)('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('memorypeak');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("mqtt-packet's packet-id cache", () => {
  it('is never built: a press and its alert go both ways at QoS 1 with their packet ids, and no id is cached', async () => {
    // Each test file runs in a process of its own: nothing has written an MQTT packet in it yet.
    expect(Object.keys(numbers.cache)).toHaveLength(0);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const port = hub.ports.mqtt ?? 0;
    const subscriber = await mqttClient(port);
    const pendant = await mqttClient(port);
    try {
      await subscriber.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
      const alert = nextMessage(subscriber, (topic) => topic.startsWith('telecare/h1/alerts/'));
      // Resolves on the hub's PUBACK carrying this publish's packet id; the alert comes back as a QoS 1 PUBLISH.
      const sent = await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', {
        qos: 1,
      });
      expect(sent?.messageId).toBeGreaterThan(0);
      const { payload } = await alert;
      expect(JSON.parse(payload.toString())).toMatchObject({ kind: 'pendant', state: 'raised' });
    } finally {
      await Promise.all([subscriber.endAsync(), pendant.endAsync()]);
    }
    // Built on the first packet written, the cache would hold all 65,536 ids (6.7 MB of old space) from then on.
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  });
});

describe("a burst with npm start's V8 flags", () => {
  let proc: HubProcess | undefined;
  afterEach(async () => {
    await killHub(proc);
    proc = undefined;
  });

  it.skipIf(process.platform !== 'linux')(
    'stores and acknowledges every one of 20,000 QoS 1 events sent at once, and the hub still raises an alert after',
    async () => {
      const { flags, env } = hubLaunch(
        (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { scripts: { start: string } })
          .scripts.start,
        undefined,
      );
      const config = writeConfig(dir, benchConfig(200));
      proc = await spawnHub(
        { ...env, HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: config },
        60_000,
        undefined,
        flags,
      );
      const publishers = await Promise.all([0, 1, 2, 3].map(() => mqttClient(proc!.mqttPort)));
      const perPublisher = 5_000;
      try {
        // All 20,000 in flight at once: the old space fills with messages waiting for their fsync and PUBACK.
        await Promise.all(
          publishers.map((client, p) =>
            Promise.all(
              Array.from({ length: perPublisher }, (_, i) =>
                client.publishAsync(
                  `telecare/h${((p * perPublisher + i) % 200) + 1}/devices/kitchen-pir/events`,
                  '{"type":"motion","value":true}',
                  { qos: 1 },
                ),
              ),
            ),
          ),
        );
        expect(proc.child.exitCode).toBeNull();
        const alert = nextMessage(publishers[0]!, (topic) => topic.startsWith('telecare/h7/alerts/'));
        await publishers[0]!.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
        await publishers[1]!.publishAsync('telecare/h7/devices/pendant/events', '{"type":"pendant","value":true}', {
          qos: 1,
        });
        expect(JSON.parse((await alert).payload.toString())).toMatchObject({ kind: 'pendant', state: 'raised' });
        // V8's old space stays bounded through the burst (200 homes: ~25 MB live; 38–50 MB committed here, with and
        // without the flag: a burst this short may end before the first full collection).
        const metrics = await (await adminGet(proc.httpPort, '/metrics')).text();
        const oldSpaceBytes = Number(
          /^telecare_nodejs_heap_space_size_total_bytes\{space="old"\} (\S+)/m.exec(metrics)?.[1] ?? 0,
        );
        expect(oldSpaceBytes).toBeGreaterThan(0);
        expect(oldSpaceBytes / 1024 / 1024).toBeLessThan(80);
      } finally {
        await Promise.all(publishers.map((client) => client.endAsync()));
      }
      // Every acknowledged event is stored (read through a connection of this test's own).
      const db = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare("SELECT count(*) AS n FROM events WHERE device_id = 'kitchen-pir'").get() as {
          n: number;
        };
        expect(row.n).toBe(4 * perPublisher);
      } finally {
        db.close();
      }
    },
    240_000,
  );
});
