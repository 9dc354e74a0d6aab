// Review, session 76. Story: the hub is up and the bridge connected; the bridge's disk is slow to flush (an SD card
// busy with the hub's own writes: a flush takes seconds there), and the resident presses the pendant. Since session 62
// the bridge keeps a press on disk as soon as it sends it, "sent first, kept on disk after: a flush must not hold a
// press back". It did hold it back: the MQTT library corks the socket for each packet and uncorks it on the next turn of
// the event loop, and the flush ran before that turn, so the press sat in the bridge's memory for the whole flush.
// Now the outbox hands what it published to the socket before anything else runs: the press reaches the broker while
// the flush is still going on.
//
// The slow disk: a module preloaded into the real bridge process (NODE_OPTIONS --import) holds each flush, once armed,
// until the test releases it; the broker and the subscriber run in the test's own process, free to receive meanwhile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { readSpool } from '../../firmware-bridge/event-spool.js';
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
import { pendantPress, wire } from './fixtures.js';

const rig: BridgeRig = {};
let release: string | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  // Never leave the bridge stuck in a flush (stopRig kills it anyway).
  if (release !== undefined && fs.existsSync(path.dirname(release))) fs.writeFileSync(release, '');
  release = undefined;
  await stopRig(rig);
});

/** fs.fsyncSync held, once `armed` exists, until `release` does (at most 60 s), noting `stalled` while it waits. */
const SLOW_DISK = `
import fs from 'node:fs';
const { SLOW_DISK_ARMED: armed, SLOW_DISK_STALLED: stalled, SLOW_DISK_RELEASE: release } = process.env;
const fsync = fs.fsyncSync;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
fs.fsyncSync = function (fd) {
  if (fs.existsSync(armed)) {
    fs.writeFileSync(stalled, '');
    const until = Date.now() + 60_000;
    while (!fs.existsSync(release) && Date.now() < until) Atomics.wait(sleeper, 0, 0, 20);
  }
  return fsync.call(this, fd);
};
`;

it('sends a press to the broker while the disk is still flushing the copy it keeps of it', async () => {
  rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s76-flush-'));
  const preload = path.join(rig.dir, 'slow-disk.mjs');
  fs.writeFileSync(preload, SLOW_DISK);
  const armed = path.join(rig.dir, 'armed');
  const stalled = path.join(rig.dir, 'stalled');
  release = path.join(rig.dir, 'release');
  rig.pair = await startSerialPair(rig.dir, 'tty');
  rig.broker = await startBroker();
  rig.subscriber = await startSubscriber(rig.broker.port, BRIDGE_TOPICS);
  const spool = path.join(rig.dir, 'rx.spool');
  rig.bridge = spawnBridge(
    [
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
      '--status-interval-ms',
      '60000',
      '--spool',
      spool,
    ],
    {
      env: {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(preload).href}`.trim(),
        SLOW_DISK_ARMED: armed,
        SLOW_DISK_STALLED: stalled,
        SLOW_DISK_RELEASE: release,
      },
    },
  );
  await waitFor('bridge online', () => rig.subscriber!.lastStatus('rx-hall')?.state === 'online');

  fs.writeFileSync(armed, '');
  writeToSerial(rig.pair.receiverEnd, wire(pendantPress('p1', 1)));
  await waitFor('the bridge flushing its copy of the press', () => fs.existsSync(stalled));
  // Before: the press left the bridge only once the flush was over; here the flush never ends until the press is in.
  const press = await waitFor('the press at the broker during the flush', () =>
    rig.subscriber!.on('telecare/h1/devices/p1/events').at(0),
  );
  expect(press).toMatchObject({ type: 'pendant', value: true });

  // The flush over, the kept copy goes once the broker has acknowledged the press, and nothing else arrives.
  fs.rmSync(armed);
  fs.writeFileSync(release, '');
  await waitFor('the spool removed once the press is delivered', () => !fs.existsSync(spool));
  expect(readSpool(spool).events).toEqual([]);
  expect(rig.subscriber.on('telecare/h1/devices/p1/events')).toHaveLength(1);
}, 60_000);
