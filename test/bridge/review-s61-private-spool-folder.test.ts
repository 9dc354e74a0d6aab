// Story: a fresh install; the bridge starts before the hub's broker is up (or the broker is away), so the first event
// it reads is kept in its spool, in the data folder it makes (./data). That folder holds a resident's events: it must be
// as private as the hub makes its own (0700), not open to every user of the machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  waitFor,
  writeToSerial,
  type BridgeProcess,
  type SerialPair,
} from './helpers.js';
import { pendantPress, wire } from './fixtures.js';

let dir: string | undefined;
let pair: SerialPair | undefined;
let bridge: BridgeProcess | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  await killProcess(bridge?.child);
  await killProcess(pair?.process);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = pair = bridge = undefined;
});

it('makes the folder of its spool private to its own user (0700), as the hub makes its data folder', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s61-folder-'));
  pair = await startSerialPair(dir, 'tty');
  // A port nothing listens on: the broker is not up yet.
  const gone = await startBroker();
  const port = gone.port;
  await gone.close();
  const data = path.join(dir, 'data');
  bridge = spawnBridge(
    [
      '--port',
      pair.hubEnd,
      '--framing',
      'cobs',
      '--home',
      'h1',
      '--mqtt',
      `mqtt://127.0.0.1:${port}`,
      '--name',
      'rx-hall',
      '--mqtt-reconnect-ms',
      '200',
      '--log-level',
      'debug',
    ],
    { cwd: dir },
  );
  await waitFor('port open', () => bridge!.logs.some((l) => l.msg === 'serial port open'));
  writeToSerial(pair.receiverEnd, wire(pendantPress('p1', 1)));
  const spool = path.join(data, 'bridge-rx-hall.spool');
  await waitFor(
    'the press kept on disk',
    () => fs.existsSync(spool) && fs.readFileSync(spool, 'utf8').includes('"pendant'),
  );
  expect((fs.statSync(data).mode & 0o777).toString(8)).toBe('700');
  expect((fs.statSync(spool).mode & 0o777).toString(8)).toBe('600');
}, 60_000);
