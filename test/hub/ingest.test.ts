// Ingest: native, Zigbee2MQTT and HTTP input become one event type; bad input is counted by reason, logged sparingly.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { DeviceIndex, parseHubConfig } from '../../hub/config.js';
import { Ingest } from '../../hub/ingest.js';
import { createLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { ONE_HOME_CONFIG } from './helpers.js';
import { capturingLogger } from '../support/captured-log.js';

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 10, 22, 8, 0, 0));
  const logLines: string[] = [];
  const metrics = createMetricsRegistry();
  const config = parseHubConfig(ONE_HOME_CONFIG);
  const ingest = new Ingest({
    config,
    index: new DeviceIndex(config),
    clock,
    logger: capturingLogger(logLines, 'info'),
    metrics,
  });
  const rejected = async (reason: string): Promise<number> => {
    const metric = await metrics.getSingleMetric('telecare_ingest_rejected_total')!.get();
    return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  };
  const mqtt = (topic: string, payload: unknown) =>
    ingest.fromMqtt(
      topic,
      Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    );
  const accepted = async (source: string): Promise<number> => {
    const metric = await metrics.getSingleMetric('telecare_ingest_events_total')!.get();
    return metric.values.find((v) => v.labels.source === source)?.value ?? 0;
  };
  return { clock, ingest, logLines, rejected, accepted, mqtt, metrics };
}

