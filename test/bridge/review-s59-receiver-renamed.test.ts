// Story: the receiver is unplugged and plugged back, and comes back under another name (ttyUSB0, then ttyUSB1).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { pendantPress, wire } from './fixtures.js';
import {
  startInProcessBridge,
  startSerialPair,
  stopInProcessRig,
  unplug,
  waitFor,
  writeToSerial,
  type InProcessRig,
} from './helpers.js';

const rig: InProcessRig = { pairs: [] };

afterEach(() => stopInProcessRig(rig));

/** Points the receiver's stable link at `target`, as udev does when the receiver is plugged in. */
function udevLink(byIdDir: string, target: string): void {
  const link = path.join(byIdDir, 'usb-1a86_USB_Serial-if00-port0');
  fs.rmSync(link, { force: true });
  fs.symlinkSync(target, link);
}

it('follows the receiver to its new device name through its /dev/serial/by-id link', async () => {
  const dir = (rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-renamed-')));
  const byIdDir = path.join(dir, 'by-id');
  fs.mkdirSync(byIdDir);
  const first = await startSerialPair(dir, 'one');
  rig.pairs.push(first);
  // The installer gives the kernel's name, as the README's examples do (/dev/ttyUSB0): here the pair's link to its pty,
  // which goes with the unplugging as /dev/ttyUSB0 does. (Not the /dev/pts name itself: the kernel gives that to the
  // next pty made anywhere on the machine, another test file's, which the bridge would then open and read.)
  const firstDevice = fs.realpathSync(first.hubEnd);
  udevLink(byIdDir, firstDevice);
  const live = await startInProcessBridge(rig, first.hubEnd, 'rx-renamed', { stableLinksDir: byIdDir });
  const subscriber = rig.subscriber!;
  const presses = (): unknown[] => subscriber.on('telecare/h1/devices/p1/events');
  writeToSerial(first.receiverEnd, wire(pendantPress('p1', 1)));
  await waitFor('press before the unplugging', () => presses().length === 1);

  // Plugged back, the receiver gets the next free name (the old one was still held open as it went), and udev points
  // its stable link there; the old name is gone.
  const second = await startSerialPair(dir, 'two');
  rig.pairs.push(second);
  const secondDevice = fs.realpathSync(second.hubEnd);
  expect(secondDevice).not.toBe(firstDevice);
  // Unplugged: udev removes the stable link and the kernel's name as the device goes (session 60's `unplug`).
  fs.rmSync(path.join(byIdDir, 'usb-1a86_USB_Serial-if00-port0'));
  await unplug(first);
  await waitFor('port lost', () => live.status().port.state === 'retrying');
  udevLink(byIdDir, secondDevice);

  await waitFor('port open again', () => live.status().port.state === 'open');
  writeToSerial(second.receiverEnd, wire(pendantPress('p1', 2)));
  await waitFor('press after the replugging', () => presses().length === 2);
}, 60_000);
