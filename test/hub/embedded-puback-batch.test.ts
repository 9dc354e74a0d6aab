// Embedded broker: the QoS 1 messages of a group commit are acknowledged together once durable, each connection's in order.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { holdWriteLock, type WriteLock } from '../support/write-lock.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;
let holder: WriteLock | undefined;
const sockets: net.Socket[] = [];

beforeEach(() => {
  dir = tempDir('puback-batch');
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await holder?.kill();
  holder = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function utf8Field(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
}

/** A whole MQTT packet: fixed header byte, remaining length (under 16 KB here: one or two bytes), body. */
function packet(first: number, body: Buffer): Buffer {
  const length = body.length < 128 ? [body.length] : [(body.length % 128) | 0x80, Math.floor(body.length / 128)];
  return Buffer.concat([Buffer.from([first, ...length]), body]);
}

/**
 * A raw MQTT 3.1.1 client (anonymous, from loopback) that sends `count` QoS 1 motion events with packet ids 1..count
 * in one write, and records the packet id of every PUBACK in the order they arrive.
 */
async function rawSensor(
  port: number,
  clientId: string,
  count: number,
  malformedIds: ReadonlySet<number> = new Set(),
): Promise<{ pubackIds: number[] }> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  const pubackIds: number[] = [];
  let pending = Buffer.alloc(0);
  let connacked: () => void = () => undefined;
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    // Only CONNACK (0x20) and PUBACK (0x40) come back, each 4 bytes long.
    while (pending.length >= 4) {
      if (pending[0] === 0x20) connacked();
      else if (pending[0] === 0x40) pubackIds.push(pending.readUInt16BE(2));
      else throw new Error(`unexpected packet type ${pending[0]}`);
      pending = pending.subarray(4);
    }
  });
  await new Promise<void>((resolve, reject) => {
    connacked = resolve;
    socket.once('error', reject);
    socket.write(packet(0x10, Buffer.concat([utf8Field('MQTT'), Buffer.from([4, 0x02, 0, 60]), utf8Field(clientId)])));
  });
  const publishes = Array.from({ length: count }, (_, i) => {
    const id = Buffer.from([(i + 1) >> 8, (i + 1) & 0xff]);
    // A malformed one is dropped and counted by ingest: nothing to store.
    const payload = Buffer.from(
      malformedIds.has(i + 1) ? '{"type":' : JSON.stringify({ type: 'motion', value: i % 2 === 0 }),
    );
    return packet(0x32, Buffer.concat([utf8Field('telecare/h1/devices/hall-pir/events'), id, payload]));
  });
  socket.write(Buffer.concat(publishes));
  return { pubackIds };
}

describe('embedded broker: PUBACKs of a group commit', () => {
  it('no PUBACK before the batch is durable; then all of them, each connection in the order of its messages', async () => {
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const firstId = hub.store.lastReservedId + 1;
    const lock = (holder = await holdWriteLock(path.join(dir, 'data', 'hub.db')));
    const perClient = 60;
    const sensors = await Promise.all([
      rawSensor(hub.ports.mqtt!, 'bridge-a', perClient),
      rawSensor(hub.ports.mqtt!, 'bridge-b', perClient),
    ]);
    // Every message taken by intake (ids reserved), none committed: the other process holds the write lock.
    await vi.waitFor(() => expect(hub!.store.lastReservedId).toBe(firstId + 2 * perClient - 1), {
      timeout: 15_000,
      interval: 20,
    });
    expect(sensors.map((s) => s.pubackIds.length)).toEqual([0, 0]);

    await lock.release();
    const inOrder = Array.from({ length: perClient }, (_, i) => i + 1);
    await vi.waitFor(
      () => {
        for (const sensor of sensors) expect(sensor.pubackIds).toEqual(inOrder);
      },
      { timeout: 15_000, interval: 20 },
    );
    // Every acknowledged event is in the database file (a second connection reads what is committed).
    const reader = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
    try {
      const row = reader.prepare('SELECT count(*) AS n FROM events WHERE id >= ?').get(firstId) as { n: number };
      expect(row.n).toBe(2 * perClient);
    } finally {
      reader.close();
    }
  });

  it("a message with nothing to store waits for the PUBACKs of the same connection's earlier messages (MQTT 4.6)", async () => {
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const firstId = hub.store.lastReservedId + 1;
    const lock = (holder = await holdWriteLock(path.join(dir, 'data', 'hub.db')));
    // Message 11 of 21 is malformed: nothing to store, so nothing of its own to wait for.
    const sensor = await rawSensor(hub.ports.mqtt!, 'bridge-a', 21, new Set([11]));
    // The twenty events after and around it taken by intake (so message 11 was too), none committed.
    await vi.waitFor(() => expect(hub!.store.lastReservedId).toBe(firstId + 19), { timeout: 15_000, interval: 20 });
    expect(sensor.pubackIds).toEqual([]);

    await lock.release();
    await vi.waitFor(() => expect(sensor.pubackIds).toEqual(Array.from({ length: 21 }, (_, i) => i + 1)), {
      timeout: 15_000,
      interval: 20,
    });
  });
});