describe('native topic', () => {
  it('counts accepted events by source in telecare_ingest_events_total, each read showing every event so far', async () => {
    const { mqtt, ingest, accepted } = setup();
    mqtt('telecare/h1/devices/p1/events', [
      { type: 'pendant', value: true },
      { type: 'pendant', value: true },
    ]);
    mqtt('telecare/h1/devices/p1/events', { type: 'nonsense', value: true });
    expect(await accepted('mqtt')).toBe(2);
    expect(await accepted('mqtt')).toBe(2);
    mqtt('telecare/h1/devices/p1/events', { type: 'pendant', value: true });
    ingest.fromHttp({ homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true });
    expect(await accepted('mqtt')).toBe(3);
    expect(await accepted('http')).toBe(1);
  });

  it('a pendant press of a configured device becomes one assigned event with its room and kind', () => {
    const { mqtt, clock } = setup();
    const { events, rejections } = mqtt('telecare/h1/devices/p1/events', { type: 'pendant', value: true });
    expect(rejections).toEqual([]);
    expect(events).toEqual([
      {
        homeId: 'h1',
        deviceId: 'p1',
        type: 'pendant',
        value: true,
        ts: clock.now(),
        source: 'mqtt',
        room: 'living',
        kind: 'pendant',
        assigned: true,
      },
    ]);
  });

  it("reads a ts without a zone as the home's local time (its configured zone), as replay does", () => {
    const { mqtt } = setup();
    // h1 is in Europe/London: 09:00 on 1 July is 08:00 UTC (summer time), whatever this machine's zone.
    const { events } = mqtt('telecare/h1/devices/p1/events', [
      { type: 'pendant', value: true, ts: '2026-07-01T09:00:00' },
      { type: 'pendant', value: true, ts: '2026-07-01 09:00:30.250' },
      { type: 'pendant', value: true, ts: '2026-07-01T09:01:00+01:00' },
    ]);
    expect(events.map((e) => new Date(e.ts).toISOString())).toEqual([
      '2026-07-01T08:00:00.000Z',
      '2026-07-01T08:00:30.250Z',
      '2026-07-01T08:01:00.000Z',
    ]);
  });

  it('takes an array, ISO and epoch timestamps, and accel samples', () => {
    const { mqtt } = setup();
    const { events } = mqtt('telecare/h1/devices/new-sensor/events', [
      { type: 'contact', value: false, ts: '2026-11-22T07:59:00.000Z' },
      { type: 'temperature', value: 19.5, ts: 1_795_334_000_000 },
      {
        type: 'accel',
        value: {
          rate: 50,
          samples: [
            [0, 0, 1],
            [0.1, 0, 0.98],
          ],
        },
      },
    ]);
    expect(events.map((e) => [e.type, e.ts])).toEqual([
      ['contact', Date.parse('2026-11-22T07:59:00.000Z')],
      ['temperature', 1_795_334_000_000],
      ['accel', Date.UTC(2026, 10, 22, 8, 0, 0)],
    ]);
  });

  it('keeps the events of a home that is not configured, marked unassigned, over MQTT and HTTP', () => {
    const { mqtt, ingest } = setup();
    expect(mqtt('telecare/h9/devices/p1/events', { type: 'pendant', value: true })).toMatchObject({
      events: [{ homeId: 'h9', deviceId: 'p1', type: 'pendant', assigned: false }],
      rejections: [],
    });
    expect(ingest.fromHttp({ homeId: 'zz', deviceId: 'p1', type: 'pendant', value: true })).toMatchObject({
      events: [{ homeId: 'zz', deviceId: 'p1', assigned: false, source: 'http' }],
      rejections: [],
    });
  });

  it('keeps the events of a device that is not configured, marked unassigned', () => {
    const { mqtt } = setup();
    const { events } = mqtt('telecare/h1/devices/new-sensor/events', { type: 'motion', value: true });
    expect(events).toMatchObject([{ homeId: 'h1', deviceId: 'new-sensor', assigned: false }]);
    expect(events[0]?.room).toBeUndefined();
  });

  it.each([
    ['bad-json', 'telecare/h1/devices/p1/events', '{"type":'],
    ['unknown-type', 'telecare/h1/devices/p1/events', { type: 'teleport', value: true }],
    ['unknown-type', 'telecare/h1/devices/p1/events', { type: 'availability', value: true }],
    ['bad-value', 'telecare/h1/devices/p1/events', { type: 'motion', value: 'yes' }],
    ['bad-value', 'telecare/h1/devices/p1/events', { type: 'pendant', value: false }],
    ['bad-value', 'telecare/h1/devices/p1/events', { type: 'accel', value: { rate: 50, samples: [[0, 0]] } }],
    ['bad-ts', 'telecare/h1/devices/p1/events', { type: 'motion', value: true, ts: 'yesterday' }],
    ['bad-ts', 'telecare/h1/devices/p1/events', { type: 'motion', value: true, ts: '2026-11-22' }],
    ['bad-ts', 'telecare/h1/devices/p1/events', { type: 'motion', value: true, ts: '5' }],
    [
      'future-ts',
      'telecare/h1/devices/p1/events',
      { type: 'motion', value: true, ts: Date.UTC(2026, 10, 23, 8, 0, 1) },
    ],
    ['not-an-event', 'telecare/h1/devices/p1/events', [42]],
    ['too-large', 'telecare/h1/devices/p1/events', Buffer.alloc(64 * 1024 + 1, 0x20)],
  ])('rejects and counts %s', async (reason, topic, payload) => {
    const { mqtt, rejected } = setup();
    const { events, rejections } = mqtt(topic, payload);
    expect(events).toEqual([]);
    expect(rejections.map((r) => r.reason)).toEqual([reason]);
    expect(await rejected(reason)).toBe(1);
  });

  it("a press stamped 1970 (a sensor whose clock was reset) is kept at the hub's receive time, counted and logged once a minute", async () => {
    const { mqtt, ingest, clock, logLines, metrics } = setup();
    const sensorClocks = [0, '1970-01-01T00:00:05Z', '2000-01-01T00:00:00Z', Date.UTC(2025, 11, 31, 23, 59)];
    for (const ts of sensorClocks) {
      const { events, rejections } = mqtt('telecare/h1/devices/p1/events', { type: 'pendant', value: true, ts });
      expect(rejections).toEqual([]);
      // Never dropped: it may be the only press the resident makes.
      expect(events).toMatchObject([{ type: 'pendant', ts: clock.now() }]);
    }
    expect(ingest.fromHttp({ homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true, ts: 5 }).events).toMatchObject(
      [{ ts: clock.now() }],
    );
    const replaced = await metrics.getSingleMetric('telecare_ingest_implausible_ts_total')!.get();
    expect(replaced.values.reduce((sum, v) => sum + v.value, 0)).toBe(5);
    const warnings = logLines.filter((line) => line.includes('sensor clock'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ device: 'h1/p1', sensorTs: '1970-01-01T00:00:00.000Z' });
  });

  it("keeps the sensor's own time when it is plausible: a bridge flushing a day-old buffer", () => {
    const { mqtt, clock } = setup();
    const dayAgo = clock.now() - 24 * 3_600_000;
    expect(mqtt('telecare/h1/devices/p1/events', { type: 'pendant', value: true, ts: dayAgo }).events).toMatchObject([
      { ts: dayAgo },
    ]);
  });

  it('drops only the bad items of an array', () => {
    const { mqtt } = setup();
    const { events, rejections } = mqtt('telecare/h1/devices/p1/events', [
      { type: 'heartbeat', value: true },
      { type: 'heartbeat' },
    ]);
    expect(events).toHaveLength(1);
    expect(rejections).toHaveLength(1);
  });

  it('logs a misbehaving device at most once a minute, but counts every rejection', async () => {
    const { mqtt, clock, logLines, rejected } = setup();
    for (let i = 0; i < 100; i++) mqtt('telecare/h1/devices/p1/events', 'nonsense');
    expect(logLines).toHaveLength(1);
    clock.advanceBy(60_000);
    mqtt('telecare/h1/devices/p1/events', 'nonsense');
    expect(logLines).toHaveLength(2);
    expect(await rejected('bad-json')).toBe(101);
    expect(logLines[0]).not.toContain('nonsense');
  });
});

