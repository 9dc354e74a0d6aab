// Bounded, seeded fuzz of the hub's intake (MQTT native, Zigbee2MQTT, HTTP POST /api/events): it stays up, still alerts, stays bounded, and every input is accounted for.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../hub/clock.js';
import { DeviceIndex, parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { Ingest } from '../../hub/ingest.js';
import { silentLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { NATIVE_EVENT_TYPES } from '../../rules/vocabulary.js';
import { adminSession, createApiToken, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { mqttClient, nextMessage, tempDir } from './helpers.js';
import { createRng } from '../../simulate/random.js';

const SEED = 20261129;
const MQTT_INPUTS = 2_400;
const HTTP_INPUTS = 600;

const CONFIG = parseHubConfig({
  homes: [
    {
      id: 'h1',
      residents: [{ id: 'r1' }],
      devices: [
        { id: 'p1', kind: 'pendant', room: 'living' },
        { id: 'hall-pir', zigbee: 'hall_pir', kind: 'motion', room: 'hall' },
        { id: 'kitchen-pir', zigbee: 'kitchen/pir', kind: 'motion', room: 'kitchen' },
        { id: 'front', kind: 'exit-door', room: 'entrance' },
        { id: 'watch', kind: 'wearable' },
        { id: 'smoke1', zigbee: 'smoke_alarm', kind: 'smoke', room: 'kitchen' },
      ],
    },
    // Never a fuzz target: its pendant proves afterwards that the hub still alerts.
    { id: 'probe', residents: [{ id: 'r9' }], devices: [{ id: 'probe-pendant', kind: 'pendant', room: 'living' }] },
  ],
});

function generator(seed: number) {
  const { next: r, pick } = createRng(seed);
  const now = Date.now();
  const values: unknown[] = [
    true,
    false,
    0,
    1,
    -5,
    101,
    1e6,
    1e308,
    -1e308,
    19.5,
    55,
    'yes',
    '',
    null,
    [],
    {},
    '\u0000\u001b[2J',
    {
      rate: 50,
      samples: [
        [0, 0, 1],
        [0.1, 0, 0.98],
      ],
    },
    { rate: 0, samples: [] },
    { rate: 1e9, samples: [[0, 0, 1]] },
    { rate: 50, samples: [[0, 0]] },
  ];
  const types: unknown[] = [...NATIVE_EVENT_TYPES, 'teleport', 'availability', 'battery_low', '', 42, null];
  // Far from the 24 h future limit, so the hub and the reference ingest agree whatever a few ms apart.
  const stamps: unknown[] = [
    undefined,
    now - 60_000,
    new Date(now - 3_600_000).toISOString(),
    'yesterday',
    -1,
    now + 72 * 3_600_000,
    1e20,
  ];
  const zigbeeKeys = [
    'occupancy',
    'presence',
    'contact',
    'smoke',
    'water_leak',
    'carbon_monoxide',
    'gas',
    'battery',
    'battery_low',
    'temperature',
    'humidity',
    'power',
    'action',
    'sos',
    'alarm',
    'tamper',
    'vibration',
    'linkquality',
    'voltage',
  ];
  const homes = ['h1', 'h1', 'h1', 'h9', 'h\u0007', 'x'.repeat(70)];
  const devices = ['p1', 'hall-pir', 'front', 'watch', 'smoke1', 'new-sensor', 'evil\u001b[31m', 'd'.repeat(65)];
  const names = ['hall_pir', 'kitchen/pir', 'smoke_alarm', 'unknown_thing', 'bell\u0007', 'bridge/state'];

  const event = (): Record<string, unknown> => {
    const e: Record<string, unknown> = { type: pick(types), value: pick(values) };
    const ts = pick(stamps);
    if (ts !== undefined) e.ts = ts;
    if (r() < 0.1) e.extra = pick(values);
    return e;
  };
  const mutateText = (text: string): string => {
    const chars = Array.from(text);
    const edits = 1 + Math.floor(r() * 4);
    for (let i = 0; i < edits && chars.length > 0; i++) {
      const at = Math.floor(r() * chars.length);
      const op = r();
      if (op < 0.4) chars[at] = String.fromCharCode(Math.floor(r() * 128));
      else if (op < 0.7) chars.splice(at, 1);
      else chars.splice(at, 0, pick(['{', '}', '[', '"', ',', ':', '\u0000', 'null', '1e999']));
    }
    return chars.join('');
  };
  const body = (make: () => unknown): Buffer => {
    const choice = r();
    if (choice < 0.45) return Buffer.from(JSON.stringify(make()));
    if (choice < 0.65) return Buffer.from(JSON.stringify(Array.from({ length: 1 + Math.floor(r() * 5) }, make)));
    if (choice < 0.85) return Buffer.from(mutateText(JSON.stringify(make())));
    if (choice < 0.9) return Buffer.from(`${'['.repeat(5_000)}${']'.repeat(5_000)}`);
    if (choice < 0.95) return Buffer.alloc(66 * 1024, 0x20);
    return Buffer.from(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256)));
  };
  const zigbeeState = (): Record<string, unknown> => {
    const state: Record<string, unknown> = {};
    for (const key of zigbeeKeys)
      if (r() < 0.25) state[key] = key === 'action' ? pick(['emergency', 'single', 'toggle', 5]) : pick(values);
    return state;
  };

  return {
    mqtt(): { topic: string; payload: Buffer } {
      const kind = r();
      if (kind < 0.55)
        return { topic: `telecare/${pick(homes)}/devices/${pick(devices)}/events`, payload: body(event) };
      if (kind < 0.9) return { topic: `zigbee2mqtt/${pick(names)}`, payload: body(zigbeeState) };
      return {
        topic: `zigbee2mqtt/${pick(names)}/availability`,
        payload: Buffer.from(pick(['online', 'offline', '{"state":"online"}', '{"state":7}', '', 'ONLINE'])),
      };
    },
    http(): unknown {
      const one = (): unknown =>
        r() < 0.9 ? { homeId: pick(homes), deviceId: pick(devices), ...event() } : pick(values);
      return r() < 0.7 ? one() : Array.from({ length: 1 + Math.floor(r() * 4) }, one);
    },
  };
}

let dir: string;
let hub: RunningHub;
let token: string;

beforeAll(async () => {
  dir = tempDir('fuzz');
  hub = await startTestHub(CONFIG, dir);
  token = await createApiToken(hub, await adminSession(hub), 'fuzz', 'installer');
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function rejectedByReason(): Promise<Record<string, number>> {
  const metric = await hub.metrics.getSingleMetric('telecare_ingest_rejected_total')!.get();
  return Object.fromEntries(metric.values.filter((v) => v.value > 0).map((v) => [String(v.labels.reason), v.value]));
}

describe('bounded fuzz of the intake', () => {
  it(`survives ${MQTT_INPUTS + HTTP_INPUTS} seeded mutated inputs (seed ${SEED}), still alerts, stays bounded, accounts for every input`, async () => {
    const gen = generator(SEED);
    // The reference: the same inputs through a separate Ingest with the same configuration. The hub must store
    // exactly what it accepts and count exactly what it rejects, whatever the broker and HTTP layers do.
    const reference = new Ingest({
      config: CONFIG,
      index: new DeviceIndex(CONFIG),
      clock: systemClock,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
    });
    const expectedRejected: Record<string, number> = {};
    let expectedStored = 0;
    const count = (reasons: string[]): void => {
      for (const reason of reasons) expectedRejected[reason] = (expectedRejected[reason] ?? 0) + 1;
    };
    const rssBefore = process.memoryUsage().rss;

    let client = await mqttClient(hub.ports.mqtt!);
    for (let sent = 0; sent < MQTT_INPUTS;) {
      const batch = Array.from({ length: Math.min(100, MQTT_INPUTS - sent) }, () => gen.mqtt());
      sent += batch.length;
      for (const { topic, payload } of batch) {
        const outcome = reference.fromMqtt(topic, payload);
        expectedStored += outcome.events.length;
        count(outcome.rejections.map((x) => x.reason));
      }
      await Promise.all(batch.map(({ topic, payload }) => client.publishAsync(topic, payload, { qos: 1 })));
    }
    await client.endAsync();

    const base = dashboardUrl(hub);
    const statuses = new Map<number, number>();
    for (let i = 0; i < HTTP_INPUTS; i++) {
      const input = gen.http();
      const outcome = reference.fromHttp(input);
      count(outcome.rejections.map((x) => x.reason));
      // The API stores a body only when all of it is good, but for the emergencies of a refused one (session 65):
      // ingest's outcome holds those alone then.
      expectedStored += outcome.events.length;
      const response = await fetch(`${base}/api/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: base },
        body: JSON.stringify(input),
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
    // Every HTTP answer is an acceptance or a clear refusal, never a server error.
    expect([...statuses.keys()].every((s) => s === 202 || s === 400)).toBe(true);

    // Every input accounted for: the accepted events are exactly the stored rows and the repeats stored as counts (a
    // device past its bound a minute, hub/chatter.ts), rejections counted by reason.
    const counted = (hub.db.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM event_repeats').get() as { n: number }).n;
    const countedMetric = (await hub.metrics.getSingleMetric('telecare_ingest_repeats_counted_total')!.get()).values;
    expect(countedMetric[0]?.value ?? 0).toBe(counted);
    expect(hub.store.eventsAfter(0).length + counted).toBe(expectedStored);
    expect(await rejectedByReason()).toEqual(expectedRejected);
    expect(Object.keys(expectedRejected)).toEqual(
      expect.arrayContaining([
        'bad-json',
        'unknown-type',
        'bad-value',
        'out-of-range',
        'kind-mismatch',
        'bad-id',
        'too-large',
      ]),
    );

    // Still alive and still alerting: a pendant press in a home the fuzz never touched raises its alert.
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    const watcher = await mqttClient(hub.ports.mqtt!);
    await watcher.subscribeAsync('telecare/probe/alerts/+', { qos: 1 });
    const alert = nextMessage(watcher, (t) => t.startsWith('telecare/probe/alerts/'));
    client = await mqttClient(hub.ports.mqtt!);
    await client.publishAsync('telecare/probe/devices/probe-pendant/events', '{"type":"pendant","value":true}', {
      qos: 1,
    });
    expect(JSON.parse((await alert).payload.toString())).toMatchObject({ kind: 'pendant', homeId: 'probe' });
    await Promise.all([client.endAsync(), watcher.endAsync()]);

    // Bounded: nothing retained for later subscribers, and resident memory did not run away (generous: the
    // fuzz itself, the store's cache and V8's heap growth account for tens of MB).
    expect(hub.broker.describe().retained).toEqual({ messages: 0, bytes: 0 });
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  }, 300_000);
});
