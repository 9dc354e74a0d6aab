// Review, session 70: a hub whose standard output is never read, stopped or crashed. Its log lines wait in memory for
// stdout (hub/logger.ts, session 69); at exit pino writes what waits synchronously and, while stdout took nothing,
// tried again every 100 ms for ever: a stop (SIGTERM from a service manager, Ctrl-C) or a crash never ended the
// process, until a service manager's stop timeout killed it. Now a synchronous flush waits at most LOG_SYNC_FLUSH_MS
// for stdout; what it could not write is dropped and counted. Stdout here is a FIFO this test opens and never reads
// (its 64 KiB fill and stay full), as a journal or terminal that stopped reading. And the terminal's format: its lines
// waited for stdout in pino-pretty's pipeline, in memory without bound, never dropped nor counted. Then ("a failed
// start with a stuck stdout"): a start that failed (a port taken, a damaged database) left the process to end when
// its loop emptied, which sonic-boom's retry of stdout kept from happening; and a flush at exit that met a closed pipe
// (EPIPE) tried again every 100 ms for ever.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import {
  cliPath,
  freePort,
  killChild,
  mqttClientOnceUp,
  onHubLogger as hubLogger,
  pendantFlats,
  tempDir,
  writeConfig,
} from './helpers.js';
import { jsonLogHubEnv } from './stuck-stdout.js';

let dir: string | undefined;
let child: ChildProcess | undefined;
const fds: number[] = [];
let holder: net.Server | undefined;

