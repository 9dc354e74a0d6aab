// The hub's own publications (alerts) on the embedded broker: each live subscriber's copy is handed to its socket
// inside the publish call (hub/broker.ts, publishOwn and deliverOwnAtOnce), not from aedes's setImmediate after the
// rest of the hub's turn; the retained copy, the ACL on delivery and the offline queue of a persistent session as
// before.
import net from 'node:net';
import { connect } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EmbeddedBroker } from '../../hub/broker.js';
import { packets, packetType } from '../support/mqtt-packets.js';
import { brokerPerTest } from '../support/embedded-broker.js';
import { mqttClient } from './helpers.js';

const t = brokerPerTest('broker-own-delivery');
const clients = t.clients;
const socketWrite = net.Socket.prototype.write;

function startBroker(): Promise<EmbeddedBroker> {
  return t.start();
}

/**
 * Records each whole MQTT PUBLISH packet the broker writes to one of this test's own subscribers (`to`: their local
 * ports; the clients only subscribe and acknowledge). mqtt-packet writes a packet in several chunks (fixed header,
 * length, topic, packet id, payload), so each socket's bytes are split into whole packets (test/support/mqtt-packets.ts)
 * before the type is read: a chunk's first byte is not a packet's. Counting chunks whose first byte was 0x3_ (session
 * 31) also counted a QoS 1 copy's packet id when aedes's random id fell in 0x3000-0x3fff (1 run in 16), and the
 * subscriber's PUBACK carrying it. Set before the broker starts, which wraps each of its sockets' write.
 */
function recordPublishWrites(order: string[], to: ReadonlySet<number>): void {
  const streams = new Map<net.Socket, (data: Buffer) => void>();
  net.Socket.prototype.write = function (this: net.Socket, ...a: unknown[]): boolean {
    const [chunk, encoding] = a;
    if (to.has(this.remotePort ?? -1) && (Buffer.isBuffer(chunk) || typeof chunk === 'string')) {
      let feed = streams.get(this);
      if (feed === undefined) {
        feed = packets((packet) => {
          if (packetType(packet) === 3) order.push('publish written');
        });
        streams.set(this, feed);
      }
      feed(
        Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
      );
    }
    return (socketWrite as (...b: unknown[]) => boolean).apply(this, a);
  };
}

// Registered after brokerPerTest's: run before its teardown (vitest runs after-hooks last registered first).
afterEach(() => {
  net.Socket.prototype.write = socketWrite;
  vi.restoreAllMocks();
});

const ALERT = 'telecare/h1/alerts/a1';

describe("the hub's own publications on the embedded broker", () => {
  it('are written to every live subscriber before the loop runs anything else, retained for a later subscriber', async () => {
    const order: string[] = [];
    const subscriberPorts = new Set<number>();
    recordPublishWrites(order, subscriberPorts);
    // aedes starts each client's packet ids at a random number: one in 0x3000-0x3fff, the case that misled the count.
    vi.spyOn(Math, 'random').mockReturnValue(0x3456 / 65535);
    const running = await startBroker();
    const seen: string[] = [];
    for (const qos of [1, 0] as const) {
      const live = await mqttClient(running.port, { clientId: `console-qos${qos}` });
      clients.push(live);
      subscriberPorts.add((live.stream as net.Socket).localPort!);
      live.on('message', (topic, payload, packet) =>
        seen.push(`qos${qos} ${topic} ${payload.toString()} retain ${packet.retain}`),
      );
      await live.subscribeAsync('telecare/+/alerts/+', { qos });
    }

    order.length = 0;
    // Queued before the publish: aedes's own delivery (a setImmediate queued later, after promises) ran after it.
    setImmediate(() => order.push('next check phase'));
    const published = running.publish(ALERT, '{"state":"open"}', { qos: 1, retain: true });
    await published;
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['publish written', 'publish written', 'next check phase']);

    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 15_000, interval: 10 });
    expect(seen.sort()).toEqual([
      `qos0 ${ALERT} {"state":"open"} retain false`,
      `qos1 ${ALERT} {"state":"open"} retain false`,
    ]);

    // The retained copy was stored: a subscriber coming later gets it, marked retained.
    const later = await mqttClient(running.port, { clientId: 'console-later' });
    clients.push(later);
    const retained = new Promise<string>((resolve) =>
      later.on('message', (topic, payload, packet) =>
        resolve(`${topic} ${payload.toString()} retain ${packet.retain}`),
      ),
    );
    await later.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    expect(await retained).toBe(`${ALERT} {"state":"open"} retain true`);

    // Cleared (an empty retained message): the next subscriber gets nothing retained.
    await running.publish(ALERT, '', { qos: 1, retain: true });
    const last = await mqttClient(running.port, { clientId: 'console-last' });
    clients.push(last);
    const got: string[] = [];
    last.on('message', (topic) => got.push(topic));
    await last.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    await running.publish('telecare/h1/alerts/a2', 'after', { qos: 1, retain: false });
    await vi.waitFor(() => expect(got).toEqual(['telecare/h1/alerts/a2']), { timeout: 15_000, interval: 10 });
  });

  it('still queue a copy for a persistent session that is away, delivered when it comes back', async () => {
    const running = await startBroker();
    const away = await mqttClient(running.port, { clientId: 'responder', clean: false });
    await away.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    await away.endAsync();

    await running.publish(ALERT, 'while away', { qos: 1, retain: false });

    // Its message handler set before it connects: the queued copy comes right after the CONNACK.
    const back = connect(`mqtt://127.0.0.1:${running.port}`, {
      clientId: 'responder',
      clean: false,
      reconnectPeriod: 0,
    });
    clients.push(back);
    const received = await new Promise<string>((resolve) =>
      back.on('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)),
    );
    expect(received).toBe(`${ALERT} while away`);
  });
});
