// Review, session 60: the bridge's status kept the error of a port that was missing after the port opened: an installer
// reading `"state": "open", "lastError": "… No such file or directory"` looked for a fault that was over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  BRIDGE_TOPICS,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  startSubscriber,
  stopRig,
  waitFor,
  type BridgeRig,
} from './helpers.js';

const rig: BridgeRig = {};

beforeAll(requireBuiltCli);

afterEach(() => stopRig(rig));

it('says the port has no error once it is open, after naming the error while it was missing', async () => {
  rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s60-port-error-'));
  rig.broker = await startBroker();
  rig.subscriber = await startSubscriber(rig.broker.port, BRIDGE_TOPICS);
  rig.bridge = spawnBridge([
    '--port',
    path.join(rig.dir, 'tty-hub'),
    '--framing',
    'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${rig.broker.port}`,
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
  const statuses = () => rig.subscriber!.on('telecare/bridge/rx-hall/status') as PortView[];
  const missing = await waitFor('offline while the port is missing', () =>
    statuses().find((s) => s.port.state === 'retrying'),
  );
  expect(missing.port.lastError).toMatch(/no such file/i);

  rig.pair = await startSerialPair(rig.dir, 'tty');
  const open = await waitFor('online once the port appears', () => statuses().find((s) => s.state === 'online'));
  expect(open.port).toEqual(expect.objectContaining({ state: 'open', lastError: null }));
});
