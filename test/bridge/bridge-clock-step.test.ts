// Story: the Pi's wall clock steps (NTP at boot, no RTC) while a receiver sends; the duplicate window must not care.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FirmwareBridge } from '../../firmware-bridge/bridge.js';
import { FakeClock } from '../../hub/clock.js';
import { silentLogger } from '../../hub/logger.js';
import { motion, pendantPress, wire } from './fixtures.js';
import {
  BRIDGE_TOPICS,
  killProcess,
  startBroker,
  startSerialPair,
  startSubscriber,
  waitFor,
  writeToSerial,
  type SerialPair,
  type Subscriber,
  type TestBroker,
} from './helpers.js';

const HOUR_MS = 3_600_000;

let dir: string | undefined;
let pair: SerialPair | undefined;
let broker: TestBroker | undefined;
let subscriber: Subscriber | undefined;
let bridge: FirmwareBridge | undefined;

afterEach(async () => {
  await bridge?.stop();
  await subscriber?.close();
  await broker?.close();
  await killProcess(pair?.process);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = pair = broker = subscriber = bridge = undefined;
});

it('keeps the duplicate window on the monotonic clock when the wall clock steps either way', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-clock-step-'));
  pair = await startSerialPair(dir);
  broker = await startBroker();
  subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
  const wall = new FakeClock();
  let monotonicMs = 1_000;
  bridge = new FirmwareBridge({
    portPath: pair.hubEnd,
    baudRate: 115_200,
    framing: 'cobs',
    mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
    homeId: 'h1',
    name: 'rx-step',
    statusIntervalMs: 60_000,
    maxQueued: 1_000,
    reopenBackoff: { initialMs: 50, maxMs: 500 },
    mqttReconnectMs: 200,
    clock: wall,
    monotonicNowMs: () => monotonicMs,
    logger: silentLogger,
  });
  bridge.start();
  // As startRig does: write only once the bridge has its port open and says so (a frame written before the port was
  // open could be lost under load, and the test then timed out waiting for the first press).
  await waitFor('bridge online', () => subscriber!.lastStatus('rx-step')?.state === 'online');
  const live = bridge;
  const presses = (): unknown[] => subscriber!.on('telecare/h1/devices/p1/events');
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
  await waitFor('motion after the repeat', () => subscriber!.on('telecare/h1/devices/hall-pir/events').length === 1);
  expect(live.stats.duplicates).toBe(1);
  expect(live.stats.framesOk).toBe(3);
  expect(presses()).toHaveLength(2);
  // Events still carry the wall clock's time: the stepped one.
  expect((presses()[1] as { ts: string }).ts).toBe(new Date(wall.now() - 2 * HOUR_MS).toISOString());
}, 60_000);