describe('Zigbee2MQTT', () => {
  it('{"occupancy":true,"battery":87} on a configured PIR becomes motion and battery of its home and room', () => {
    const { mqtt } = setup();
    const { events } = mqtt('zigbee2mqtt/hall_pir', { occupancy: true, battery: 87, linkquality: 120, voltage: 3000 });
    expect(events.map((e) => [e.homeId, e.deviceId, e.room, e.type, e.value, e.source])).toEqual([
      ['h1', 'hall-pir', 'hall', 'motion', true, 'zigbee'],
      ['h1', 'hall-pir', 'hall', 'battery', 87, 'zigbee'],
    ]);
  });

  it('finds friendly names that contain /', () => {
    const { mqtt } = setup();
    expect(mqtt('zigbee2mqtt/kitchen/pir', { occupancy: false }).events).toMatchObject([
      { deviceId: 'kitchen-pir', room: 'kitchen', type: 'motion', value: false },
    ]);
  });

  it('maps the hazard, contact, tamper and battery_low keys', () => {
    const { mqtt } = setup();
    const { events } = mqtt('zigbee2mqtt/new_multi_sensor', {
      water_leak: true,
      carbon_monoxide: false,
      smoke: true,
      contact: true,
      tamper: true,
      battery_low: true,
      vibration: true,
      temperature: 18.5,
    });
    expect(events.map((e) => `${e.type}=${JSON.stringify(e.value)}`)).toEqual([
      'water=true',
      'co=false',
      'smoke=true',
      'contact=true',
      'tamper=true',
      'battery_low=true',
      'motion=true',
      'temperature=18.5',
    ]);
  });

  it('a button action is a pendant press only for a device configured as a pendant', () => {
    const config = parseHubConfig({
      homes: [
        {
          id: 'h1',
          devices: [
            { id: 'btn', zigbee: 'sos_button', kind: 'pendant' },
            { id: 'sw', zigbee: 'switch', kind: 'other' },
          ],
        },
      ],
    });
    const ingest = new Ingest({
      config,
      index: new DeviceIndex(config),
      clock: new FakeClock(),
      logger: createLogger({ level: 'silent' }),
      metrics: createMetricsRegistry(),
    });
    expect(ingest.fromMqtt('zigbee2mqtt/sos_button', Buffer.from('{"action":"emergency"}')).events).toMatchObject([
      { type: 'pendant', value: true, deviceId: 'btn' },
    ]);
    expect(ingest.fromMqtt('zigbee2mqtt/sos_button', Buffer.from('{"sos":true}')).events).toMatchObject([
      { type: 'pendant' },
    ]);
    expect(ingest.fromMqtt('zigbee2mqtt/switch', Buffer.from('{"action":"single"}')).events).toEqual([]);
  });

  it('availability, JSON or legacy string, becomes an internal availability event', () => {
    const { mqtt } = setup();
    expect(mqtt('zigbee2mqtt/hall_pir/availability', { state: 'offline' }).events).toMatchObject([
      { type: 'availability', value: false, deviceId: 'hall-pir' },
    ]);
    expect(mqtt('zigbee2mqtt/kitchen/pir/availability', 'online').events).toMatchObject([
      { type: 'availability', value: true, deviceId: 'kitchen-pir' },
    ]);
  });

  it('ignores /set, /get and the bridge topics, which are not sensor data', () => {
    const { ingest, mqtt } = setup();
    for (const topic of [
      'zigbee2mqtt/hall_pir/set',
      'zigbee2mqtt/hall_pir/get',
      'zigbee2mqtt/bridge/state',
      'zigbee2mqtt/bridge/devices',
      'other/topic',
    ]) {
      expect(ingest.sensorTopic(topic)).toBeNull();
      expect(mqtt(topic, { occupancy: true })).toEqual({ events: [], rejections: [] });
    }
  });

  it('keeps an unknown friendly name as an unassigned device, and counts a wrong value type', async () => {
    const { mqtt, rejected } = setup();
    expect(mqtt('zigbee2mqtt/0x00158d0001', { occupancy: true }).events).toMatchObject([
      { homeId: '', deviceId: '0x00158d0001', assigned: false, type: 'motion' },
    ]);
    expect(mqtt('zigbee2mqtt/hall_pir', { occupancy: 'yes', battery: 50 }).events).toHaveLength(1);
    expect(await rejected('bad-value')).toBe(1);
  });
});

