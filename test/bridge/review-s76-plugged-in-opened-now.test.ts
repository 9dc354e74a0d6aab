// Review, session 76. Story: the receiver is plugged in after the bridge started (an installer setting up the flat,
// systemd starting the bridge at boot before the USB adapter is ready), or plugged back after being knocked out. The
// bridge found it only at its next retry, up to --retry-max-ms (10 s by default) later, and a USB serial adapter that
// nobody holds open drops what its receiver sends: a press in those seconds was lost. Now, while the port is closed,
// the bridge watches the folder where its name appears and opens it as soon as it does.
//
// The retries are set to a minute here, longer than any wait of the story: the port opens only because its name came.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  BRIDGE_TOPICS,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  startSubscriber,
  stopRig,
  unplug,
  waitFor,
  writeToSerial,
  type BridgeRig,
  type SerialPair,
} from './helpers.js';
import { pendantPress, wire } from './fixtures.js';

const rig: BridgeRig = {};
let replugged: SerialPair | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  if (replugged !== undefined) await unplug(replugged);
  replugged = undefined;
  await stopRig(rig);
});

it('opens a receiver as soon as it is plugged in, and again as soon as it is plugged back', async () => {
  rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s76-plugged-'));
  rig.broker = await startBroker();
  rig.subscriber = await startSubscriber(rig.broker.port, BRIDGE_TOPICS);
  const portPath = path.join(rig.dir, 'tty-hub');
  rig.bridge = spawnBridge([
    '--port',
    portPath,
    '--framing',
    'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${rig.broker.port}`,
    '--name',
    'rx-hall',
    '--retry-min-ms',
    '60000',
    '--retry-max-ms',
    '60000',
    '--status-interval-ms',
    '60000',
  ]);
  const status = (): { state: string; port: { state: string } } | undefined => rig.subscriber!.lastStatus('rx-hall');
  await waitFor('offline while the receiver is not there', () => status()?.port.state === 'retrying');

  // Plugged in. Before: opened at the next retry, a minute on.
  rig.pair = await startSerialPair(rig.dir, 'tty');
  await waitFor('online as soon as it is plugged in', () => status()?.state === 'online');
  writeToSerial(rig.pair.receiverEnd, wire(pendantPress('p1', 1)));
  await waitFor('the press', () => rig.subscriber!.on('telecare/h1/devices/p1/events').length === 1);

  // Unplugged, then plugged back under the same name.
  const before = rig.subscriber.on('telecare/bridge/rx-hall/status').length;
  await unplug(rig.pair);
  await waitFor('offline once unplugged', () =>
    rig
      .subscriber!.on('telecare/bridge/rx-hall/status')
      .slice(before)
      .some((s) => (s as { state: string }).state === 'offline'),
  );
  replugged = await startSerialPair(rig.dir, 'tty');
  await waitFor('online as soon as it is plugged back', () => status()?.state === 'online');
  writeToSerial(replugged.receiverEnd, wire(pendantPress('p1', 1)));
  await waitFor('the press after the replug', () => rig.subscriber!.on('telecare/h1/devices/p1/events').length === 2);
  expect(rig.bridge.child.exitCode).toBeNull();
}, 90_000);

it('opens it as soon as its link appears in a folder made with it, as udev makes /dev/serial/by-id', async () => {
  rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s76-by-id-'));
  rig.broker = await startBroker();
  rig.subscriber = await startSubscriber(rig.broker.port, BRIDGE_TOPICS);
  const byId = path.join(rig.dir, 'serial', 'by-id');
  const link = path.join(byId, 'usb-Telecare_RX_0001-if00-port0');
  rig.bridge = spawnBridge([
    '--port',
    link,
    '--framing',
    'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${rig.broker.port}`,
    '--name',
    'rx-hall',
    '--retry-min-ms',
    '60000',
    '--retry-max-ms',
    '60000',
    '--status-interval-ms',
    '60000',
  ]);
  await waitFor(
    'offline while the receiver is not there',
    () => rig.subscriber!.lastStatus('rx-hall')?.port.state === 'retrying',
  );
  rig.pair = await startSerialPair(rig.dir, 'tty');
  // udev: the folders first, then the link in them, a moment apart.
  fs.mkdirSync(path.join(rig.dir, 'serial'));
  await new Promise((resolve) => setTimeout(resolve, 50));
  fs.mkdirSync(byId);
  await new Promise((resolve) => setTimeout(resolve, 50));
  fs.symlinkSync(rig.pair.hubEnd, link);
  await waitFor('online as soon as the link is there', () => rig.subscriber!.lastStatus('rx-hall')?.state === 'online');
  writeToSerial(rig.pair.receiverEnd, wire(pendantPress('p1', 1)));
  await waitFor('the press', () => rig.subscriber!.on('telecare/h1/devices/p1/events').length === 1);
}, 90_000);
