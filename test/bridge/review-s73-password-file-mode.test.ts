// Review, session 73: `telecare bridge --password-file FILE` read an MQTT password left readable by every user of the
// machine (a file written with the default umask is 0644) without a word, where the hub warns, naming the chmod, about
// a configuration or a key other users can read. The bridge now gives the hub's warning (hub/private-files.ts). The
// real CLI in its own process, against a real broker, the file's mode set with chmod.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  waitFor,
  type BridgeProcess,
  type TestBroker,
} from './helpers.js';

let dir: string | undefined;
let broker: TestBroker | undefined;
const bridges: BridgeProcess[] = [];

beforeAll(requireBuiltCli);

afterEach(async () => {
  for (const bridge of bridges.splice(0)) await killProcess(bridge.child);
  await broker?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = broker = undefined;
});

/** A bridge started with a password file of `mode`, once it has said it is starting: its log lines up to then. */
async function startedWithPasswordFile(mode: number): Promise<{ file: string; lines: string[] }> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s73-password-'));
  broker = await startBroker();
  const file = path.join(dir, 'mqtt-password');
  fs.writeFileSync(file, 'bridge-secret\n');
  fs.chmodSync(file, mode);
  const bridge = spawnBridge([
    // No receiver plugged in: the bridge starts all the same and waits for it.
    '--port',
    path.join(dir, 'no-receiver'),
    '--home',
    'h1',
    '--name',
    'rx-s73',
    '--mqtt',
    `mqtt://127.0.0.1:${broker.port}`,
    '--username',
    'bridge-h1',
    '--password-file',
    file,
    '--spool',
    path.join(dir, 'bridge.spool'),
  ]);
  bridges.push(bridge);
  // The warning comes before this line, as the hub's come before it serves.
  await waitFor('the bridge to start', () => bridge.logs.some((line) => line.msg === 'bridge starting'));
  return { file, lines: bridge.logs.filter((l) => l.level === 40).map((l) => l.msg ?? '') };
}

describe('telecare bridge --password-file', () => {
  it('warns, naming the chmod, when every user of the machine can read the file', async () => {
    const { file, lines } = await startedWithPasswordFile(0o644);
    expect(lines).toContain(
      `--password-file ${file} holds secrets and every user of this machine can read it (mode 0644): chmod 600 ${file} (or 640 with the bridge's group)`,
    );
  }, 30_000);

  it('says nothing about a file only its owner can read', async () => {
    const { lines } = await startedWithPasswordFile(0o600);
    expect(lines.filter((line) => line.includes('--password-file'))).toEqual([]);
  }, 30_000);

  it('warns about a file other users can change', async () => {
    const { file, lines } = await startedWithPasswordFile(0o620);
    expect(lines).toContain(
      `--password-file ${file} can be changed by other users of this machine (mode 0620): chmod go-w ${file}`,
    );
  }, 30_000);
});
