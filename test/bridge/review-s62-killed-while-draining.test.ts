// Review, session 62. Story: the hub's broker was away while the resident pressed the pendant and the hall sensors saw
// them; the broker is back and the bridge is sending what it kept, slowly (the hub busy after its start), when it is
// killed (SIGKILL: a power cut, systemd past its stop timeout). Its spool was rewritten only once every event in it was
// delivered, so the next start sent the WHOLE spool again: the press the hub had already taken came a second time,
// behind other reports. Now each delivery is noted in the spool as it is acknowledged: the next start sends only what
// the broker had not taken.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { readSpool } from '../../firmware-bridge/event-spool.js';
import {
  brokerWithSubscriber,
  bridgeArgs,
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  stopRestartRig,
  waitFor,
  writeToSerial,
  type RestartRig,
  type Subscriber,
} from './helpers.js';
import { motion, pendantPress, wire } from './fixtures.js';

const rig: RestartRig = { brokers: [], subscribers: [] };

beforeAll(requireBuiltCli);

afterEach(() => stopRestartRig(rig));

const PIRS = ['pir-1', 'pir-2', 'pir-3', 'pir-4', 'pir-5', 'pir-6'];
const deviceOf = (topic: string): string => topic.split('/')[3]!;
const eventsSeen = (subscriber: Subscriber): string[] =>
  subscriber.messages.filter((m) => m.topic.endsWith('/events')).map((m) => deviceOf(m.topic));

it('killed while sending its spool, sends at its next start only what the broker had not taken', async () => {
  const dir = (rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s62-drain-')));
  const pair = (rig.pair = await startSerialPair(dir, 'tty'));
  const spool = path.join(dir, 'rx.spool');
  const first = await startBroker();
  rig.brokers.push(first);
  const port = first.port;
  const args = bridgeArgs({
    port: pair.hubEnd,
    mqttPort: port,
    name: 'rx-hall',
    extra: ['--mqtt-reconnect-ms', '200', '--spool', spool, '--log-level', 'debug'],
  });
  rig.bridge = spawnBridge(args);
  await waitFor('bridge connected', () => rig.bridge!.logs.some((l) => l.msg === 'connected to MQTT broker'));

  // The broker goes away; the pendant is pressed, then six sensors report: all kept in the spool.
  await first.close();
  rig.brokers = [];
  await waitFor('bridge noticed the broker is gone', () =>
    rig.bridge!.logs.some((l) => l.msg === 'MQTT broker connection lost; buffering events'),
  );
  writeToSerial(pair.receiverEnd, wire(pendantPress('p1', 1), ...PIRS.map((id, i) => motion(id, i + 2))));
  await waitFor('bridge read all seven', () => rig.bridge!.logs.filter((l) => l.msg === 'serial event').length === 7);
  await waitFor('all seven in the spool', () => readSpool(spool).events.length === 7);

  // The broker is back but slow: it takes the press and two sensors' events, and is still on the fourth when the
  // bridge is killed.
  let taken = 0;
  const slow = await brokerWithSubscriber(rig, port, {
    authorizePublish: (_client, packet, done) => {
      if (!packet.topic.endsWith('/events') || taken < 3) {
        if (packet.topic.endsWith('/events')) taken++;
        done(null);
      }
      // else: never answered (no PUBACK), as a hub busy after its start.
    },
  });
  await waitFor('the broker took three events', () => eventsSeen(slow).length === 3);
  expect(eventsSeen(slow)).toEqual(['p1', 'pir-1', 'pir-2']);
  // What the next start will send (readSpool is what it reads). Before: all seven until the last was delivered.
  await waitFor('the spool keeps only the four not taken', () => readSpool(spool).events.length === 4);
  await killProcess(rig.bridge.child);

  // The broker restarted, quick again; the bridge started again.
  for (const broker of rig.brokers) await broker.close();
  rig.brokers = [];
  const quick = await brokerWithSubscriber(rig, port);
  rig.bridge = spawnBridge(args);
  await waitFor('the four not taken', () => eventsSeen(quick).length >= 4);
  await waitFor('the spool removed once all are delivered', () => !fs.existsSync(spool));
  // Each event reached a broker once: the press not again.
  expect(eventsSeen(quick)).toEqual(['pir-3', 'pir-4', 'pir-5', 'pir-6']);
}, 90_000);
