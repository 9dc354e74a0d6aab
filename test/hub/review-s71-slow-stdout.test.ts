// Review, session 71: a hub's standard output read slowly but steadily (a journal under load, a slow terminal, a pipe
// to a slow log shipper) when it exits. The lines waiting for stdout are written synchronously at exit; the flush gave
// up LOG_SYNC_FLUSH_MS (1 s) after it began, however much stdout was taking, so a reader needing more than a second
// for the tail lost its end: often the lines that say why the hub stopped. Now the second counts from the last write
// stdout took, up to LOG_SYNC_FLUSH_MAX_MS (10 s) in all. Stdout here is a FIFO the test reads a few KiB at a time,
// far more often than once a second, while the tail needs several seconds at that pace. And (the third test) the
// chunk sonic-boom was waiting to try again when the process ended was neither written nor counted: a gap mid-log.
// Session 72: when LOG_SYNC_FLUSH_MAX_MS bites, the log's end is kept and the oldest lines left dropped (the second).
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import { killChild, onHubLogger, tempDir } from './helpers.js';

let dir: string | undefined;
let child: ChildProcess | undefined;
let reader: NodeJS.Timeout | undefined;
const fds: number[] = [];

afterEach(async () => {
  clearInterval(reader);
  reader = undefined;
  await killChild(child);
  child = undefined;
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A FIFO in `dir` as a child's stdout (`writeEnd`), read here `bytes` at a time every `everyMs` from the start, to its
 * end (every writer gone): `done` resolves to what was read and how many reads took bytes. Once `readAll` is called,
 * each tick reads all there is (what the child left in the FIFO when it ended).
 */
function stdoutReadSlowly(
  folder: string,
  bytes: number,
  everyMs: number,
): { writeEnd: number; readAll: () => void; done: Promise<{ text: string; reads: number }> } {
  const fifo = path.join(folder, 'stdout');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const readEnd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  fds.push(readEnd);
  const writeEnd = fs.openSync(fifo, 'w');
  const chunks: Buffer[] = [];
  let reads = 0;
  let all = false;
  const done = new Promise<{ text: string; reads: number }>((resolve) => {
    reader = setInterval(() => {
      do {
        const chunk = Buffer.alloc(bytes);
        let n: number;
        try {
          n = fs.readSync(readEnd, chunk, 0, bytes, null);
        } catch {
          // EAGAIN: nothing written yet.
          return;
        }
        if (n === 0) {
          // Every writer gone (the child's end, and this process's closed once the child had it).
          clearInterval(reader);
          resolve({ text: Buffer.concat(chunks).toString(), reads });
          return;
        }
        reads += 1;
        chunks.push(chunk.subarray(0, n));
      } while (all);
    }, everyMs);
  });
  return { writeEnd, readAll: () => (all = true), done };
}

/**
 * A process on the hub's logger, its stdout `writeEnd`, that logs `lines` lines of about 200 bytes (600 KB for 3,000:
 * within the 1 MiB buffer, none dropped on the way in) in one turn and ends at once, as a stop's last lines are: all
 * of them wait for the flush at exit. The last says why it ended. Its exit code and signal, and the lines it counted
 * dropped.
 */
async function logThenExit(lines: number, writeEnd: number) {
  const { proc, stderr } = onHubLogger(
    `
    for (let i = 0; i < ${lines - 1}; i++) log.info({ i, pad: 'x'.repeat(100) }, 'a line read slowly');
    log.info({ i: ${lines - 1} }, 'the reason the hub stopped');
    process.on('exit', () => process.stderr.write('dropped ' + logLinesDropped() + '\\n'));
    process.exit(0);
  `,
    'json',
    writeEnd,
  );
  child = proc;
  await waitFor(() => proc.exitCode !== null || proc.signalCode !== null, `process ${proc.pid} to exit`, 60_000);
  await waitFor(() => /dropped \d+/.test(stderr()), 'the count of lines dropped', 10_000);
  return { code: proc.exitCode, signal: proc.signalCode, dropped: Number(/dropped (\d+)/.exec(stderr())?.[1]) };
}

/** The whole JSON lines of `text`, in order (a line cut short where a flush gave up left out). */
function wholeLines(text: string): { i: number; msg: string }[] {
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as { i: number; msg: string });
}

it('writes every line waiting at exit to a stdout read slowly but steadily, dropping none', async () => {
  dir = tempDir('review-s71-slow-stdout');
  // 8 KiB every 50 ms (about 160 KiB a second): twenty reads within the flush's second without progress.
  const everyMs = 50;
  const stdout = stdoutReadSlowly(dir, 8192, everyMs);
  const lines = 3000;
  expect(await logThenExit(lines, stdout.writeEnd)).toEqual({ code: 0, signal: null, dropped: 0 });
  const { text, reads } = await stdout.done;
  const written = wholeLines(text);
  // Before: 1,100-odd lines of 3,000 (the flush gave up a second after it began), the last not among them, the rest
  // counted dropped.
  expect({ lines: written.length, last: written.at(-1)?.msg }).toEqual({ lines, last: 'the reason the hub stopped' });
  expect(written.map((line) => line.i)).toEqual(Array.from({ length: lines }, (_, i) => i));
  // The tail needed well over the flush's second at the reader's pace (each read at least `everyMs` after the last):
  // the FIFO's 64 KiB and 540 KB more, 8 KiB a read.
  expect(reads).toBeGreaterThan(2000 / everyMs);
}, 120_000);

it('still gives up on a reader too slow for the whole tail in LOG_SYNC_FLUSH_MAX_MS, keeping the end (session 72)', async () => {
  dir = tempDir('review-s71-slow-stdout');
  // 4 KiB every 250 ms (16 KiB a second): progress four times a second, but 35 s for the whole tail.
  const stdout = stdoutReadSlowly(dir, 4096, 250);
  const lines = 3000;
  const ended = await logThenExit(lines, stdout.writeEnd);
  stdout.readAll();
  // Without the overall bound: every line, none dropped, 35 s later.
  expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
  expect(ended.dropped).toBeGreaterThan(0);
  // What was written is the log's beginning, in order, then (session 72) one line saying how many lines were dropped,
  // then the log's end, in order, its last line included. Before session 72: the beginning only, the end cut.
  const written = (await stdout.done).text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as { i?: number; msg: string; droppedLines?: number });
  expect(written.at(-1)?.msg).toBe('the reason the hub stopped');
  const notice = written.findIndex((line) => line.i === undefined);
  expect(notice).toBeGreaterThan(0);
  const dropped = written[notice]!.droppedLines!;
  // Every line written whole or dropped, and every one dropped counted (logLinesDropped, the hub's metric).
  expect(dropped).toBe(ended.dropped);
  expect(written.map((line) => line.i)).toEqual([
    ...Array.from({ length: notice }, (_, i) => i),
    undefined,
    ...Array.from({ length: lines - notice - dropped }, (_, i) => notice + dropped + i),
  ]);
}, 120_000);

