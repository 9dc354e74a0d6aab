// Story: the Pi's wall clock steps (NTP at boot, no RTC) while a receiver sends; the duplicate window must not care.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { motion, pendantPress, wire } from './fixtures.js';
import {
  startInProcessBridge,
  startSerialPair,
  stopInProcessRig,
  waitFor,
  writeToSerial,
  type InProcessRig,
} from './helpers.js';

const HOUR_MS = 3_600_000;

const rig: InProcessRig = { pairs: [] };

afterEach(() => stopInProcessRig(rig));

it('keeps the duplicate window on the monotonic clock when the wall clock steps either way', async () => {
  const dir = (rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-clock-step-')));
  const pair = await startSerialPair(dir);
  rig.pairs.push(pair);
  const wall = new FakeClock();
  let monotonicMs = 1_000;
  const live = await startInProcessBridge(rig, pair.hubEnd, 'rx-step', {
    reopenBackoff: { initialMs: 50, maxMs: 500 },
    clock: wall,
    monotonicNowMs: () => monotonicMs,
  });
  const subscriber = rig.subscriber!;
  const presses = (): unknown[] => subscriber.on('telecare/h1/devices/p1/events');
  const handled = (n: number): boolean => live.stats.framesOk + live.stats.duplicates >= n;

  writeToSerial(pair.receiverEnd, wire(pendantPress('p1', 0)));
  await waitFor('first press', () => presses().length === 1);

  // A minute later the pendant, rebooted, presses again with sequence number 0; meanwhile NTP set the wall clock
  // back an hour. On the wall clock the repeat looks 59 minutes *before* the first: a retransmit, wrongly.
  monotonicMs += 60_000;
  wall.stepWall(-HOUR_MS);
  writeToSerial(pair.receiverEnd, wire(pendantPress('p1', 0)));
  await waitFor('second frame handled', () => handled(2));
  expect(live.stats.duplicates).toBe(0);
  await waitFor('second press', () => presses().length === 2);

  // 50 ms later the radio repeats that frame, and NTP has just stepped the wall clock two hours forward: still a
  // retransmit, to be dropped, though on the wall clock it looks two hours later.
  monotonicMs += 50;
  wall.stepWall(2 * HOUR_MS);
  writeToSerial(pair.receiverEnd, wire(pendantPress('p1', 0), motion('hall-pir', 1)));
  await waitFor('motion after the repeat', () => subscriber.on('telecare/h1/devices/hall-pir/events').length === 1);
  expect(live.stats.duplicates).toBe(1);
  expect(live.stats.framesOk).toBe(3);
  expect(presses()).toHaveLength(2);
  // Events still carry the wall clock's time: the stepped one.
  expect((presses()[1] as { ts: string }).ts).toBe(new Date(wall.now() - 2 * HOUR_MS).toISOString());
}, 60_000);
