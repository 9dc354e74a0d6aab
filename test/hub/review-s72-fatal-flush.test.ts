// Second reading of session 72's exit flush. (1) pino flushes its stream synchronously after a `fatal` line, so the line
// that says why the hub is going is out before anything else can end the process (an abort, a kill by a service
// manager's watchdog). In the terminal's format (pino-pretty) that flush never happened: pino-pretty's stream has no
// `flushSync`, and the fatal line waited for the background behind the lines before it, lost when the process was
// killed next. Stdout here is a pipe read as fast as it comes; the process kills itself (SIGKILL: no exit handler)
// right after its fatal line, 5,000 lines still waiting before it. (2) A fatal line's flush that gives up on a stuck
// stdout may leave a line cut short there (a chunk stdout took part of); a process that lives on (the bridge's fatal
// returns and lets its loop empty) glued its next line to the cut one, both unreadable as JSON. Stdout here is a FIFO
// nobody reads until the flush has given up, then read to its end.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import { killChild, onHubLogger, tempDir } from './helpers.js';

let child: ChildProcess | undefined;
let dir: string | undefined;
let readEnd: number | undefined;

afterEach(async () => {
  await killChild(child);
  child = undefined;
  if (readEnd !== undefined) fs.closeSync(readEnd);
  readEnd = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** What the child running `body` on the hub's logger in `format` wrote to stdout, read to its end. */
async function stdoutOf(body: string, format: 'json' | 'pretty'): Promise<string> {
  const { proc } = onHubLogger(body, format, 'pipe');
  child = proc;
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => proc.stdout!.once('end', resolve));
  return out;
}

const killedAfterFatal = `
  for (let i = 0; i < 5000; i++) log.info({ i, pad: 'x'.repeat(100) }, 'a line before');
  log.fatal('why the hub is going');
  process.kill(process.pid, 'SIGKILL');
`;

it.each(['json', 'pretty'] as const)(
  'writes the lines waiting and the fatal line before a kill that follows it (%s)',
  async (format) => {
    const out = await stdoutOf(killedAfterFatal, format);
    const lines = out.split('\n').filter((line) => line !== '');
    // Before, in the terminal's format: the chunk under way at most (a few hundred lines), the fatal line not among them.
    expect(lines).toHaveLength(5001);
    expect(lines.at(-1)).toContain('why the hub is going');
  },
  60_000,
);

it('begins the line after a fatal flush that gave up on its own line, not glued to the line it cut', async () => {
  dir = tempDir('review-s72-fatal-flush');
  const fifo = path.join(dir, 'stdout');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  readEnd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const chunks: Buffer[] = [];
  const readAll = (): void => {
    for (;;) {
      const chunk = Buffer.alloc(65536);
      let n: number;
      try {
        n = fs.readSync(readEnd!, chunk);
      } catch {
        // EAGAIN: all read.
        return;
      }
      if (n === 0) return;
      chunks.push(chunk.subarray(0, n));
    }
  };
  const { proc, stderr } = onHubLogger(
    `
    process.on('SIGUSR2', () => {
      log.info('the line after the fatal one');
      setTimeout(() => process.exit(0), 100);
    });
    let i = 0;
    const turn = () => {
      for (let k = 0; k < 200; k++) log.info({ i: i++, pad: 'x'.repeat(100) }, 'a line before');
      if (i < 2000) return setImmediate(turn);
      // Later, stdout still stuck: the background's write back from libuv's thread, its chunk waiting for its retry.
      setTimeout(() => {
        log.fatal('the fatal line');
        process.stderr.write('fatal flushed, dropped ' + logLinesDropped() + '\\n');
        setInterval(() => {}, 1000);
      }, 300);
    };
    turn();
  `,
    'json',
    fs.openSync(fifo, 'w'),
  );
  child = proc;
  await waitFor(() => stderr().includes('fatal flushed'), 'the fatal flush to give up', 60_000);
  readAll();
  // What stdout took ends with a line cut short: the flush wrote part of a chunk (pipes take what fits) and gave up.
  expect(Buffer.concat(chunks).at(-1)).not.toBe(10);
  proc.kill('SIGUSR2');
  await waitFor(() => proc.exitCode !== null || proc.signalCode !== null, 'the process to end', 60_000);
  readAll();
  const lines = Buffer.concat(chunks)
    .toString()
    .split('\n')
    .filter((line) => line !== '');
  const unreadable = lines.filter((line) => {
    try {
      JSON.parse(line);
      return false;
    } catch {
      return true;
    }
  });
  // At most the cut line (counted among the dropped; whole JSON when only its newline was missing). Before: the cut
  // line and the next glued into one, so no line said 'the line after the fatal one' on its own.
  expect(unreadable.length).toBeLessThanOrEqual(1);
  expect(JSON.parse(lines.at(-1)!)).toMatchObject({ msg: 'the line after the fatal one' });
}, 120_000);
