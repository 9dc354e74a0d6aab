// Story: the receiver is unplugged and plugged back; it restarted, and so did the sequence numbers it gives each sensor.
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
  unplug,
  waitFor,
  writeToSerial,
  type SerialPair,
  type Subscriber,
  type TestBroker,
} from './helpers.js';

let dir: string | undefined;
let pairs: SerialPair[] = [];
let broker: TestBroker | undefined;
let subscriber: Subscriber | undefined;
let bridge: FirmwareBridge | undefined;

afterEach(async () => {
  await bridge?.stop();
  await subscriber?.close();
  await broker?.close();
  for (const pair of pairs) await killProcess(pair.process);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  pairs = [];
  dir = broker = subscriber = bridge = undefined;
});

it('delivers the restarted receiver’s first frames however their numbers compare with those before, and counts no loss', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-replugged-'));
  const first = await startSerialPair(dir);
  pairs.push(first);
  broker = await startBroker();
  subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
  // The monotonic clock stands still: what is tested is what the numbers say, not how fast the test runs (a replug
  // on a loaded machine could otherwise take the 10 s duplicate window, and a real installer's can be that quick).
  const monotonicMs = 1_000;
  bridge = new FirmwareBridge({
    portPath: first.hubEnd,
    baudRate: 115_200,
    framing: 'cobs',
    mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
    homeId: 'h1',
    name: 'rx-replug',
    statusIntervalMs: 60_000,
    maxQueued: 1_000,
    reopenBackoff: { initialMs: 50, maxMs: 200 },
    mqttReconnectMs: 200,
    clock: new FakeClock(),
    monotonicNowMs: () => monotonicMs,
    logger: silentLogger,
  });
  bridge.start();
  const live = bridge;
  await waitFor('bridge online', () => subscriber!.lastStatus('rx-replug')?.state === 'online');
  const presses = (): unknown[] => subscriber!.on('telecare/h1/devices/p1/events');
  const hall = (): unknown[] => subscriber!.on('telecare/h1/devices/hall-pir/events');

  // The pendant's first press since the receiver started (number 1), and a hall sensor busy for weeks (40,000).
  writeToSerial(first.receiverEnd, wire(pendantPress('p1', 1), motion('hall-pir', 40_000)));
  await waitFor('frames before the unplugging', () => presses().length === 1 && hall().length === 1);

  // Unplugged and plugged back: the receiver was powered off, and numbers each sensor from 1 again.
  await unplug(first);
  await waitFor('port lost', () => live.status().port.state === 'retrying');
  const second = await startSerialPair(dir);
  pairs.push(second);
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
