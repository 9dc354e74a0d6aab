// Story: the receiver resets on its own (a brown-out, its reset button) while its USB serial adapter, and so the port,
// stays: it says so with its start's heartbeat, and numbers each sensor from 1 again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Frame } from '../../firmware-bridge/frame-codec.js';
import { motion, pendantPress, wire } from './fixtures.js';
import {
  startInProcessBridge,
  startSerialPair,
  stopInProcessRig,
  waitFor,
  writeToSerial,
  type InProcessRig,
} from './helpers.js';

const rig: InProcessRig = { pairs: [] };

afterEach(() => stopInProcessRig(rig));

function receiverHeartbeat(seq: number): Frame {
  return { frameType: 'receiver-heartbeat', seq };
}

it('takes a receiver heartbeat numbered back as a restart of the receiver, and its sensors’ numbers as new', async () => {
  const dir = (rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-receiver-reset-')));
  const pair = await startSerialPair(dir);
  rig.pairs.push(pair);
  // The monotonic clock stands still: the numbers are tested, not how fast the test runs.
  const monotonicMs = 1_000;
  const live = await startInProcessBridge(rig, pair.hubEnd, 'rx-reset', { monotonicNowMs: () => monotonicMs });
  const subscriber = rig.subscriber!;
  const presses = (): unknown[] => subscriber.on('telecare/h1/devices/p1/events');
  const hall = (): unknown[] => subscriber.on('telecare/h1/devices/hall-pir/events');

  // A receiver up for weeks: its 700th heartbeat, a hall sensor at 40,000, the pendant's first press (number 1).
  writeToSerial(pair.receiverEnd, wire(receiverHeartbeat(700), motion('hall-pir', 40_000), pendantPress('p1', 1)));
  await waitFor('frames before the reset', () => presses().length === 1 && hall().length === 1);

  // It resets: a lone 0x00 ends any half frame, its start's heartbeat (number 0), then its sensors from 1 again.
  writeToSerial(
    pair.receiverEnd,
    Buffer.concat([Buffer.from([0]), wire(receiverHeartbeat(0), pendantPress('p1', 1), motion('hall-pir', 1))]),
  );
  await waitFor('frames after the reset handled', () => live.stats.framesOk + live.stats.duplicates >= 6);

  expect(live.stats.sequenceRestarts).toBe(1); // the receiver's own
  expect.soft(live.stats.duplicates).toBe(0); // the pendant pressed again is a press, not a retransmit
  expect.soft(live.stats.gaps).toBe(0); // 40,000 → 1 lost nothing
  await waitFor('second press', () => presses().length === 2);
  await waitFor('motion after the reset', () => hall().length === 2);
}, 60_000);
