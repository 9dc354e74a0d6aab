// Story: the receiver is pulled out while a read of its bytes waits for one of libuv's threads (a loaded machine, a
// receiver sending as it goes): the bridge still says offline, and comes back when it is plugged in again.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { BridgeStatus } from '../../firmware-bridge/bridge-stats.js';
import { HANGUP_MESSAGE } from '../../firmware-bridge/hangup-binding.js';
import { pendantPress, wire } from './fixtures.js';
import {
  startInProcessBridge,
  startSerialPair,
  stopInProcessRig,
  unplug,
  waitFor,
  writeToSerial,
  type InProcessRig,
} from './helpers.js';

const rig: InProcessRig = { pairs: [] };
let releaseThreads: (() => void) | undefined;

afterEach(async () => {
  releaseThreads?.();
  releaseThreads = undefined;
  await stopInProcessRig(rig);
});

/** File system requests of this process still waiting for (or on) one of libuv's threads. */
function fsRequestsPending(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'FSReqCallback').length;
}

/**
 * Keeps every thread of libuv's pool in this process busy (each opening a FIFO nobody writes to) until the function
 * returned is called: a file read asked for meanwhile (the serial port's) waits, and runs only after the release.
 */
async function holdThreadPool(dir: string): Promise<() => void> {
  const threads = Math.min(Math.max(Number(process.env.UV_THREADPOOL_SIZE) || 4, 1), 1024);
  const fifos = Array.from({ length: threads }, (_, i) => path.join(dir, `hold-${i}`));
  const before = fsRequestsPending();
  const opened: number[] = [];
  for (const fifo of fifos) {
    execFileSync('mkfifo', [fifo]);
    fs.open(fifo, 'r', (err, fd) => {
      if (!err) opened.push(fd);
    });
  }
  await waitFor('the pool held', () => fsRequestsPending() >= before + threads);
  return () => {
    // A FIFO opened for reading and writing never waits, and lets the opening reader through.
    const writers = fifos.map((fifo) => fs.openSync(fifo, fs.constants.O_RDWR));
    const closeAll = (): void => {
      for (const fd of [...writers, ...opened]) fs.closeSync(fd);
    };
    void waitFor('the pool released', () => opened.length === threads).then(closeAll, closeAll);
  };
}

it('says offline when the receiver goes while a read is on its way, not online for ever with a thread spinning', async () => {
  const dir = (rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-mid-read-')));
  const first = await startSerialPair(dir);
  rig.pairs.push(first);
  await startInProcessBridge(rig, first.hubEnd, 'rx-midread');
  const subscriber = rig.subscriber!;
  const statuses = (): BridgeStatus[] => subscriber.on('telecare/bridge/rx-midread/status') as BridgeStatus[];

  // The receiver sends as it is pulled out: the port's poller says readable, and its read waits for a thread.
  releaseThreads = await holdThreadPool(dir);
  const pending = fsRequestsPending();
  writeToSerial(first.receiverEnd, wire(pendantPress('p1', 1)));
  await waitFor('the serial read queued', () => fsRequestsPending() > pending);

  // Gone before the read runs: the tty is hung up, and the read finds end of file.
  const statusesBefore = statuses().length;
  await unplug(first);
  releaseThreads();
  releaseThreads = undefined;

  const offline = await waitFor('offline status after unplugging', () =>
    statuses()
      .slice(statusesBefore)
      .find((s) => s.state === 'offline'),
  );
  // Seen by the read itself (the poller was not waiting): before session 72 it read again, and found end of file again.
  expect(offline.port).toMatchObject({ state: 'retrying', lastError: HANGUP_MESSAGE });

  // Plugged back in under the same name: online again, and its presses delivered.
  const second = await startSerialPair(dir);
  rig.pairs.push(second);
  await waitFor('online again', () => statuses().at(-1)?.state === 'online');
  writeToSerial(second.receiverEnd, wire(pendantPress('p1', 2)));
  await waitFor('a press after the replugging', () => subscriber.on('telecare/h1/devices/p1/events').length === 1);
}, 60_000);
