// Review, session 66: an ndjson receiver whose stamp the bridge cannot read (a clock not set writing garbage, a firmware
// writing the wrong format) had every line dropped (`ts` in `badFrames`), a pendant press too: the resident pressed and
// nothing was raised. Now an emergency going on (pendant, fall, smoke, CO, gas, water alarm on) with such a stamp is
// stamped when the bridge reads it, counted as a clock not set (`clockNotSet` in its status) and logged, as a stamp
// before 2026 is (session 63); any other line with such a stamp is still dropped and counted. The real hub in-process
// with its embedded broker, the real bridge CLI on a socat pair.
import fs from 'node:fs';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';
import {
  BRIDGE_TOPICS,
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startSerialPair,
  startSubscriber,
  waitFor,
  writeToSerial,
  type BridgeProcess,
  type SerialPair,
  type Subscriber,
} from './helpers.js';

let dir: string | undefined;
let hub: RunningHub | undefined;
let pair: SerialPair | undefined;
let subscriber: Subscriber | undefined;
let bridge: BridgeProcess | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  await killProcess(bridge?.child);
  await subscriber?.close();
  await hub?.stop();
  await killProcess(pair?.process);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = hub = pair = subscriber = bridge = undefined;
});

it('sends a pendant press whose stamp it cannot read, stamped when read; drops motion so stamped', async () => {
  dir = tempDir('bridge-s66-unreadable-stamp');
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
  pair = await startSerialPair(dir, 'tty');
  subscriber = await startSubscriber(hub.ports.mqtt!, BRIDGE_TOPICS);
  const args = ['--port', pair.hubEnd, '--framing', 'ndjson', '--home', 'h1'];
  args.push('--mqtt', `mqtt://127.0.0.1:${hub.ports.mqtt!}`, '--name', 'rx-hall', '--status-interval-ms', '200');
  bridge = spawnBridge(args);
  await waitFor('bridge online', () => subscriber!.lastStatus('rx-hall')?.state === 'online');

  const garbled = '2026-13-45T99:99:99';
  writeToSerial(
    pair.receiverEnd,
    `${JSON.stringify({ device: 'hall-pir', type: 'motion', value: true, ts: garbled })}\n`,
  );
  writeToSerial(pair.receiverEnd, `${JSON.stringify({ device: 'p1', type: 'pendant', value: true, ts: garbled })}\n`);
  // Before: dropped as the motion is, and no alert.
  await waitFor('the pendant alert', () => hub!.alerts.list({ homeId: 'h1' }).some((a) => a.kind === 'pendant'));
  const status = await waitFor('both lines counted', () => {
    const s = subscriber!.lastStatus('rx-hall') as unknown as
      { clockNotSet?: number; badFrames?: Record<string, number> } | undefined;
    return s?.clockNotSet === 1 && s.badFrames?.ts === 1 ? s : undefined;
  });
  expect(status.badFrames).toEqual({ ts: 1 });
  expect(subscriber.messages.filter((m) => m.topic.endsWith('/events')).map((m) => m.topic)).toEqual([
    'telecare/h1/devices/p1/events',
  ]);
  expect(hub.store.eventsAfter(0).map((e) => [e.deviceId, e.type])).toEqual([['p1', 'pendant']]);
  expect(bridge.logs).toContainEqual(expect.objectContaining({ device: 'h1/p1', ts: JSON.stringify(garbled) }));
}, 60_000);
