// Story: receivers get unplugged and brokers restart; the bridge waits, reconnects and loses nothing it kept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BRIDGE_TOPICS,
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  startSubscriber,
  unplug,
  waitFor,
  writeToSerial,
  type BridgeProcess,
  type SerialPair,
  type Subscriber,
  type TestBroker,
} from './helpers.js';
import { motion, pendantPress, wire } from './fixtures.js';

let dir: string;
let pairs: SerialPair[] = [];
let brokers: TestBroker[] = [];
let subscriber: Subscriber | undefined;
let bridge: BridgeProcess | undefined;

beforeAll(requireBuiltCli);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-resilience-'));
});

afterEach(async () => {
  await killProcess(bridge?.child);
  await subscriber?.close();
  for (const broker of brokers) await broker.close();
  for (const pair of pairs) await killProcess(pair.process);
  fs.rmSync(dir, { recursive: true, force: true });
  pairs = [];
  brokers = [];
  bridge = subscriber = undefined;
});

function bridgeArgs(portPath: string, brokerPort: number, extra: string[] = []): string[] {
  return [
    '--port',
    portPath,
    '--framing',
    'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${brokerPort}`,
    '--name',
    'rx-hall',
    '--retry-min-ms',
    '100',
    '--retry-max-ms',
    '400',
    '--mqtt-reconnect-ms',
    '200',
    '--status-interval-ms',
    '60000',
    ...extra,
  ];
}

describe('the serial port', () => {
  it('is waited for when it does not exist yet, and reopened after the receiver is unplugged', async () => {
    const broker = await startBroker();
    brokers.push(broker);
    subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
    const portPath = path.join(dir, 'tty-hub');
    bridge = spawnBridge(bridgeArgs(portPath, broker.port));
    await waitFor('offline status while the port is missing', () => {
      const s = subscriber!.lastStatus('rx-hall');
      return s?.state === 'offline' && s.port.state === 'retrying';
    });

    const firstPair = await startSerialPair(dir, 'tty');
    pairs.push(firstPair);
    await waitFor('online once the port appears', () => subscriber!.lastStatus('rx-hall')?.state === 'online');
    writeToSerial(firstPair.receiverEnd, wire(pendantPress('p1', 1)));
    await waitFor('first pendant press', () => subscriber!.on('telecare/h1/devices/p1/events').length === 1);

    // Unplug: the pty pair vanishes; the bridge says so and keeps trying. Any status since counts, not only the
    // latest seen: a loaded machine may deliver several between two looks.
    const statusesBefore = subscriber.on('telecare/bridge/rx-hall/status').length;
    await unplug(firstPair);
    await waitFor('offline status after unplugging', () =>
      subscriber!
        .on('telecare/bridge/rx-hall/status')
        .slice(statusesBefore)
        .some((s) => (s as { state: string }).state === 'offline'),
    ).catch((err: unknown) => {
      // Seen once in session 71's CI (load about 5), not reproduced since: say what the bridge logged and published,
      // so that the next time says why.
      const seen = subscriber!.on('telecare/bridge/rx-hall/status').slice(statusesBefore);
      const logged = bridge!.logs.slice(-15).map((l) => JSON.stringify(l));
      throw new Error(
        `${String(err)}; statuses since: ${JSON.stringify(seen)}; bridge's last lines: ${logged.join(' | ')}`,
      );
    });
    expect(bridge.child.exitCode).toBeNull();

    // Plug back in under the same name.
    const secondPair = await startSerialPair(dir, 'tty');
    pairs.push(secondPair);
    await waitFor('online again', () => subscriber!.lastStatus('rx-hall')?.state === 'online');
    writeToSerial(secondPair.receiverEnd, wire(pendantPress('p1', 2)));
    const presses = await waitFor('pendant press after replugging', () => {
      const events = subscriber!.on('telecare/h1/devices/p1/events');
      return events.length === 2 ? events : undefined;
    });
    expect(presses.map((e) => (e as { type: string }).type)).toEqual(['pendant', 'pendant']);
  });
});

describe('the broker', () => {
  it('going away is survived: events are buffered, the oldest dropped past the bound, the rest delivered in order', async () => {
    const pair = await startSerialPair(dir, 'tty');
    pairs.push(pair);
    const first = await startBroker();
    brokers.push(first);
    subscriber = await startSubscriber(first.port, BRIDGE_TOPICS);
    bridge = spawnBridge(bridgeArgs(pair.hubEnd, first.port, ['--max-queued', '20', '--log-level', 'debug']));
    await waitFor('bridge online', () => subscriber!.lastStatus('rx-hall')?.state === 'online');
    await subscriber.close();

    await first.close();
    brokers = [];
    await waitFor('bridge noticed the broker is gone', () =>
      bridge!.logs.some((l) => l.msg === 'MQTT broker connection lost; buffering events'),
    );
    // 25 motion events while the broker is down; only the newest 20 fit the bound.
    writeToSerial(
      pair.receiverEnd,
      Buffer.concat(Array.from({ length: 25 }, (_, i) => wire(motion('hall-pir', i + 1, i % 2 === 0)))),
    );
    await waitFor(
      'bridge read all 25 frames',
      () => bridge!.logs.filter((l) => l.msg === 'serial event').length === 25,
    );

    // Same port again; the bridge is kept out until the subscriber listens, so nothing races past it.
    let subscriberReady = false;
    const second = await startBroker(first.port, {
      authenticate: (client, _user, _password, done) =>
        done(null, !client.id.startsWith('telecare-bridge-') || subscriberReady),
    });
    brokers.push(second);
    subscriber = await startSubscriber(second.port, BRIDGE_TOPICS);
    subscriberReady = true;

    const events = await waitFor('buffered events', () => {
      const received = subscriber!.on('telecare/h1/devices/hall-pir/events');
      return received.length === 20 ? received : undefined;
    });
    // Frames 6..25 survive: values alternate starting with frame 6 (false).
    expect(events.map((e) => (e as { value: boolean }).value)).toEqual(
      Array.from({ length: 20 }, (_, i) => (i + 5) % 2 === 0),
    );
    const status = await waitFor('status after the flush', () => {
      const s = subscriber!.lastStatus('rx-hall');
      return s && s.events.queued === 0 && s.framesOk === 25 ? s : undefined;
    });
    expect(status.events.dropped).toBe(5);
    expect(status.state).toBe('online');
  });
});

