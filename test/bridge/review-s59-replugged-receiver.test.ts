// Story: the receiver is unplugged and plugged back; it restarted, and so did the sequence numbers it gives each sensor.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { motion, pendantPress, wire } from './fixtures.js';
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

it('delivers the restarted receiver’s first frames however their numbers compare with those before, and counts no loss', async () => {
  const dir = (rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-replugged-')));
  const first = await startSerialPair(dir);
  rig.pairs.push(first);
  // The monotonic clock stands still: what is tested is what the numbers say, not how fast the test runs (a replug
  // on a loaded machine could otherwise take the 10 s duplicate window, and a real installer's can be that quick).
  const monotonicMs = 1_000;
  const live = await startInProcessBridge(rig, first.hubEnd, 'rx-replug', { monotonicNowMs: () => monotonicMs });
  const subscriber = rig.subscriber!;
  const presses = (): unknown[] => subscriber.on('telecare/h1/devices/p1/events');
  const hall = (): unknown[] => subscriber.on('telecare/h1/devices/hall-pir/events');

  // The pendant's first press since the receiver started (number 1), and a hall sensor busy for weeks (40,000).
  writeToSerial(first.receiverEnd, wire(pendantPress('p1', 1), motion('hall-pir', 40_000)));
  await waitFor('frames before the unplugging', () => presses().length === 1 && hall().length === 1);

  // Unplugged and plugged back: the receiver was powered off, and numbers each sensor from 1 again.
  await unplug(first);
  await waitFor('port lost', () => live.status().port.state === 'retrying');
  const second = await startSerialPair(dir);
  rig.pairs.push(second);
  await waitFor('port open again', () => live.status().port.state === 'open');
  writeToSerial(second.receiverEnd, wire(pendantPress('p1', 1), motion('hall-pir', 1)));
  await waitFor('both frames after the replugging handled', () => live.stats.framesOk + live.stats.duplicates >= 4);

  // The pendant pressed again is a press, not a radio retransmit of the one before the unplugging.
  expect(live.stats.duplicates).toBe(0);
  await waitFor('second press', () => presses().length === 2);
  await waitFor('motion after the replugging', () => hall().length === 2);
  // And the hall sensor's number going from 40,000 to 1 lost no frames: the installer's status shows no radio loss.
  expect(live.stats.gaps).toBe(0);
}, 60_000);
