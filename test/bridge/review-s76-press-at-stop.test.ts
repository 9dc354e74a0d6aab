// Review, session 76. Story: systemd stops the bridge (an upgrade, a restart of the service) just as the resident
// presses the pendant: the receiver has written the press, and it is in the kernel's buffer for the port, not yet read.
// The stop closed the port at once, and the kernel threw the press away: nothing sent, nothing kept in the spool,
// nothing said (7 presses in 10 lost, written a moment before a SIGTERM, in a loop of this story without the pause
// below). Now a stop reads the port until it goes quiet before closing it: the press is sent, or kept for the next start.
//
// To have the press in the port's buffer and unread at the signal, the bridge is paused (SIGSTOP) while socat passes it
// on (its bytes written, from /proc/<pid>/io), then sent SIGTERM and let go (SIGCONT).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { readSpool } from '../../firmware-bridge/event-spool.js';
import {
  BRIDGE_TOPICS,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  startSubscriber,
  stopRig,
  waitFor,
  writeToSerial,
  type BridgeRig,
} from './helpers.js';
import { pendantPress, wire } from './fixtures.js';

const rig: BridgeRig = {};

beforeAll(requireBuiltCli);

afterEach(async () => {
  if (rig.bridge?.child.exitCode === null) rig.bridge.child.kill('SIGCONT');
  await stopRig(rig);
});

/** Bytes a process has written so far (to its ptys, its log), from the kernel. */
function bytesWritten(pid: number): number {
  const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
  return Number(/^wchar: (\d+)$/m.exec(io)?.[1]);
}

it('sends or keeps a press that was waiting in the port when the bridge was told to stop', async () => {
  rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s76-stop-'));
  rig.pair = await startSerialPair(rig.dir, 'tty');
  rig.broker = await startBroker();
  rig.subscriber = await startSubscriber(rig.broker.port, BRIDGE_TOPICS);
  const spool = path.join(rig.dir, 'rx.spool');
  rig.bridge = spawnBridge([
    '--port',
    rig.pair.hubEnd,
    '--framing',
    'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${rig.broker.port}`,
    '--name',
    'rx-hall',
    '--status-interval-ms',
    '60000',
    '--spool',
    spool,
  ]);
  const child = rig.bridge.child;
  await waitFor('bridge online', () => rig.subscriber!.lastStatus('rx-hall')?.state === 'online');

  const press = wire(pendantPress('p1', 1));
  const socat = rig.pair.process.pid!;
  const before = bytesWritten(socat);
  child.kill('SIGSTOP');
  writeToSerial(rig.pair.receiverEnd, press);
  await waitFor('the press passed on to the bridge’s port', () => bytesWritten(socat) >= before + press.length);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  child.kill('SIGCONT');
  expect(await exited).toBe(0);

  // Before: neither at the broker nor in the spool.
  const delivered = rig.subscriber.on('telecare/h1/devices/p1/events');
  const kept = readSpool(spool).events.filter((e) => e.topic === 'telecare/h1/devices/p1/events');
  expect(delivered.length + kept.length).toBe(1);
}, 60_000);