describe('HTTP', () => {
  it('takes the native event plus homeId and deviceId, one or many', () => {
    const { ingest } = setup();
    const { events } = ingest.fromHttp([
      { homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true },
      { homeId: 'h1', deviceId: 'front', type: 'contact', value: true },
    ]);
    expect(events.map((e) => [e.deviceId, e.type, e.source])).toEqual([
      ['p1', 'pendant', 'http'],
      ['front', 'contact', 'http'],
    ]);
  });

  it('says why a body is refused', () => {
    const { ingest } = setup();
    expect(ingest.fromHttp({ deviceId: 'p1', type: 'pendant', value: true }).rejections[0]?.reason).toBe('missing-ids');
    expect(ingest.fromHttp('pendant').rejections[0]?.reason).toBe('not-an-event');
  });
});

describe('device kinds, value ranges and ids (issue 12 item 10)', () => {
  it('a device raises only what its kind can report: a PIR cannot raise smoke, CO, a fall, a flood or a pendant press', async () => {
    const { mqtt, rejected } = setup();
    for (const type of ['smoke', 'co', 'water', 'gas']) {
      expect(
        mqtt('zigbee2mqtt/hall_pir', {
          [type === 'water' ? 'water_leak' : type === 'co' ? 'carbon_monoxide' : type]: true,
        }).events,
      ).toEqual([]);
    }
    // The native topic of the same kind of device (the exit door is a contact).
    for (const event of [
      { type: 'pendant', value: true },
      { type: 'fall', value: true },
      { type: 'smoke', value: true },
    ]) {
      expect(mqtt('telecare/h1/devices/front/events', event).rejections.map((r) => r.reason)).toEqual([
        'kind-mismatch',
      ]);
    }
    expect(await rejected('kind-mismatch')).toBe(7);
    // What a PIR does report still goes through, with its battery and tamper.
    expect(
      mqtt('zigbee2mqtt/hall_pir', { occupancy: true, battery: 80, tamper: false }).events.map((e) => e.type),
    ).toEqual(['motion', 'battery', 'tamper']);
    expect(mqtt('telecare/h1/devices/p1/events', { type: 'pendant', value: true }).events).toHaveLength(1);
  });

  it.each([
    [{ type: 'battery', value: -5 }],
    [{ type: 'battery', value: 1e6 }],
    [{ type: 'temperature', value: 1e308 }],
    [{ type: 'temperature', value: -273 }],
    [{ type: 'humidity', value: 101 }],
    [{ type: 'power', value: -1 }],
    [{ type: 'power', value: 1e9 }],
    [{ type: 'accel', value: { rate: 0.5, samples: [[0, 0, 1]] } }],
    [{ type: 'accel', value: { rate: 1e6, samples: [[0, 0, 1]] } }],
    [{ type: 'accel', value: { rate: 50, samples: [[0, 0, 1e300]] } }],
  ])('refuses the out-of-range value %o and counts it', async (event) => {
    const { mqtt, rejected } = setup();
    // An unassigned device: no kind check, so only the range can refuse it.
    expect(mqtt('telecare/h1/devices/new-sensor/events', event).rejections.map((r) => r.reason)).toEqual([
      'out-of-range',
    ]);
    expect(await rejected('out-of-range')).toBe(1);
  });

  it('refuses an accel message of more than 10,000 samples (through HTTP, which has no 64 KiB cap of its own)', async () => {
    const { ingest, rejected } = setup();
    const samples = Array.from({ length: 10_001 }, () => [0, 0, 1]);
    const outcome = ingest.fromHttp({
      homeId: 'h1',
      deviceId: 'new-watch',
      type: 'accel',
      value: { rate: 50, samples },
    });
    expect(outcome.rejections.map((r) => r.reason)).toEqual(['out-of-range']);
    expect(await rejected('out-of-range')).toBe(1);
  });

  it('keeps values at the edges of their ranges, and refuses them from Zigbee2MQTT too', async () => {
    const { mqtt, rejected } = setup();
    const edges = [
      { type: 'battery', value: 0 },
      { type: 'battery', value: 100 },
      { type: 'temperature', value: -50 },
      { type: 'humidity', value: 100 },
      { type: 'power', value: 0 },
      { type: 'accel', value: { rate: 1000, samples: [[0, 0, 1]] } },
    ];
    expect(mqtt('telecare/h1/devices/new-sensor/events', edges).events).toHaveLength(edges.length);
    expect(
      mqtt('zigbee2mqtt/hall_pir', { battery: 250, temperature: 1e308, occupancy: true }).events.map((e) => e.type),
    ).toEqual(['motion']);
    expect(await rejected('out-of-range')).toBe(2);
  });

  it('refuses ids with control characters, terminal escapes or over 64 characters, without logging them', async () => {
    const { mqtt, ingest, rejected, logLines } = setup();
    const ok = { type: 'motion', value: true };
    expect(mqtt('telecare/h1/devices/p\u0000x/events', ok).rejections.map((r) => r.reason)).toEqual(['bad-id']);
    expect(mqtt('telecare/h1/devices/\u001b[2J\u001b[31mpwned/events', ok).rejections.map((r) => r.reason)).toEqual([
      'bad-id',
    ]);
    expect(mqtt(`telecare/h1/devices/${'d'.repeat(65)}/events`, ok).rejections.map((r) => r.reason)).toEqual([
      'bad-id',
    ]);
    expect(mqtt('zigbee2mqtt/evil\u202ename', { occupancy: true }).rejections.map((r) => r.reason)).toEqual(['bad-id']);
    expect(ingest.fromHttp({ homeId: 'h1\u0007', deviceId: 'p1', ...ok }).rejections.map((r) => r.reason)).toEqual([
      'bad-id',
    ]);
    expect(await rejected('bad-id')).toBe(5);
    expect(logLines.join('')).not.toMatch(new RegExp(`${String.fromCharCode(27)}|pwned`));
    // Printable non-ASCII ids are fine.
    expect(mqtt(`telecare/h1/devices/capteur-séjour/events`, ok).events).toHaveLength(1);
  });
});
