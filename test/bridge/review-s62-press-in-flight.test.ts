// Review, session 62. Story: the hub is up and connected, but slow to take the pendant press (it acknowledges an event
// once it is on its disk, and the SD card is busy), when the power goes (or systemd kills the bridge). While the broker
// was connected the bridge kept a press in memory only, from the moment it handed it to the broker until the broker
// acknowledged it: the hub had not stored it, the bridge had lost it, and the resident's press never reached anyone.
// Now an emergency is written to the spool (flushed to disk) as soon as it is queued, connected or not, and the file
// is removed once it is delivered: the next start sends it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  stopRig,
  waitFor,
  writeToSerial,
  type BridgeRig,
} from './helpers.js';
import { pendantPress, wire } from './fixtures.js';

const rig: BridgeRig = {};

beforeAll(requireBuiltCli);

afterEach(() => stopRig(rig));

it('sends at its next start a press the broker had not acknowledged when the bridge was killed', async () => {
  rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s62-inflight-'));
  rig.pair = await startSerialPair(rig.dir, 'tty');
  const spool = path.join(rig.dir, 'rx.spool');
  // The broker takes the bridge's status but holds its events unacknowledged (no PUBACK), as a hub writing them.
  const held: string[] = [];
  rig.broker = await startBroker(0, {
    authorizePublish: (_client, packet, done) => {
      if (packet.topic.endsWith('/events')) held.push(packet.topic);
      else done(null);
    },
  });
  const args = [
    '--port',
    rig.pair.hubEnd,
    '--framing',
    'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${rig.broker.port}`,
    '--name',
    'rx-hall',
    '--mqtt-reconnect-ms',
    '200',
    '--status-interval-ms',
    '60000',
    '--spool',
    spool,
  ];
  rig.bridge = spawnBridge(args);
  rig.subscriber = await startSubscriber(rig.broker.port, BRIDGE_TOPICS);
  await waitFor('bridge online', () => rig.subscriber!.lastStatus('rx-hall')?.state === 'online');

  writeToSerial(rig.pair.receiverEnd, wire(pendantPress('p1', 1)));
  await waitFor('the press reached the broker', () => held.length === 1);
  // Sent first, kept on disk just after (readSpool: what the next start sends). Before: never kept while connected.
  await waitFor('the press kept on disk', () => readSpool(spool).events.length === 1);
  await killProcess(rig.bridge.child);
  const port = rig.broker.port;
  await rig.subscriber.close();
  await rig.broker.close();

  // The broker back (the hub restarted after the power cut), answering; the bridge started again.
  rig.broker = await startBroker(port);
  rig.subscriber = await startSubscriber(port, BRIDGE_TOPICS);
  rig.bridge = spawnBridge(args);
  await waitFor('bridge online with nothing left to send', () => {
    const s = rig.subscriber!.lastStatus('rx-hall');
    return s?.state === 'online' && s.events.queued === 0;
  });
  // Before: nothing kept, nothing sent: the press lost.
  expect(rig.subscriber.on('telecare/h1/devices/p1/events')).toEqual([
    expect.objectContaining({ type: 'pendant', value: true }),
  ]);
  await waitFor('the spool removed once it is delivered', () => !fs.existsSync(spool));
}, 60_000);
