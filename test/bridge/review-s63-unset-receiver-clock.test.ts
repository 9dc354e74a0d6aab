// Review, session 63. Story: an ndjson receiver whose clock was never set (no battery-backed clock, no time from the
// Pi) stamps the resident's pendant press 1970. The hub keeps such an event at its own receive time. The bridge
// passed the stamp on as it was, so each time it sent the press it was another press to the hub: the spool's copy sent
// again at the next start (a power cut just after the hub took it: the spool's removal not yet on disk; a bridge killed
// before the acknowledgement) came as the resident pressing again, "pressed again" told to the responder on their way,
// or, the first alert resolved, a new call-out. Now the bridge stamps such an event when it reads it, as one with no
// stamp, counts it (`clockNotSet` in its status) and says so in its log: a copy sent again is the same press.
// The real hub on a fake clock with its embedded broker, the real bridge CLI on a socat pair.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { appendLines, eventLine } from '../../firmware-bridge/event-spool.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';
import {
  BRIDGE_TOPICS,
  bridgeArgs,
  killProcess,
  requireBuiltCli,
  spawnBridge,
  spawnBridgeOnline,
  startSerialPair,
  startSubscriber,
  stopHubRig,
  waitFor,
  writeToSerial,
  type HubRig,
} from './helpers.js';

const START_GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;
const PRESS_TOPIC = 'telecare/h1/devices/p1/events';

const rig: HubRig = {};

beforeAll(requireBuiltCli);

afterEach(() => stopHubRig(rig));

it('sends a press stamped 1970 by a receiver with its clock unset so that a copy sent again is not a second press', async () => {
  const dir = (rig.dir = tempDir('bridge-s63-unset-clock'));
  // The hub's clock is the machine's (the bridge stamps on the machine's), past its start's grace.
  const clock = new FakeClock(Date.now());
  const hub = (rig.hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock }));
  clock.advanceBy(START_GRACE_MS);
  const pendantAlerts = () => hub.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'pendant');

  const pair = (rig.pair = await startSerialPair(dir, 'tty'));
  const subscriber = (rig.subscriber = await startSubscriber(hub.ports.mqtt!, BRIDGE_TOPICS));
  const spool = path.join(dir, 'rx.spool');
  const args = bridgeArgs({
    port: pair.hubEnd,
    mqttPort: hub.ports.mqtt!,
    name: 'rx-hall',
    framing: 'ndjson',
    extra: ['--mqtt-reconnect-ms', '200', '--spool', spool],
  });
  const bridge = await spawnBridgeOnline(rig, args, 'rx-hall');

  writeToSerial(
    pair.receiverEnd,
    `${JSON.stringify({ device: 'p1', type: 'pendant', value: true, ts: '1970-01-01T00:00:07.000Z' })}\n`,
  );
  const [sent] = await waitFor('the press on the broker', () => {
    const seen = subscriber.messages.filter((m) => m.topic === PRESS_TOPIC);
    return seen.length === 1 ? seen : undefined;
  });
  await waitFor('the press delivered, its spool removed', () => !fs.existsSync(spool));
  await hub.alerts.settled();
  expect(pendantAlerts()).toEqual([expect.objectContaining({ state: 'raised', count: 1 })]);
  // Told: counted in the bridge's status, and said in its log.
  await waitFor('the stamp replaced, counted', () => {
    const s = subscriber.lastStatus('rx-hall') as unknown as { clockNotSet?: number } | undefined;
    return s?.clockNotSet === 1;
  });
  expect(bridge.logs).toContainEqual(expect.objectContaining({ device: 'h1/p1', ts: '1970-01-01T00:00:07.000Z' }));

  // The power goes just after: the spool's removal was not on the card yet, its press line is (it was flushed).
  await killProcess(bridge.child);
  appendLines(spool, eventLine({ topic: sent!.topic, payload: sent!.payload, urgent: true }), true);
  clock.advanceBy(60_000);
  rig.bridge = spawnBridge(args);
  await waitFor(
    'the kept copy sent again',
    () => subscriber.messages.filter((m) => m.topic === PRESS_TOPIC).length === 2,
  );
  await waitFor('the copy delivered, its spool removed', () => !fs.existsSync(spool));
  await hub.alerts.settled();

  // Before: count 2, the responder told the resident pressed again, for the one press.
  expect(pendantAlerts()).toEqual([expect.objectContaining({ state: 'raised', count: 1 })]);
}, 90_000);
