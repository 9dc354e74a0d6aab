// The embedded broker's per-message intake work: PUBACKs written whole (hub/mqtt-puback-writer.ts) and a client's
// publication delivered without aedes's retained and offline-queue steps while no persistent session subscribes.
import { Writable } from 'node:stream';
import type { Aedes } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it, vi } from 'vitest';
import type { EmbeddedBroker, SensorIntake } from '../../hub/broker.js';
import { pubackWriterInstalled } from '../../hub/mqtt-puback-writer.js';
import { mqttClient } from './helpers.js';
import { aedesOf, brokerPerTest } from '../support/embedded-broker.js';

/** A stream that records each chunk it was handed and each `_writev` (what reaches the socket in one system call). */
function recordingStream(): { stream: Writable; chunks: Buffer[]; writevs: number[]; errors: Error[] } {
  const chunks: Buffer[] = [];
  const writevs: number[] = [];
  const errors: Error[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      writevs.push(1);
      done();
    },
    writev(batch, done) {
      for (const { chunk } of batch) chunks.push(chunk as Buffer);
      writevs.push(batch.length);
      done();
    },
  });
  stream.on('error', (err) => errors.push(err));
  return { stream, chunks, writevs, errors };
}

describe("aedes's PUBACK writer", () => {
  it("writes each PUBACK as one chunk of mqtt-packet's own bytes, and those of one turn in one writev", async () => {
    expect(pubackWriterInstalled()).toBe(true);
    const ids = [0, 1, 255, 256, 4660, 65_534, 65_535];
    const { stream, chunks, writevs } = recordingStream();
    for (const messageId of ids) {
      expect(mqttPacket.writeToStream({ cmd: 'puback', messageId }, stream)).toBe(true);
    }
    await new Promise((resolve) => setImmediate(resolve));
    // One chunk per PUBACK (mqtt-packet's own writer makes three: header, length, a 2-byte id), each the packet
    // mqtt-packet generates.
    expect(chunks).toHaveLength(ids.length);
    ids.forEach((messageId, i) => expect(chunks[i]).toEqual(mqttPacket.generate({ cmd: 'puback', messageId })));
    // Written in the same turn: corked together, one writev.
    expect(writevs).toEqual([ids.length]);
  });

  it('leaves other packets, calls with options (mqtt.js) and an invalid id to mqtt-packet', async () => {
    const withOptions = recordingStream();
    mqttPacket.writeToStream({ cmd: 'puback', messageId: 42 }, withOptions.stream, { protocolVersion: 4 });
    const pubrec = recordingStream();
    mqttPacket.writeToStream({ cmd: 'pubrec', messageId: 42 }, pubrec.stream);
    const invalid = recordingStream();
    mqttPacket.writeToStream({ cmd: 'puback', messageId: 'x' as unknown as number }, invalid.stream);
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(withOptions.chunks)).toEqual(mqttPacket.generate({ cmd: 'puback', messageId: 42 }));
    expect(Buffer.concat(pubrec.chunks)).toEqual(mqttPacket.generate({ cmd: 'pubrec', messageId: 42 }));
    expect(invalid.chunks).toEqual([]);
    expect(invalid.errors.map((err) => err.message)).toEqual(['Invalid messageId']);
  });

  it("forwards the id cache switch to mqtt-packet's writer", () => {
    const before = mqttPacket.writeToStream.cacheNumbers;
    try {
      mqttPacket.writeToStream.cacheNumbers = false;
      expect(mqttPacket.writeToStream.cacheNumbers).toBe(false);
    } finally {
      mqttPacket.writeToStream.cacheNumbers = before;
    }
  });
});

const t = brokerPerTest('broker-intake-fastpath');
const clients = t.clients;

async function startBroker(intake: SensorIntake): Promise<{ broker: EmbeddedBroker; aedes: Aedes }> {
  const broker = await t.start({ intake });
  return { broker, aedes: aedesOf(broker) };
}

