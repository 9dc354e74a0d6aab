// Review, session 60: the bridge's status kept the error of a port that was missing after the port opened: an installer
// reading `"state": "open", "lastError": "… No such file or directory"` looked for a fault that was over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  BRIDGE_TOPICS,
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  startSubscriber,
  waitFor,
  type BridgeProcess,
  type SerialPair,
  type Subscriber,
  type TestBroker,
} from './helpers.js';

let dir: string | undefined;
let pair: SerialPair | undefined;
let broker: TestBroker | undefined;
let subscriber: Subscriber | undefined;
let bridge: BridgeProcess | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  await killProcess(bridge?.child);
  await subscriber?.close();
  await broker?.close();
  await killProcess(pair?.process);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = pair = broker = subscriber = bridge = undefined;
});

it('says the port has no error once it is open, after naming the error while it was missing', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s60-port-error-'));
  broker = await startBroker();
  subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
  bridge = spawnBridge([
    '--port',
    path.join(dir, 'tty-hub'),
    '--framing',
    'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${broker.port}`,
    '--name',
    'rx-hall',
    '--retry-min-ms',
    '100',
    '--retry-max-ms',
    '400',
    '--status-interval-ms',
    '60000',
  ]);
  type PortView = { state: string; port: { state: string; lastError: string | null } };
  const statuses = () => subscriber!.on('telecare/bridge/rx-hall/status') as PortView[];
  const missing = await waitFor('offline while the port is missing', () =>
    statuses().find((s) => s.port.state === 'retrying'),
  );
  expect(missing.port.lastError).toMatch(/no such file/i);

  pair = await startSerialPair(dir, 'tty');
  const open = await waitFor('online once the port appears', () => statuses().find((s) => s.state === 'online'));
  expect(open.port).toEqual(expect.objectContaining({ state: 'open', lastError: null }));
});