describe('a broker that refuses the connection', () => {
  it('is tried again: a CONNACK refusal (server unavailable while the hub restarts or is flooded) does not stop the bridge for good', async () => {
    const pair = await startSerialPair(dir, 'tty');
    pairs.push(pair);
    // Refuses the bridge's first connection with CONNACK 3 (server unavailable), as the hub's broker does when an
    // address already has 4 credential checks waiting; accepts every later one.
    let bridgeRefusals = 0;
    const broker = await startBroker(0, {
      authenticate: (client, _user, _password, done) => {
        if (client.id.startsWith('telecare-bridge-') && bridgeRefusals === 0) {
          bridgeRefusals++;
          done(Object.assign(new Error('server unavailable'), { returnCode: 3 }), false);
          return;
        }
        done(null, true);
      },
    });
    brokers.push(broker);
    subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
    bridge = spawnBridge(bridgeArgs(pair.hubEnd, broker.port));
    await waitFor('bridge online after the refusal', () => subscriber!.lastStatus('rx-hall')?.state === 'online');
    expect(bridgeRefusals).toBe(1);
    writeToSerial(pair.receiverEnd, wire(pendantPress('p1', 1)));
    await waitFor('pendant press', () => subscriber!.on('telecare/h1/devices/p1/events').length === 1);
  });
});

describe('the bound on buffered events', () => {
  it('drops routine events before an emergency: a pendant press outlives a flapping sensor while the broker is away', async () => {
    const pair = await startSerialPair(dir, 'tty');
    pairs.push(pair);
    const first = await startBroker();
    brokers.push(first);
    subscriber = await startSubscriber(first.port, BRIDGE_TOPICS);
    bridge = spawnBridge(
      bridgeArgs(pair.hubEnd, first.port, ['--framing', 'ndjson', '--max-queued', '20', '--log-level', 'debug']),
    );
    await waitFor('bridge online', () => subscriber!.lastStatus('rx-hall')?.state === 'online');
    await subscriber.close();
    await first.close();
    brokers = [];
    await waitFor('bridge noticed the broker is gone', () =>
      bridge!.logs.some((l) => l.msg === 'MQTT broker connection lost; buffering events'),
    );
    // The press first, then a PIR chattering 25 times: 26 events for 20 places.
    const lines = [
      '{"device":"p1","type":"pendant","value":true}',
      ...Array.from({ length: 25 }, (_, i) =>
        JSON.stringify({ device: 'hall-pir', type: 'motion', value: i % 2 === 0 }),
      ),
    ];
    writeToSerial(pair.receiverEnd, lines.map((l) => `${l}\n`).join(''));
    await waitFor('bridge read all 26 lines', () => bridge!.logs.filter((l) => l.msg === 'serial event').length === 26);

    let subscriberReady = false;
    const second = await startBroker(first.port, {
      authenticate: (client, _user, _password, done) =>
        done(null, !client.id.startsWith('telecare-bridge-') || subscriberReady),
    });
    brokers.push(second);
    subscriber = await startSubscriber(second.port, BRIDGE_TOPICS);
    subscriberReady = true;
    const status = await waitFor('status after the flush', () => {
      const s = subscriber!.lastStatus('rx-hall');
      return s && s.events.queued === 0 && s.framesOk === 26 ? s : undefined;
    });
    expect(subscriber.on('telecare/h1/devices/p1/events')).toEqual([expect.objectContaining({ type: 'pendant' })]);
    // The six oldest motion events made room; the newest 19 arrive, in order.
    expect(subscriber.on('telecare/h1/devices/hall-pir/events').map((e) => (e as { value: boolean }).value)).toEqual(
      Array.from({ length: 19 }, (_, i) => (i + 6) % 2 === 0),
    );
    expect(status.events.dropped).toBe(6);
  });
});

describe('the bridge process', () => {
  it('says offline on its status topic when stopped with SIGTERM, and through its last will when killed', async () => {
    const pair = await startSerialPair(dir, 'tty');
    pairs.push(pair);
    const broker = await startBroker();
    brokers.push(broker);
    subscriber = await startSubscriber(broker.port, ['telecare/bridge/+/status']);

    bridge = spawnBridge(bridgeArgs(pair.hubEnd, broker.port));
    await waitFor('bridge online', () => subscriber!.lastStatus('rx-hall')?.state === 'online');
    const exit = new Promise<number | null>((resolve) => bridge!.child.once('exit', (code) => resolve(code)));
    bridge.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const stopped = await waitFor('graceful offline', () => {
      const s = subscriber!.lastStatus('rx-hall');
      return s?.state === 'offline' ? s : undefined;
    });
    expect(stopped.reason).toBe('stopped');

    bridge = spawnBridge(bridgeArgs(pair.hubEnd, broker.port));
    await waitFor('bridge online again', () => subscriber!.lastStatus('rx-hall')?.state === 'online');
    await killProcess(bridge.child, 'SIGKILL');
    const lost = await waitFor('last will', () => {
      const s = subscriber!.lastStatus('rx-hall');
      return s?.state === 'offline' ? s : undefined;
    });
    expect(lost.reason).toBe('bridge-lost');
  });
});