afterEach(async () => {
  await killChild(child);
  child = undefined;
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  if (holder) await new Promise((resolve) => holder!.close(resolve));
  holder = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A FIFO in `dir` never read: its read end held open here (so writes fill it, never fail), its write end for a child. */
function stdoutNobodyReads(folder: string): { writeEnd: number; readAll: () => string } {
  const fifo = path.join(folder, 'stdout');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const readEnd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  fds.push(readEnd);
  const writeEnd = fs.openSync(fifo, 'w');
  const readAll = (): string => {
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.alloc(65536);
      let n: number;
      try {
        n = fs.readSync(readEnd, chunk);
      } catch {
        // EAGAIN: all read.
        break;
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks).toString();
  };
  return { writeEnd, readAll };
}

/** Whether `proc` has exited, by `timeoutMs` (generous: a stop, not a measurement); its code and signal. */
async function exitWithin(proc: ChildProcess, timeoutMs: number) {
  await waitFor(() => proc.exitCode !== null || proc.signalCode !== null, `process ${proc.pid} to exit`, timeoutMs);
  return { code: proc.exitCode, signal: proc.signalCode };
}

/** `onHubLogger` (helpers), its child stopped after each test. */
function onHubLogger(...args: Parameters<typeof hubLogger>): ReturnType<typeof hubLogger> {
  const made = hubLogger(...args);
  child = made.proc;
  return made;
}

it('ends on SIGTERM, as a graceful stop does (code 0), while nobody reads its standard output', async () => {
  dir = tempDir('review-s70-stdout-stuck');
  // A line said at start for each of these flats (no motion sensor): the FIFO's 64 KiB full, hundreds more waiting.
  const flats = 1000;
  const stdout = stdoutNobodyReads(dir);
  const mqttPort = await freePort();
  const hub = await hubWithStdout(
    writeConfig(dir, pendantFlats(flats)),
    path.join(dir, 'data'),
    mqttPort,
    stdout.writeEnd,
  );
  hub.stderr!.resume();
  // Started once its MQTT port takes a client.
  const client = await mqttClientOnceUp(mqttPort);
  expect(client).toBeDefined();
  await client!.endAsync(true);
  hub.kill('SIGTERM');
  // Before: still running 60 s later, pino's flush at exit trying stdout again every 100 ms.
  expect(await exitWithin(hub, 60_000)).toEqual({ code: 0, signal: null });
  // Stdout was full: it holds the start's first lines only, not the stop's.
  const held = stdout.readAll();
  expect(held.length).toBeGreaterThan(60_000);
  expect(held).not.toContain('"hub stopped"');
}, 180_000);

it("ends on a crash, with the crash's exit code, while nobody reads its standard output", async () => {
  dir = tempDir('review-s70-stdout-stuck');
  const stdout = stdoutNobodyReads(dir);
  // A process on the hub's logger (stdout its destination) that logs 300 KB, then throws out of a timer.
  const { proc, stderr } = onHubLogger(
    `
    for (let i = 0; i < 3000; i++) log.info({ i, pad: 'x'.repeat(60) }, 'a line nobody reads');
    process.on('exit', () => process.stderr.write('dropped ' + logLinesDropped() + '\\n'));
    setTimeout(() => { throw new Error('crash'); }, 50);
  `,
    'json',
    stdout.writeEnd,
  );
  // Before: still running 60 s later. Node's code for an uncaught exception: 1.
  expect(await exitWithin(proc, 60_000)).toEqual({ code: 1, signal: null });
  expect(stderr()).toContain('Error: crash');
  // The lines left when the flush at exit gave up: dropped and counted.
  expect(Number(/dropped (\d+)/.exec(stderr())?.[1])).toBeGreaterThan(0);
  expect(stdout.readAll().length).toBeGreaterThan(60_000);
}, 120_000);

it("drops and counts the terminal's lines nobody reads past the buffer, as the JSON ones", async () => {
  dir = tempDir('review-s70-stdout-stuck');
  const stdout = stdoutNobodyReads(dir);
  // The terminal's format (pino-pretty into the same destination): 100,000 lines of 100-odd bytes, many times the
  // buffer's 1 MiB, written a turn at a time as a hub logs.
  const lines = 100_000;
  const { proc, stderr } = onHubLogger(
    `
    let i = 0;
    const turn = () => {
      for (let k = 0; k < 2000 && i < ${lines}; k++) log.info({ i: i++, pad: 'x'.repeat(100) }, 'a line nobody reads');
      if (i < ${lines}) setImmediate(turn);
      else setImmediate(() => { process.stderr.write('dropped ' + logLinesDropped() + '\\n'); process.exit(0); });
    };
    turn();
  `,
    'pretty',
    stdout.writeEnd,
  );
  expect(await exitWithin(proc, 60_000)).toEqual({ code: 0, signal: null });
  // Before: 0 (every line held in pino-pretty's pipeline, in memory without bound, waiting for stdout).
  expect(Number(/dropped (\d+)/.exec(stderr())?.[1])).toBeGreaterThan(lines / 2);
}, 120_000);

/**
 * The hub started on `dataDir` with `mqttPort`, its stdout `stdout` (a descriptor, or 'pipe' read to its end): its
 * exit code and signal once it ends (60 s at most), and what it said on stderr.
 */
async function failedStart(
  config: string,
  dataDir: string,
  mqttPort: number,
  stdout: number | 'pipe',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const hub = await hubWithStdout(config, dataDir, mqttPort, stdout);
  if (typeof stdout !== 'number') hub.stdout!.resume();
  let stderr = '';
  hub.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = await exitWithin(hub, 60_000);
  return { ...ended, stderr };
}

/**
 * The hub process (`child`, stopped after each test) on `config` and `dataDir` with `mqttPort`, JSON lines to `stdout`
 * (a descriptor, closed here once the child has it, or 'pipe').
 */
async function hubWithStdout(
  config: string,
  dataDir: string,
  mqttPort: number,
  stdout: number | 'pipe',
): Promise<ChildProcess> {
  child = spawn(process.execPath, [cliPath, 'hub'], {
    env: await jsonLogHubEnv(config, dataDir, mqttPort),
    stdio: ['ignore', stdout, 'pipe'],
  });
  if (typeof stdout === 'number') fs.closeSync(stdout);
  return child;
}

it('ends when its MQTT port is taken, with the code and message of a working stdout, while nobody reads its stdout', async () => {
  dir = tempDir('review-s70-stuck-start');
  const config = writeConfig(dir, pendantFlats(1000));
  // The MQTT port held by this process, as a Mosquitto would hold it.
  holder = net.createServer();
  await new Promise<void>((resolve) => holder!.listen(0, '127.0.0.1', resolve));
  const taken = (holder.address() as net.AddressInfo).port;
  const read = await failedStart(config, path.join(dir, 'data-read'), taken, 'pipe');
  expect(read.code).toBe(1);
  expect(read.stderr).toContain(`telecare hub: could not start: the MQTT port ${taken} is already in use`);
  const stdout = stdoutNobodyReads(dir);
  // Before: still running 60 s later (sonic-boom's retry of the line stdout had not taken kept the loop alive).
  const stuck = await failedStart(config, path.join(dir, 'data-stuck'), taken, stdout.writeEnd);
  expect(stuck).toEqual({ code: 1, signal: null, stderr: read.stderr });
  // Stdout was full: the start's first lines, not the fatal one.
  const held = stdout.readAll();
  expect(held.length).toBeGreaterThan(60_000);
  expect(held).not.toContain('"hub could not start"');
}, 180_000);

it("ends on a damaged database with the check's exit code (3) while nobody reads its stdout", async () => {
  dir = tempDir('review-s70-stuck-start');
  const config = writeConfig(dir, pendantFlats(1000));
  // A database file of random bytes: "file is not a database", the start's check refuses it.
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  fs.writeFileSync(path.join(dataDir, 'hub.db'), crypto.randomBytes(200_000));
  const stdout = stdoutNobodyReads(dir);
  // Before: still running 60 s later.
  const stuck = await failedStart(config, dataDir, await freePort(), stdout.writeEnd);
  expect(stuck.code).toBe(3);
  expect(stuck.signal).toBeNull();
  expect(stuck.stderr).toMatch(/^telecare hub: database .*hub\.db is damaged/);
  expect(stdout.readAll().length).toBeGreaterThan(60_000);
}, 120_000);

it('ends at once, with its exit code, when the reader of its standard output has gone (EPIPE met at exit)', async () => {
  // A process on the hub's logger that logs 300 lines and ends in the same turn: the first line is being written in
  // the background, the others wait, and the flush at exit meets the closed pipe first (before, pino's own answer to
  // EPIPE, which follows a background write's error, had not been reached).
  const { proc, stderr } = onHubLogger(
    `
    for (let i = 0; i < 300; i++) log.info({ i, pad: 'x'.repeat(60) }, 'a line nobody reads');
    process.on('exit', () => process.stderr.write('dropped ' + logLinesDropped() + '\\n'));
    process.exit(2);
  `,
    'json',
    'pipe',
  );
  // The pipe's only read end closed before the child has run a line: every write to it fails with EPIPE.
  proc.stdout!.destroy();
  // Before: still running 60 s later, sonic-boom's flush trying the closed pipe again every 100 ms.
  expect(await exitWithin(proc, 60_000)).toEqual({ code: 2, signal: null });
  // The lines waiting when the flush met EPIPE: dropped and counted (the one in the background's write not among them).
  expect(Number(/dropped (\d+)/.exec(stderr())?.[1])).toBeGreaterThanOrEqual(250);
}, 120_000);
