// Review, session 65 (a new installer, from a fresh clone). Story: a Mosquitto already holds 1883 on the Pi, so the
// installer starts the hub with HUB_MQTT_PORT=1884, as its start-up message says. `telecare bridge` and `telecare
// simulate` went on publishing to 127.0.0.1:1883 unless given --mqtt: to the other broker, each saying it was
// connected, and the hub heard nothing. They now publish to the hub's port, HUB_MQTT_PORT, when it is set.
// The real hub process on a moved port, the real bridge CLI on a socat pair, the real simulator CLI.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cliPath, freePort, killHub, spawnHub, tempDir, type HubProcess } from '../hub/helpers.js';
import {
  killProcess,
  spawnBridge,
  startSerialPair,
  startSubscriber,
  waitFor,
  writeToSerial,
  type BridgeProcess,
  type SerialPair,
  type Subscriber,
} from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;
let pair: SerialPair | undefined;
let bridge: BridgeProcess | undefined;
let subscriber: Subscriber | undefined;
const savedPort = process.env.HUB_MQTT_PORT;

beforeEach(() => {
  dir = tempDir('review-s65-hub-broker-port');
});

afterEach(async () => {
  if (savedPort === undefined) delete process.env.HUB_MQTT_PORT;
  else process.env.HUB_MQTT_PORT = savedPort;
  await killProcess(bridge?.child);
  await subscriber?.close();
  await killHub(hub);
  await killProcess(pair?.process);
  bridge = subscriber = hub = pair = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The hub on a port of its own, HUB_MQTT_PORT, as an installer moves it off a port Mosquitto holds. */
async function hubOnMovedPort(): Promise<number> {
  const port = await freePort();
  hub = await spawnHub({ HUB_MQTT_PORT: String(port), HUB_DATA_DIR: path.join(dir, 'data') });
  subscriber = await startSubscriber(port, ['telecare/+/devices/+/events']);
  return port;
}

it('the bridge, given no --mqtt, publishes to the hub on HUB_MQTT_PORT', async () => {
  const port = await hubOnMovedPort();
  pair = await startSerialPair(dir);
  process.env.HUB_MQTT_PORT = String(port);
  bridge = spawnBridge(['--port', pair.hubEnd, '--home', 'h1', '--name', 'rx-hall']);
  await waitFor('the bridge connected', () => bridge!.logs.some((l) => l.msg === 'connected to MQTT broker'));
  writeToSerial(pair.receiverEnd, '{"device":"hall-pir","type":"motion","value":true}\n');
  const heard = await waitFor('the motion at the hub', () =>
    subscriber!.messages.find((m) => m.topic === 'telecare/h1/devices/hall-pir/events'),
  );
  expect(JSON.parse(heard.payload)).toMatchObject({ type: 'motion', value: true });
  const starting = bridge.logs.find((l) => l.msg === 'bridge starting') as { mqtt?: string } | undefined;
  expect(starting?.mqtt).toBe(`mqtt://127.0.0.1:${port}`);
});

it('the simulator, given no --mqtt, publishes to the hub on HUB_MQTT_PORT', async () => {
  const port = await hubOnMovedPort();
  const simulate = spawn(process.execPath, [cliPath, 'simulate', '--rate', '20', '--duration', '2', '--summary-json'], {
    env: { ...process.env, HUB_MQTT_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  simulate.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => simulate.once('close', resolve));
  expect(code).toBe(0);
  const summary = JSON.parse(out.trim().split('\n').at(-1)!) as { acknowledged?: number };
  expect(summary.acknowledged).toBeGreaterThan(0);
  await waitFor('the simulated events at the hub', () => subscriber!.messages.length > 0);
});
