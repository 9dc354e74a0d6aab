// Review, session 66: an ndjson receiver whose stamp the bridge cannot read (a clock not set writing garbage, a firmware
// writing the wrong format) had every line dropped (`ts` in `badFrames`), a pendant press too: the resident pressed and
// nothing was raised. Now an emergency going on (pendant, fall, smoke, CO, gas, water alarm on) with such a stamp is
// stamped when the bridge reads it, counted as a clock not set (`clockNotSet` in its status) and logged, as a stamp
// before 2026 is (session 63); any other line with such a stamp is still dropped and counted. The real hub in-process
// with its embedded broker, the real bridge CLI on a socat pair.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';
import {
  BRIDGE_TOPICS,
  bridgeArgs,
  requireBuiltCli,
  spawnBridgeOnline,
  startSerialPair,
  startSubscriber,
  stopHubRig,
  waitFor,
  writeToSerial,
  type HubRig,
} from './helpers.js';

const rig: HubRig = {};

beforeAll(requireBuiltCli);

afterEach(() => stopHubRig(rig));

it('sends a pendant press whose stamp it cannot read, stamped when read; drops motion so stamped', async () => {
  const dir = (rig.dir = tempDir('bridge-s66-unreadable-stamp'));
  const hub = (rig.hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir));
  const pair = (rig.pair = await startSerialPair(dir, 'tty'));
  const subscriber = (rig.subscriber = await startSubscriber(hub.ports.mqtt!, BRIDGE_TOPICS));
  const args = bridgeArgs({
    port: pair.hubEnd,
    mqttPort: hub.ports.mqtt!,
    name: 'rx-hall',
    framing: 'ndjson',
    statusIntervalMs: 200,
  });
  const bridge = await spawnBridgeOnline(rig, args, 'rx-hall');

  const garbled = '2026-13-45T99:99:99';
  writeToSerial(
    pair.receiverEnd,
    `${JSON.stringify({ device: 'hall-pir', type: 'motion', value: true, ts: garbled })}\n`,
  );
  writeToSerial(pair.receiverEnd, `${JSON.stringify({ device: 'p1', type: 'pendant', value: true, ts: garbled })}\n`);
  // Before: dropped as the motion is, and no alert.
  await waitFor('the pendant alert', () => hub.alerts.list({ homeId: 'h1' }).some((a) => a.kind === 'pendant'));
  const status = await waitFor('both lines counted', () => {
    const s = subscriber.lastStatus('rx-hall') as unknown as
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
