// Second reading of session 72's hangup-aware binding: a read of 0 bytes is a hangup only when a live port cannot
// answer 0 bytes. A read asked for no bytes, or a port opened with VMIN 0 that has nothing yet, answers 0 bytes on a
// live receiver; before, the binding took either for an unplugged receiver and failed the read as a disconnect (the
// stream then closes the port).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BindingPortInterface } from '@serialport/bindings-cpp';
import { afterEach, expect, it } from 'vitest';
import { HANGUP_MESSAGE, hangupAwareBinding } from '../../firmware-bridge/hangup-binding.js';
import { startSerialPair, unplug, waitFor, writeToSerial, type SerialPair } from './helpers.js';

let dir: string | undefined;
let pair: SerialPair | undefined;
let port: BindingPortInterface | undefined;

afterEach(async () => {
  if (port?.isOpen) await port.close();
  port = undefined;
  if (pair) await unplug(pair);
  pair = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** File system requests of this process still waiting for (or on) one of libuv's threads: a read of the port. */
function fsRequestsPending(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'FSReqCallback').length;
}

async function livePair(): Promise<SerialPair> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-zero-read-'));
  pair = await startSerialPair(dir);
  return pair;
}

it('answers a read asked for no bytes with none, the live port left open, its bytes read after', async () => {
  const { hubEnd, receiverEnd } = await livePair();
  port = await hangupAwareBinding().open({ path: hubEnd, baudRate: 115200 });
  const buffer = Buffer.alloc(16);
  // Before: rejected with HANGUP_MESSAGE (a disconnect), the receiver live.
  await expect(port.read(buffer, 0, 0)).resolves.toMatchObject({ bytesRead: 0 });
  expect(port.isOpen).toBe(true);
  writeToSerial(receiverEnd, 'ok');
  const { bytesRead } = await port.read(buffer, 0, 16);
  expect(buffer.subarray(0, bytesRead).toString()).toBe('ok'.slice(0, bytesRead));
});

it('waits for bytes on a port opened with VMIN 0 that has nothing yet, and still sees its hangup', async () => {
  const live = await livePair();
  port = await hangupAwareBinding().open({ path: live.hubEnd, baudRate: 115200, vmin: 0 } as never);
  const buffer = Buffer.alloc(16);
  let settled = false;
  const read = port.read(buffer, 0, 16).finally(() => (settled = true));
  read.catch(() => undefined);
  // Its read of the empty port (0 bytes) done: it is waiting, not failed, and the bytes written now are what it returns.
  // Before: rejected with HANGUP_MESSAGE as soon as that read came back.
  await waitFor('the first read of the port done', () => fsRequestsPending() === 0);
  await new Promise((resolve) => setImmediate(resolve));
  expect(settled).toBe(false);
  writeToSerial(live.receiverEnd, 'x');
  const { bytesRead } = await read;
  expect(buffer.subarray(0, bytesRead).toString()).toBe('x');

  // Unplugged: the next read is a hangup (a disconnect), not a wait for ever.
  await unplug(live);
  pair = undefined;
  await expect(port.read(buffer, 0, 16)).rejects.toMatchObject({ message: HANGUP_MESSAGE, disconnect: true });
});
