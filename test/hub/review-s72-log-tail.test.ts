// Review, session 72: a hub whose standard output is stuck when it stops or fails, its reader released later. The
// lines waiting for stdout are written synchronously at exit (and after a `fatal` line), in order; the flush gave up
// once stdout had taken nothing for LOG_SYNC_FLUSH_MS, and what it cut was the end of the log: the lines that say why
// the hub stopped ("hub stopped", "hub could not start"). Now, at that point, the oldest lines left are dropped, one
// line says how many, and the newest are given one more LOG_SYNC_FLUSH_MS. Stdout here is a FIFO nobody reads (its
// 64 KiB full with the start's lines) until the hub tries the drop notice: the child is held at that write (a preload
// that watches `fs.writeSync`) until this test has emptied the FIFO, then reads it to its end. Before, the hub never
// tried a notice: the FIFO was read once the hub had ended, and held only the start's lines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import {
  ADMIN_PASSWORD,
  cliPath,
  freePort,
  killChild,
  mqttClientOnceUp,
  pendantFlats,
  tempDir,
  writeConfig,
} from './helpers.js';

let dir: string | undefined;
let child: ChildProcess | undefined;
let holder: net.Server | undefined;
const fds: number[] = [];

afterEach(async () => {
  await killChild(child);
  child = undefined;
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  if (holder) await new Promise((resolve) => holder!.close(resolve));
  holder = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The drop notice's message, as the hub writes it (hub/logger.ts). */
const NOTICE = 'log lines dropped: stdout took too long to take them; the newest follow';

/**
 * Loaded before the hub (`--import`): the first synchronous write to stdout that holds the drop notice says so on
 * stderr and waits, before it writes, for a byte on stdin (this test's "the reader is back"). Nothing else changed.
 */
const HOLD_AT_NOTICE = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const writeSync = fs.writeSync;
let held = false;
fs.writeSync = function (fd, data, ...rest) {
  if (!held && fd === 1 && Buffer.isBuffer(data) && data.includes(${JSON.stringify(`"msg":"${NOTICE}"`)})) {
    held = true;
    writeSync(2, 'held at the drop notice\\n');
    const go = Buffer.alloc(1);
    for (;;) {
      try {
        if (fs.readSync(0, go, 0, 1, null) === 1) break;
      } catch (err) {
        if (err.code !== 'EAGAIN') throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  }
  return writeSync.call(fs, fd, data, ...rest);
};
syncBuiltinESMExports();
`;

/**
 * The hub (`child`) on `config`, JSON lines to a FIFO in `dir` nobody reads until `release`: `release` empties the FIFO,
 * lets the child write (if it is held at the drop notice), and reads to the end (every writer gone); `text` is all the
 * FIFO held, in order.
 */
async function hubOnStuckStdout(
  folder: string,
  config: string,
  mqttPort: number,
): Promise<{ hub: ChildProcess; stderr: () => string; release: () => Promise<string> }> {
  const preload = path.join(folder, 'hold-at-notice.mjs');
  fs.writeFileSync(preload, HOLD_AT_NOTICE);
  const fifo = path.join(folder, 'stdout');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const readEnd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  fds.push(readEnd);
  const writeEnd = fs.openSync(fifo, 'w');
  const hub = spawn(process.execPath, ['--import', pathToFileURL(preload).href, cliPath, 'hub'], {
    env: {
      ...process.env,
      HUB_MQTT_PORT: String(mqttPort),
      HUB_HTTP_PORT: String(await freePort()),
      HUB_HOST: '127.0.0.1',
      HUB_LOG_LEVEL: 'info',
      HUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HUB_DATA_DIR: path.join(folder, 'data'),
      HUB_CONFIG: config,
      HUB_LOG_FORMAT: 'json',
    },
    stdio: ['pipe', writeEnd, 'pipe'],
  });
  child = hub;
  fs.closeSync(writeEnd);
  // The child gone before this test's byte: nothing to say.
  hub.stdin!.on('error', () => undefined);
  let err = '';
  hub.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const release = async (): Promise<string> => {
    const chunks: Buffer[] = [];
    let go = false;
    for (;;) {
      const chunk = Buffer.alloc(65536);
      let n: number;
      try {
        n = fs.readSync(readEnd, chunk);
      } catch {
        // EAGAIN: the FIFO empty. The child, if held, may write now.
        if (!go && hub.exitCode === null && hub.signalCode === null) hub.stdin!.end('g');
        go = true;
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      // Every writer gone: the child ended.
      if (n === 0) return Buffer.concat(chunks).toString();
      chunks.push(chunk.subarray(0, n));
    }
  };
  return { hub, stderr: () => err, release };
}

/** Whether the hub is held at the drop notice, or ended (it never tried one). */
async function heldOrEnded(hub: ChildProcess, stderr: () => string): Promise<void> {
  await waitFor(
    () => stderr().includes('held at the drop notice') || hub.exitCode !== null || hub.signalCode !== null,
    `process ${hub.pid} to try the drop notice or end`,
    60_000,
  );
}

/** The whole JSON lines of `text` (a last one cut short left out: `cut`). */
function jsonLines(text: string): {
  cut: boolean;
  lines: { level: number; msg: string; droppedLines?: number; droppedBytes?: number }[];
} {
  const lines = text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as { level: number; msg: string });
  return { cut: !text.endsWith('\n'), lines };
}

it("keeps the stop's last lines, after a line saying how many were dropped, for a stuck stdout read again after the limit", async () => {
  dir = tempDir('review-s72-log-tail');
  const mqttPort = await freePort();
  const { hub, stderr, release } = await hubOnStuckStdout(dir, writeConfig(dir, pendantFlats(1000)), mqttPort);
  // Started once its MQTT port takes a client.
  const client = await mqttClientOnceUp(mqttPort);
  expect(client).toBeDefined();
  await client!.endAsync(true);
  hub.kill('SIGTERM');
  await heldOrEnded(hub, stderr);
  const { cut, lines } = jsonLines(await release());
  await waitFor(() => hub.exitCode !== null || hub.signalCode !== null, `process ${hub.pid} to exit`, 60_000);
  expect({ code: hub.exitCode, signal: hub.signalCode }).toEqual({ code: 0, signal: null });
  // Before: the FIFO's 64 KiB of the start's lines only, the stop's not among them.
  expect(lines.at(-1)?.msg).toBe('hub stopped');
  expect(cut).toBe(false);
  const notices = lines.flatMap((line, at) => (line.msg === NOTICE ? [at] : []));
  expect(notices.length).toBe(1);
  const notice = lines[notices[0]!]!;
  expect({ level: notice.level, dropped: notice.droppedLines! > 0, bytes: notice.droppedBytes! > 0 }).toEqual({
    level: 40,
    dropped: true,
    bytes: true,
  });
  // The start's lines before it (what the FIFO held), the stop's after it.
  const after = lines.slice(notices[0]! + 1).map((line) => line.msg);
  expect(after).toContain('hub stopping');
  expect(lines.slice(0, notices[0]).map((line) => line.msg)).not.toContain('hub stopping');
}, 180_000);

it('keeps the fatal line of a failed start, after the drop notice, for a stuck stdout read again after the limit', async () => {
  dir = tempDir('review-s72-log-tail');
  // The MQTT port held by this process, as a Mosquitto would hold it: the start fails after its 1,000 flats' lines.
  holder = net.createServer();
  await new Promise<void>((resolve) => holder!.listen(0, '127.0.0.1', resolve));
  const taken = (holder.address() as net.AddressInfo).port;
  const { hub, stderr, release } = await hubOnStuckStdout(dir, writeConfig(dir, pendantFlats(1000)), taken);
  await heldOrEnded(hub, stderr);
  const { cut, lines } = jsonLines(await release());
  await waitFor(() => hub.exitCode !== null || hub.signalCode !== null, `process ${hub.pid} to exit`, 60_000);
  expect({ code: hub.exitCode, signal: hub.signalCode }).toEqual({ code: 1, signal: null });
  expect(stderr()).toContain(`telecare hub: could not start: the MQTT port ${taken} is already in use`);
  // Before: the start's first lines only, the fatal one not among them.
  expect({ level: lines.at(-1)?.level, msg: lines.at(-1)?.msg }).toEqual({ level: 60, msg: 'hub could not start' });
  expect(cut).toBe(false);
  const notices = lines.flatMap((line, at) => (line.msg === NOTICE ? [at] : []));
  expect(notices.length).toBe(1);
  expect(lines[notices[0]!]!.droppedLines).toBeGreaterThan(0);
}, 180_000);
