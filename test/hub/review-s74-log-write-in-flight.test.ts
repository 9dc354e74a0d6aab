// Review, session 74: a hub stopped while a background write to its stuck stdout was under way. sonic-boom writes
// stdout from libuv's threads: once stdout had taken part of a chunk and refused the rest (a pipe full), the rest was
// tried again every 100 ms, in a thread, its result told to the event loop later. A stop (or a `fatal` line) that came
// between the two found a write "under way" whose outcome it could not know: the synchronous flush at exit left that
// chunk to the thread (its callback never ran: the process ended) and wrote the lines after it, glued to the line cut
// short: two lines no JSON reader could parse, whatever the log said between them lost (the session 72 log-tail test
// failed so once in CI). Now a stdout that is non-blocking (a pipe, a FIFO, the journal's socket: the only kind that
// can refuse a write) is written from the event loop, synchronously: such a write never waits, and nothing is ever
// under way when the flush comes. Here the child's preload holds back, until the process ends, the callback of any
// background write stdout refused (as a main thread busy at that moment, or an exit that comes first, would): the
// stop comes once stdout has refused a write.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import { freePort, killChild, mqttClientOnceUp, pendantFlats, tempDir, writeConfig } from './helpers.js';
import { heldOrEnded, hubOnStuckStdout, NOTICE } from './stuck-stdout.js';

let dir: string | undefined;
let child: ChildProcess | undefined;
const fds: number[] = [];

afterEach(async () => {
  await killChild(child);
  child = undefined;
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * More of the child's preload: a background write to stdout (`fs.write`) that stdout refused (EAGAIN) never tells
 * the event loop (its callback held until the process ends); the first refusal of any write to stdout, background or
 * synchronous, said on stderr.
 */
const REFUSAL_NOT_TOLD = `
let said = false;
const refused = () => {
  if (!said) fs.writeSync(2, 'stdout refused a write\\n');
  said = true;
};
const write = fs.write;
fs.write = function (fd, ...args) {
  if (fd !== 1) return write.call(fs, fd, ...args);
  const callback = args.pop();
  return write.call(fs, fd, ...args, (err, ...rest) => {
    if (err && err.code === 'EAGAIN') {
      refused();
      return;
    }
    callback(err, ...rest);
  });
};
const sync = fs.writeSync;
fs.writeSync = function (fd, ...args) {
  try {
    return sync.call(fs, fd, ...args);
  } catch (err) {
    if (fd === 1 && err.code === 'EAGAIN') refused();
    throw err;
  }
};
`;

it('writes whole JSON lines, the stop last, when a stop comes while a write to the stuck stdout is under way', async () => {
  dir = tempDir('review-s74-log-write-in-flight');
  const mqttPort = await freePort();
  const stuck = await hubOnStuckStdout(dir, writeConfig(dir, pendantFlats(1000)), mqttPort, REFUSAL_NOT_TOLD);
  const { hub, stderr, release } = stuck;
  child = hub;
  fds.push(stuck.readEnd);
  const client = await mqttClientOnceUp(mqttPort);
  expect(client).toBeDefined();
  await client!.endAsync(true);
  // The FIFO full with the start's lines: stdout refused a write.
  await waitFor(() => stderr().includes('stdout refused a write'), `process ${hub.pid}'s stdout to be full`, 60_000);
  hub.kill('SIGTERM');
  await heldOrEnded(hub, stderr);
  const text = await release();
  await waitFor(() => hub.exitCode !== null || hub.signalCode !== null, `process ${hub.pid} to exit`, 60_000);
  expect({ code: hub.exitCode, signal: hub.signalCode }).toEqual({ code: 0, signal: null });
  expect(text.endsWith('\n')).toBe(true);
  const parsed = text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      try {
        return JSON.parse(line) as { msg: string };
      } catch {
        return line;
      }
    });
  // Before: one line, the line cut short by the refused write glued to the first line after it.
  expect(parsed.filter((line) => typeof line === 'string')).toEqual([]);
  const msgs = parsed.map((line) => (line as { msg: string }).msg);
  expect(msgs.at(-1)).toBe('hub stopped');
  expect(msgs.filter((msg) => msg === NOTICE).length).toBeLessThanOrEqual(1);
  expect(msgs).toContain('hub stopping');
}, 180_000);

it('tells a non-blocking stdout (a pipe once Node has opened it) from a blocking one by its flags in /proc', async () => {
  const { stdoutNonBlocking } = await import('../../hub/logger.js');
  dir = tempDir('review-s74-fdinfo');
  const fdinfo = (flags: string): string => {
    const file = `${dir}/${flags}`;
    fs.writeFileSync(file, `pos:\t0\nflags:\t${flags}\nmnt_id:\t15\nino:\t1\n`);
    return file;
  };
  // As this machine's /proc said them: a pipe once process.stdout was opened on it; before; a terminal; a file.
  expect(['02004001', '02000001', '02000002', '02100001'].map((flags) => stdoutNonBlocking(fdinfo(flags)))).toEqual([
    true,
    false,
    false,
    false,
  ]);
  // No /proc (another system): sonic-boom's threads, as before.
  expect(stdoutNonBlocking(`${dir}/missing`)).toBe(false);
});
