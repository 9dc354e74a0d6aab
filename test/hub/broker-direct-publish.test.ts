// The embedded broker takes in QoS 1 PUBLISHes itself (hub/broker.ts, takePublishes): acknowledged only once stored,
// in the order sent, delivered to subscribers as aedes does, aedes's read gating and keep-alive kept; everything else
// left to aedes's own PUBLISH handler.
import type { Aedes } from 'aedes';
import { describe, expect, it, vi } from 'vitest';
import type { EmbeddedBroker, SensorIntake } from '../../hub/broker.js';
import { mqttClient } from './helpers.js';
import { aedesOf, brokerPerTest, heldBatch } from '../support/embedded-broker.js';

const t = brokerPerTest('broker-direct-publish');
const clients = t.clients;

async function startBroker(intake: SensorIntake): Promise<{ broker: EmbeddedBroker; aedes: Aedes }> {
  const broker = await t.start({ intake });
  return { broker, aedes: aedesOf(broker) };
}

/** Lets every pending callback, timer and socket event of the process run (a few turns of the loop). */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

const TOPIC = 'telecare/h1/devices/hall-pir/events';

describe("the broker's own intake of QoS 1 publications", () => {
  it('acknowledges each only once its batch is stored, in the order sent, and delivers it as aedes does, without aedes handling it', async () => {
    const batches = [heldBatch(), heldBatch()];
    const stored: string[] = [];
    const running = await startBroker((_topic, payload) => {
      stored.push(payload.toString());
      return batches[stored.length <= 15 ? 0 : 1]!.promise;
    });
    const handled = vi.spyOn(running.aedes as unknown as { authorizePublish: () => void }, 'authorizePublish');
    const published: string[] = [];
    running.aedes.on('publish', (packet, client) => {
      if (client) published.push(`${client.id} ${packet.payload.toString()}`);
    });
    const live = await mqttClient(running.broker.port, { clientId: 'live-console' });
    clients.push(live);
    const seen: string[] = [];
    live.on('message', (topic, payload, packet) => seen.push(`${topic} ${payload.toString()} qos ${packet.qos}`));
    await live.subscribeAsync('telecare/+/devices/+/events', { qos: 1 });

    const sensor = await mqttClient(running.broker.port, { clientId: 'sensor-a' });
    clients.push(sensor);
    const payloads = Array.from({ length: 30 }, (_, i) => JSON.stringify({ type: 'motion', value: i % 2 === 0, n: i }));
    const acked: number[] = [];
    const sent = payloads.map((p, i) => sensor.publishAsync(TOPIC, p, { qos: 1 }).then(() => acked.push(i)));

    await vi.waitFor(() => expect(stored).toHaveLength(30), { timeout: 15_000, interval: 10 });
    await turns();
    // Taken in, not acknowledged: nothing is durable yet. Nor delivered (aedes delivers after the PUBACK).
    expect(acked).toEqual([]);
    expect(seen).toEqual([]);
    expect(published).toEqual([]);

    batches[0]!.resolve();
    await vi.waitFor(() => expect(acked).toHaveLength(15), { timeout: 15_000, interval: 10 });
    await turns();
    expect(acked).toEqual(Array.from({ length: 15 }, (_, i) => i));

    batches[1]!.resolve();
    await Promise.all(sent);
    expect(acked).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(stored).toEqual(payloads);
    await vi.waitFor(() => expect(seen).toHaveLength(30), { timeout: 15_000, interval: 10 });
    expect(seen).toEqual(payloads.map((p) => `${TOPIC} ${p} qos 1`));
    expect(published).toEqual(payloads.map((p) => `sensor-a ${p}`));
    // aedes's PUBLISH handler asks its authorizePublish hook for every publication it handles: for none of these.
    expect(handled).not.toHaveBeenCalled();

    // The connection reads on after all that (aedes's read gating counted each message's end).
    await sensor.publishAsync(TOPIC, payloads[0]!, { qos: 1 });
    expect(stored).toHaveLength(31);
  });

  it("leaves QoS 0, retained and non-sensor publications to aedes's handler, each acknowledged and delivered in the order sent", async () => {
    const batch = heldBatch();
    const stored: string[] = [];
    const running = await startBroker((topic, payload) => {
      // Only sensor events are stored (a command topic is not sensor input; bad input is counted and dropped).
      if (!topic.endsWith('/events') || payload.toString() === 'not-json') return undefined;
      stored.push(payload.toString());
      return batch.promise;
    });
    const handled: string[] = [];
    const aedesHooks = running.aedes as unknown as { authorizePublish: (...args: unknown[]) => void };
    const authorize = aedesHooks.authorizePublish;
    aedesHooks.authorizePublish = (client, packet, callback) => {
      handled.push((packet as { payload: Buffer }).payload.toString());
      authorize(client, packet, callback);
    };
    const live = await mqttClient(running.broker.port, { clientId: 'live-console' });
    clients.push(live);
    const seen: string[] = [];
    live.on('message', (_topic, payload) => seen.push(payload.toString()));
    await live.subscribeAsync('telecare/+/devices/+/events', { qos: 1 });

    const sensor = await mqttClient(running.broker.port, { clientId: 'sensor-a' });
    clients.push(sensor);
    const event = (n: number): string => JSON.stringify({ type: 'motion', value: true, n });
    const sends: { topic: string; payload: string; qos: 0 | 1; retain: boolean }[] = [
      { topic: TOPIC, payload: event(0), qos: 1, retain: false },
      // Retained asked for on a sensor topic: aedes's handler (the hub's checkRetain), stored, delivered not retained.
      { topic: TOPIC, payload: event(1), qos: 1, retain: true },
      { topic: TOPIC, payload: event(2), qos: 1, retain: false },
      // Not sensor input: nothing stored, acknowledged after the events before it.
      { topic: 'telecare/h1/devices/hall-pir/set', payload: 'command-3', qos: 1, retain: false },
      { topic: TOPIC, payload: event(4), qos: 0, retain: false },
      { topic: TOPIC, payload: event(5), qos: 1, retain: false },
      // Bad input on a sensor topic: nothing stored, acknowledged after the events before it.
      { topic: TOPIC, payload: 'not-json', qos: 1, retain: false },
      { topic: TOPIC, payload: event(7), qos: 1, retain: false },
    ];
    const acked: number[] = [];
    const sent = sends.map((s, i) =>
      sensor.publishAsync(s.topic, s.payload, { qos: s.qos, retain: s.retain }).then(() => acked.push(i)),
    );
    await vi.waitFor(() => expect(stored).toHaveLength(6), { timeout: 15_000, interval: 10 });
    await turns();
    // QoS 0 needs no acknowledgement (mqtt.js resolves it once written); every QoS 1 waits for the batch.
    expect(acked).toEqual([4]);

    batch.resolve();
    await Promise.all(sent);
    expect(acked).toEqual([4, 0, 1, 2, 3, 5, 6, 7]);
    expect(stored).toEqual([event(0), event(1), event(2), event(4), event(5), event(7)]);
    expect(handled).toEqual([event(1), 'command-3', event(4)]);
    await vi.waitFor(() => expect(seen).toHaveLength(7), { timeout: 15_000, interval: 10 });
    // The acknowledged ones in the order sent, however they were handled (the QoS 0 one, which aedes delivers a turn
    // sooner, aside).
    expect(seen.filter((p) => p !== event(4))).toEqual([event(0), event(1), event(2), event(5), 'not-json', event(7)]);
    expect(seen).toContain(event(4));
  });

  it('closes the connection without acknowledging when storing fails, and serves the next connection', async () => {
    let fail = true;
    const running = await startBroker(() => (fail ? Promise.reject(new Error('disk full')) : Promise.resolve()));
    const sensor = await mqttClient(running.broker.port, { clientId: 'sensor-a' });
    clients.push(sensor);
    const closed = new Promise<void>((resolve) => sensor.once('close', () => resolve()));
    let acknowledged = false;
    void sensor.publishAsync(TOPIC, JSON.stringify({ type: 'motion', value: true }), { qos: 1 }).then(
      () => (acknowledged = true),
      () => undefined,
    );
    await closed;
    expect(acknowledged).toBe(false);

    fail = false;
    const again = await mqttClient(running.broker.port, { clientId: 'sensor-b' });
    clients.push(again);
    await again.publishAsync(TOPIC, JSON.stringify({ type: 'motion', value: true }), { qos: 1 });
  });

  it("keeps a connection that only publishes alive (aedes's keep-alive starts again with each message)", async () => {
    const running = await startBroker(() => Promise.resolve());
    // Keep-alive 1 s: aedes closes a connection silent for 1.5 s. mqtt.js sends no PINGREQ while it publishes.
    const sensor = await mqttClient(running.broker.port, { clientId: 'sensor-a', keepalive: 1 });
    clients.push(sensor);
    let closed = false;
    const closing = new Promise<void>((resolve) =>
      sensor.on('close', () => {
        closed = true;
        resolve();
      }),
    );
    for (let i = 0; i < 16 && !closed; i++) {
      const sent = sensor.publishAsync(TOPIC, JSON.stringify({ type: 'motion', value: i % 2 === 0 }), { qos: 1 });
      sent.catch(() => undefined);
      await Promise.race([sent, closing]);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(closed).toBe(false);
    expect(sensor.connected).toBe(true);
  });
});

describe("the broker's delivery of a client's publication", () => {
  it('skips the router for a topic nobody subscribes to, with the publish event still, and delivers from the first subscription on', async () => {
    const stored: string[] = [];
    const running = await startBroker((_topic, payload) => {
      stored.push(payload.toString());
      return Promise.resolve();
    });
    const mq = (running.aedes as unknown as { mq: { emit: (packet: { topic: string }, cb: unknown) => unknown } }).mq;
    const routed: string[] = [];
    const emit = mq.emit.bind(mq);
    mq.emit = (packet, cb) => {
      if (packet.topic === TOPIC) routed.push((packet as unknown as { payload: Buffer }).payload.toString());
      return emit(packet, cb);
    };
    const published: string[] = [];
    running.aedes.on('publish', (packet, client) => {
      if (client && packet.topic === TOPIC) published.push(packet.payload.toString());
    });
    const sensor = await mqttClient(running.broker.port, { clientId: 'sensor-a' });
    clients.push(sensor);
    const event = (n: number): string => JSON.stringify({ type: 'motion', value: true, n });

    for (let i = 0; i < 5; i++) await sensor.publishAsync(TOPIC, event(i), { qos: 1 });
    await vi.waitFor(() => expect(published).toHaveLength(5), { timeout: 15_000, interval: 10 });
    // Nobody subscribes: no copy of any of them went to the router.
    expect(routed).toEqual([]);

    const live = await mqttClient(running.broker.port, { clientId: 'live-console' });
    clients.push(live);
    const seen: string[] = [];
    live.on('message', (_topic, payload) => seen.push(payload.toString()));
    await live.subscribeAsync('telecare/+/devices/+/events', { qos: 1 });
    for (let i = 5; i < 8; i++) await sensor.publishAsync(TOPIC, event(i), { qos: 1 });
    await vi.waitFor(() => expect(seen).toHaveLength(3), { timeout: 15_000, interval: 10 });
    expect(seen).toEqual([event(5), event(6), event(7)]);
    expect(routed).toEqual([event(5), event(6), event(7)]);
    expect(published).toEqual(Array.from({ length: 8 }, (_, i) => event(i)));
    expect(stored).toEqual(Array.from({ length: 8 }, (_, i) => event(i)));

    // Unsubscribed: the router is skipped again.
    await live.unsubscribeAsync('telecare/+/devices/+/events');
    await sensor.publishAsync(TOPIC, event(8), { qos: 1 });
    await vi.waitFor(() => expect(published).toHaveLength(9), { timeout: 15_000, interval: 10 });
    expect(routed).toHaveLength(3);
    expect(seen).toHaveLength(3);
  });
});