describe("a client's publication once acknowledged", () => {
  it('reaches live subscribers in order, with the publish event, asking the persistence nothing until a persistent session subscribes', async () => {
    const stored: string[] = [];
    const running = await startBroker((_topic, payload) => {
      stored.push(payload.toString());
      return Promise.resolve();
    });
    const persistence = (running.aedes as unknown as { persistence: { subscriptionsByTopic: unknown } }).persistence;
    const lookups = vi.spyOn(
      persistence as { subscriptionsByTopic: (topic: string) => unknown },
      'subscriptionsByTopic',
    );
    const published: { topic: string; clientId: string | undefined }[] = [];
    running.aedes.on('publish', (packet, client) => {
      if (client) published.push({ topic: packet.topic, clientId: client.id });
    });

    // An anonymous loopback client (role `local`) may read sensor data.
    const live = await mqttClient(running.broker.port, { clientId: 'live-console', clean: true });
    clients.push(live);
    const seen: { topic: string; payload: string; qos: number; retain: boolean }[] = [];
    live.on('message', (topic, payload, packet) =>
      seen.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }),
    );
    await live.subscribeAsync('telecare/+/devices/+/events', { qos: 1 });
    const sensor = await mqttClient(running.broker.port, { clientId: 'sensor-a' });
    clients.push(sensor);
    const topic = 'telecare/h1/devices/hall-pir/events';
    const payloads = Array.from({ length: 20 }, (_, i) => JSON.stringify({ type: 'motion', value: i % 2 === 0 }));
    // Retain asked for on a sensor topic: never kept (checkRetain), delivered live like the rest.
    await Promise.all(payloads.map((p, i) => sensor.publishAsync(topic, p, { qos: 1, retain: i === 3 })));

    await vi.waitFor(() => expect(seen).toHaveLength(payloads.length), { timeout: 15_000, interval: 20 });
    expect(stored).toEqual(payloads);
    expect(seen).toEqual(payloads.map((payload) => ({ topic, payload, qos: 1, retain: false })));
    await vi.waitFor(() => expect(published).toHaveLength(payloads.length), { timeout: 15_000, interval: 20 });
    expect(published.every((p) => p.topic === topic && p.clientId === 'sensor-a')).toBe(true);
    // aedes's own series asks the persistence which offline sessions want each message; none was asked.
    expect(lookups).not.toHaveBeenCalled();

    // A persistent session subscribing at QoS 1: from now on every message goes through aedes's own series.
    const away = await mqttClient(running.broker.port, { clientId: 'responder-console', clean: false });
    await away.subscribeAsync('telecare/+/devices/+/events', { qos: 1 });
    await away.endAsync();
    await sensor.publishAsync(topic, payloads[0]!, { qos: 1 });
    await vi.waitFor(() => expect(seen).toHaveLength(payloads.length + 1), { timeout: 15_000, interval: 20 });
    expect(lookups).toHaveBeenCalledWith(topic);
  });
});

describe("aedes's routing of a topic", () => {
  it('is matched once per topic while the subscriptions stay, and again at once after any change to them', async () => {
    const running = await startBroker(() => Promise.resolve());
    const matcher = (running.aedes as unknown as { mq: { _matcher: { _match2: (...a: unknown[]) => unknown } } }).mq
      ._matcher;
    const matches = vi.spyOn(matcher, '_match2');
    const sensor = await mqttClient(running.broker.port, { clientId: 'sensor-a' });
    const live = await mqttClient(running.broker.port, { clientId: 'live-console' });
    clients.push(sensor, live);
    const seen: string[] = [];
    live.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    const pir = 'telecare/h1/devices/hall-pir/events';
    const pendant = 'telecare/h1/devices/p1/events';
    const send = async (topic: string, n: number, from: number): Promise<void> => {
      for (let i = from; i < from + n; i++)
        await sensor.publishAsync(topic, JSON.stringify({ type: 'motion', value: i % 2 === 0, seq: i }), { qos: 1 });
    };
    const motion = (topic: string, from: number, n: number): string[] =>
      Array.from(
        { length: n },
        (_, k) => `${topic} ${JSON.stringify({ type: 'motion', value: (from + k) % 2 === 0, seq: from + k })}`,
      );

    // Nobody subscribed: twelve messages on one topic, one match.
    matches.mockClear();
    await send(pir, 12, 0);
    expect(matches.mock.calls.filter((call) => call[1] === pir)).toHaveLength(1);

    // A subscription made after that topic was matched: the next messages reach it.
    await live.subscribeAsync('telecare/h1/devices/+/events', { qos: 1 });
    await send(pir, 3, 12);
    await send(pendant, 2, 15);
    await vi.waitFor(() => expect(seen).toHaveLength(5), { timeout: 15_000, interval: 20 });
    expect(seen).toEqual([...motion(pir, 12, 3), ...motion(pendant, 15, 2)]);

    // Unsubscribed: nothing more reaches it, though its topics were matched with it.
    await live.unsubscribeAsync('telecare/h1/devices/+/events');
    await send(pir, 3, 17);
    // A second subscriber's messages show the first's would have arrived by now.
    await live.subscribeAsync(pendant, { qos: 1 });
    await send(pendant, 1, 20);
    await vi.waitFor(() => expect(seen).toHaveLength(6), { timeout: 15_000, interval: 20 });
    expect(seen.slice(5)).toEqual(motion(pendant, 20, 1));
  });
});