it('writes the chunk sonic-boom was waiting to retry when the process exits, in its place, on a stdout read slowly', async () => {
  dir = tempDir('review-s71-slow-stdout');
  // 8 KiB every 50 ms, as above. The lines are logged as a running hub logs them, 100 every 5 ms: stdout fills, and
  // sonic-boom writes them in the background a chunk (up to 16 KiB) at a time, trying a chunk stdout did not take
  // again 100 ms later. The process ends while it waits to (the next turn after stdout refused a chunk, once the last
  // line is logged): the moment a stop or a crash meets most often while stdout is slow.
  const stdout = stdoutReadSlowly(dir, 8192, 50);
  const lines = 3000;
  const { proc, stderr } = onHubLogger(
    `
    const stream = log[Object.getOwnPropertySymbols(log).find((s) => s.description === 'pino.stream')];
    let logged = false;
    const retry = stream.retryEAGAIN;
    stream.retryEAGAIN = (...args) => {
      if (logged) setImmediate(() => process.exit(0));
      return retry.apply(stream, args);
    };
    process.on('exit', () => process.stderr.write('dropped ' + logLinesDropped() + '\\n'));
    let i = 0;
    const turn = () => {
      for (let k = 0; k < 100 && i < ${lines - 1}; k++) {
        log.info({ i: i++, pad: 'x'.repeat(100) }, 'a line read slowly');
      }
      if (i < ${lines - 1}) setTimeout(turn, 5);
      else {
        log.info({ i: ${lines - 1} }, 'the reason the hub stopped');
        logged = true;
      }
    };
    turn();
  `,
    'json',
    stdout.writeEnd,
  );
  child = proc;
  await waitFor(() => proc.exitCode !== null || proc.signalCode !== null, `process ${proc.pid} to exit`, 60_000);
  expect({ code: proc.exitCode, signal: proc.signalCode }).toEqual({ code: 0, signal: null });
  await waitFor(() => /dropped \d+/.test(stderr()), 'the count of lines dropped', 10_000);
  expect(Number(/dropped (\d+)/.exec(stderr())?.[1])).toBe(0);
  const text = (await stdout.done).text;
  // Before: the chunk waiting for its retry never written, nor counted dropped (0), the lines after it written: a gap
  // of 20-odd lines in the middle of the log, one of them cut.
  const numbers = text
    .split('\n')
    .slice(0, -1)
    .map((line) => Number(/^\{.*"i":(\d+),.*\}$/.exec(line)?.[1]));
  expect(numbers.length).toBe(lines);
  expect(numbers).toEqual(Array.from({ length: lines }, (_, i) => i));
}, 120_000);
