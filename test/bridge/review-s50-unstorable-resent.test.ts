// Review s50: a hub that cannot store events (full disk: it drops the connection without PUBACK) for a while gets the bridge's events once it can; none is given up as refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BRIDGE_TOPICS,
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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const rig: BridgeRig = {};
/** While true the broker answers each event as the hub does one it failed to store: no PUBACK, connection closed. */
let diskFull = true;
let failedStores = 0;

beforeAll(async () => {
  requireBuiltCli();
  rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-s50-unstorable-'));
  rig.pair = await startSerialPair(rig.dir);
  rig.broker = await startBroker(0, {
    // As hub/broker.ts releaseStored when the store's batch failed: the callback's error closes the connection.
    authorizePublish: (_client, packet, callback) => {
      // Home h2 stands for a home the credential does not cover, at a broker that closes instead of acknowledging.
      if ((diskFull && packet.topic.endsWith('/events')) || packet.topic.startsWith('telecare/h2/')) {
        failedStores++;
        callback(new Error('storage failed'));
      } else callback(null);
    },
  });
  rig.subscriber = await startSubscriber(rig.broker.port, BRIDGE_TOPICS);
  rig.bridge = spawnBridge([
    '--port',
    rig.pair.hubEnd,
    '--mqtt',
    `mqtt://127.0.0.1:${rig.broker.port}`,
    '--name',
    'rx-full',
    '--framing',
    'ndjson',
    '--home',
    'h1',
    '--mqtt-reconnect-ms',
    '100',
  ]);
  const subscriber = rig.subscriber;
  await waitFor('bridge online', () => subscriber.lastStatus('rx-full')?.state === 'online');
});

afterAll(() => stopRig(rig));

describe('a hub whose disk is full', () => {
  it('gets the pendant press once it can store again, however many times it dropped the connection at it', async () => {
    const subscriber = rig.subscriber!;
    writeToSerial(rig.pair!.receiverEnd, '{"device":"p1","type":"pendant","value":true}\n');
    // Well past the three drops in a row after which the bridge used to give the press up as refused.
    await waitFor(
      'the hub to fail to store the press several times, or the bridge to give it up',
      () => failedStores >= 8 || (subscriber.lastStatus('rx-full')?.events?.dropped ?? 0) > 0,
    );
    diskFull = false;
    await waitFor(
      'the press, or the bridge saying it dropped it',
      () =>
        subscriber.on('telecare/h1/devices/p1/events').length > 0 ||
        (subscriber.lastStatus('rx-full')?.events?.dropped ?? 0) > 0,
    );
    expect(subscriber.on('telecare/h1/devices/p1/events')).toMatchObject([{ type: 'pendant', value: true }]);
    const status = await waitFor('status with the press published', () => {
      const s = subscriber.lastStatus('rx-full');
      return s?.events?.published === 1 ? s : undefined;
    });
    expect(status.events).toEqual({ published: 1, queued: 0, dropped: 0 });
  }, 120_000);
});

describe('a broker that closes the connection at one event but takes the others', () => {
  it('still gets the events behind it, and that one is given up and counted', async () => {
    const subscriber = rig.subscriber!;
    writeToSerial(
      rig.pair!.receiverEnd,
      '{"device":"p2","home":"h2","type":"pendant","value":true}\n{"device":"m1","type":"motion","value":true}\n',
    );
    const status = await waitFor('the refused event dropped', () => {
      const s = subscriber.lastStatus('rx-full');
      return (s?.events?.dropped ?? 0) > 0 ? s : undefined;
    });
    expect(status?.events).toEqual({ published: 2, queued: 0, dropped: 1 });
    expect(subscriber.on('telecare/h1/devices/m1/events')).toMatchObject([{ type: 'motion', value: true }]);
  }, 120_000);
});
