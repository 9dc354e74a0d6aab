// Review, session 62. Story: the hub's broker was away while the resident pressed the pendant and the hall sensors saw
// them; the broker is back and the bridge is sending what it kept, slowly (the hub busy after its start), when it is
// killed (SIGKILL: a power cut, systemd past its stop timeout). Its spool was rewritten only once every event in it was
// delivered, so the next start sent the WHOLE spool again: the press the hub had already taken came a second time,
// behind other reports. Now each delivery is noted in the spool as it is acknowledged: the next start sends only what
// the broker had not taken.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AedesOptions } from 'aedes';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { readSpool } from '../../firmware-bridge/event-spool.js';
import {
  BRIDGE_TOPICS,
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  startSubscriber,
  waitFor,
  writeToSerial,
  type BridgeProcess,
  type SerialPair,
  type Subscriber,
  type TestBroker,
} from './helpers.js';
import { motion, pendantPress, wire } from './fixtures.js';

let dir: string | undefined;
let pair: SerialPair | undefined;
let brokers: TestBroker[] = [];
let subscribers: Subscriber[] = [];
let bridge: BridgeProcess | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  await killProcess(bridge?.child);
  for (const subscriber of subscribers) await subscriber.close();
  for (const broker of brokers) await broker.close();
  await killProcess(pair?.process);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  brokers = [];
  subscribers = [];
  dir = pair = bridge = undefined;
});

const PIRS = ['pir-1', 'pir-2', 'pir-3', 'pir-4', 'pir-5', 'pir-6'];
const deviceOf = (topic: string): string => topic.split('/')[3]!;
const eventsSeen = (subscriber: Subscriber): string[] =>
  subscriber.messages.filter((m) => m.topic.endsWith('/events')).map((m) => deviceOf(m.topic));

/** Starts a broker on `port` whose bridge is let in only once a subscriber listens there. */
async function brokerWithSubscriber(
  port: number,
  authorizePublish?: AedesOptions['authorizePublish'],
): Promise<Subscriber> {
  let subscriberReady = false;
  const broker = await startBroker(port, {
    authenticate: (client, _user, _password, done) =>
      done(null, !client.id.startsWith('telecare-bridge-') || subscriberReady),
    ...(authorizePublish ? { authorizePublish } : {}),
  });
  brokers.push(broker);
  const subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
  subscribers.push(subscriber);
  subscriberReady = true;
  return subscriber;
}

it('killed while sending its spool, sends at its next start only what the broker had not taken', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s62-drain-'));
  pair = await startSerialPair(dir, 'tty');
  const spool = path.join(dir, 'rx.spool');
  const first = await startBroker();
  brokers.push(first);
  const port = first.port;
  const args = [
    '--port',
    pair.hubEnd,
    '--framing',
    'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${port}`,
    '--name',
    'rx-hall',
    '--mqtt-reconnect-ms',
    '200',
    '--status-interval-ms',
    '60000',
    '--spool',
    spool,
    '--log-level',
    'debug',
  ];
  bridge = spawnBridge(args);
  await waitFor('bridge connected', () => bridge!.logs.some((l) => l.msg === 'connected to MQTT broker'));

  // The broker goes away; the pendant is pressed, then six sensors report: all kept in the spool.
  await first.close();
  brokers = [];
  await waitFor('bridge noticed the broker is gone', () =>
    bridge!.logs.some((l) => l.msg === 'MQTT broker connection lost; buffering events'),
  );
  writeToSerial(pair.receiverEnd, wire(pendantPress('p1', 1), ...PIRS.map((id, i) => motion(id, i + 2))));
  await waitFor('bridge read all seven', () => bridge!.logs.filter((l) => l.msg === 'serial event').length === 7);
  await waitFor('all seven in the spool', () => readSpool(spool).events.length === 7);

  // The broker is back but slow: it takes the press and two sensors' events, and is still on the fourth when the
  // bridge is killed.
  let taken = 0;
  const slow = await brokerWithSubscriber(port, (_client, packet, done) => {
    if (!packet.topic.endsWith('/events') || taken < 3) {
      if (packet.topic.endsWith('/events')) taken++;
      done(null);
    }
    // else: never answered (no PUBACK), as a hub busy after its start.
  });
  await waitFor('the broker took three events', () => eventsSeen(slow).length === 3);
  expect(eventsSeen(slow)).toEqual(['p1', 'pir-1', 'pir-2']);
  // What the next start will send (readSpool is what it reads). Before: all seven until the last was delivered.
  await waitFor('the spool keeps only the four not taken', () => readSpool(spool).events.length === 4);
  await killProcess(bridge.child);

  // The broker restarted, quick again; the bridge started again.
  for (const broker of brokers) await broker.close();
  brokers = [];
  const quick = await brokerWithSubscriber(port);
  bridge = spawnBridge(args);
  await waitFor('the four not taken', () => eventsSeen(quick).length >= 4);
  await waitFor('the spool removed once all are delivered', () => !fs.existsSync(spool));
  // Each event reached a broker once: the press not again.
  expect(eventsSeen(quick)).toEqual(['pir-3', 'pir-4', 'pir-5', 'pir-6']);
}, 90_000);
