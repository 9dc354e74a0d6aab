// Review, session 73: an installer who moved the hub's broker off 1883 (HUB_MQTT_PORT) and started `telecare bridge`
// in another terminal, where the variable was not set, got one line, `MQTT client error` with `connect ECONNREFUSED
// 127.0.0.1:1883`, then silence while the receiver's events waited. The first warning now says that no broker answers
// there, that the events are kept, and how to point the bridge at the hub; done as it says, the kept press arrives.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  freePort,
  killHub,
  mqttClient,
  ONE_HOME_CONFIG,
  spawnHub,
  writeConfig,
  type HubProcess,
} from '../hub/helpers.js';
import {
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startSerialPair,
  unplug,
  waitFor,
  writeToSerial,
  type BridgeProcess,
  type SerialPair,
} from './helpers.js';

let dir: string | undefined;
let hub: HubProcess | undefined;
let pair: SerialPair | undefined;
let bridge: BridgeProcess | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  await killProcess(bridge?.child);
  if (pair) await unplug(pair);
  await killHub(hub);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  [dir, hub, pair, bridge] = [undefined, undefined, undefined, undefined];
});

it('a bridge pointed where no broker listens says what to do, and keeps the press for the hub it is then pointed at', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s73-refused-'));
  hub = await spawnHub({ HUB_CONFIG: writeConfig(dir, ONE_HOME_CONFIG), HUB_DATA_DIR: path.join(dir, 'data') });
  pair = await startSerialPair(dir);
  const nobody = await freePort();
  const args = ['--port', pair.hubEnd, '--home', 'h1', '--name', 'rx-hall', '--spool', path.join(dir, 'rx.spool')];
  bridge = spawnBridge([...args, '--mqtt', `mqtt://127.0.0.1:${nobody}`], { cwd: dir });
  await waitFor('the port open', () => bridge!.logs.some((line) => line.msg === 'serial port open'));

  const warning = await waitFor('the warning', () =>
    bridge!.logs.find((line) => line.level === 40 && line.msg?.startsWith('no MQTT broker answers')),
  );
  expect(warning.msg).toContain(`no MQTT broker answers at 127.0.0.1:${nobody} (connection refused)`);
  expect(warning.msg).toContain("the bridge keeps the receiver's events");
  expect(warning.msg).toContain('HUB_MQTT_PORT');
  expect(bridge.logs.filter((line) => line.level === 40)).toHaveLength(1);

  writeToSerial(pair.receiverEnd, '{"device":"p1","type":"pendant","value":true}\n');
  await waitFor('the press kept', () => fs.existsSync(path.join(dir!, 'rx.spool')) || undefined);
  const stopped = new Promise((resolve) => bridge!.child.once('exit', resolve));
  bridge.child.kill('SIGTERM');
  await stopped;

  // Pointed at the hub's port, as the warning says: the press kept over the stop raises the hub's pendant alert.
  const responder = await mqttClient(hub.mqttPort);
  try {
    const alerts: { kind: string }[] = [];
    responder.on('message', (_topic, payload) => {
      if (payload.length > 0) alerts.push(JSON.parse(payload.toString()) as { kind: string });
    });
    await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    bridge = spawnBridge([...args, '--mqtt', `mqtt://127.0.0.1:${hub.mqttPort}`], { cwd: dir });
    const alert = await waitFor('the pendant alert', () => alerts.find((a) => a.kind === 'pendant'));
    expect(alert.kind).toBe('pendant');
  } finally {
    await responder.endAsync();
  }
}, 90_000);
