// Review, session 67: an installer pairing a receiver met the serial port's failures in the OS's words only. As a user
// not in the dialout group: "Error: Permission denied, cannot open /dev/ttyUSB0"; with another program on the port:
// "Error Resource temporarily unavailable Cannot lock port"; with the wrong name: "No such file or directory". The
// bridge's first warning of each now says what to do: the group to join and the command, the programs that hold
// ports and how to name the one that does, the serial devices present.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  waitFor,
  type BridgeProcess,
  type SerialPair,
  type TestBroker,
} from './helpers.js';

// `nobody`, standing for a Pi user not (yet) in the dialout group.
const OTHER_UID = 65534;
const OTHER_GID = 65534;

let dir: string | undefined;
let broker: TestBroker | undefined;
let pair: SerialPair | undefined;
const bridges: BridgeProcess[] = [];

beforeAll(requireBuiltCli);

afterEach(async () => {
  for (const bridge of bridges.splice(0)) await killProcess(bridge.child);
  await killProcess(pair?.process);
  await broker?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = broker = pair = undefined;
});

async function stage(): Promise<{ dir: string; broker: TestBroker }> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s67-port-'));
  fs.chmodSync(dir, 0o755);
  broker = await startBroker();
  return { dir, broker };
}

function bridgeOn(port: string, name: string, where: { uid?: number; gid?: number } = {}): BridgeProcess {
  const bridge = spawnBridge(
    ['--port', port, '--home', 'h1', '--mqtt', `mqtt://127.0.0.1:${broker!.port}`, '--name', name],
    where,
  );
  bridges.push(bridge);
  return bridge;
}

/** The bridge's first warning that the port could not be opened. */
function openWarning(bridge: BridgeProcess): Promise<string> {
  return waitFor('the port warning', () =>
    bridge.logs.find((line) => line.msg?.startsWith('serial port unavailable; will retry')),
  ).then((line) => line.msg!);
}

describe('a serial port the bridge cannot open', () => {
  it.skipIf(process.getuid?.() !== 0)(
    'as a user who may not open it: names the dialout group and the command that adds the user to it',
    async () => {
      await stage();
      pair = await startSerialPair(dir!);
      // The pty is root's, mode 0600, as /dev/ttyUSB0 is root:dialout 0660 to a user outside dialout.
      const bridge = bridgeOn(pair.hubEnd, 'rx-perm', { uid: OTHER_UID, gid: OTHER_GID });
      const warning = await openWarning(bridge);
      expect(warning).toContain(`the user running the bridge (nobody) may not open ${pair.hubEnd}`);
      expect(warning).toContain("group 'dialout'");
      expect(warning).toContain('sudo usermod -aG dialout nobody');
    },
  );

  it('held by another program: says so, and how to name the program', async () => {
    await stage();
    pair = await startSerialPair(dir!);
    const first = bridgeOn(pair.hubEnd, 'rx-first');
    await waitFor('the first bridge on the port', () => first.logs.some((line) => line.msg === 'serial port open'));
    const second = bridgeOn(pair.hubEnd, 'rx-second');
    const warning = await openWarning(second);
    expect(warning).toContain(`another program holds ${pair.hubEnd} open`);
    expect(warning).toContain(`sudo fuser -v ${pair.hubEnd}`);
  });

  it('named wrong: says there is no such device and which serial devices there are', async () => {
    await stage();
    const missing = path.join(dir!, 'ttyUSB7');
    const warning = await openWarning(bridgeOn(missing, 'rx-missing'));
    expect(warning).toContain(`no device ${missing}`);
    expect(warning).toMatch(/serial devices present: \/dev\/|no serial device is present: is the receiver plugged in/);
  });
});
