// A hub whose stdout is a FIFO nobody reads (its 64 KiB full with the start's lines) until the test releases it: the
// stage of the reviews of the log's synchronous flush at exit (sessions 72 and 74).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import { ADMIN_PASSWORD, cliPath, freePort } from './helpers.js';

/** The drop notice's message, as the hub writes it (hub/logger.ts). */
export const NOTICE = 'log lines dropped: stdout took too long to take them; the newest follow';

/**
 * Loaded before the hub (`--import`): the first synchronous write to stdout that holds the drop notice says so on
 * stderr and waits, before it writes, for a byte on stdin (the test's "the reader is back"). `more` is code run after
 * it, in the same module (`fs` imported).
 */
function holdAtNotice(more: string): string {
  return `
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
${more}
syncBuiltinESMExports();
`;
}

/** The environment of a `telecare hub` on `config` and `dataDir` with `mqttPort`, its log JSON lines at `info`. */
export async function jsonLogHubEnv(config: string, dataDir: string, mqttPort: number): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    HUB_MQTT_PORT: String(mqttPort),
    HUB_HTTP_PORT: String(await freePort()),
    HUB_HOST: '127.0.0.1',
    HUB_LOG_LEVEL: 'info',
    HUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
    HUB_DATA_DIR: dataDir,
    HUB_CONFIG: config,
    HUB_LOG_FORMAT: 'json',
  };
}

/** A hub on a stuck stdout: `release` empties the FIFO, lets a held child write, and reads to the end. */
export interface StuckHub {
  hub: ChildProcess;
  /** What the child wrote on stderr so far. */
  stderr: () => string;
  /** All the FIFO held, in order, once every writer is gone (the child ended). */
  release: () => Promise<string>;
  /** The FIFO's read end, for the test to close after. */
  readEnd: number;
}

/**
 * The hub (`hub`) on `config`, JSON lines to a FIFO in `folder` nobody reads until `release`: `release` empties the
 * FIFO, lets the child write (if it is held at the drop notice), and reads to the end (every writer gone). `preload`:
 * more code for the child's preload (see `holdAtNotice`).
 */
export async function hubOnStuckStdout(
  folder: string,
  config: string,
  mqttPort: number,
  preload = '',
): Promise<StuckHub> {
  const preloadFile = path.join(folder, 'hold-at-notice.mjs');
  fs.writeFileSync(preloadFile, holdAtNotice(preload));
  const fifo = path.join(folder, 'stdout');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const readEnd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writeEnd = fs.openSync(fifo, 'w');
  const hub = spawn(process.execPath, ['--import', pathToFileURL(preloadFile).href, cliPath, 'hub'], {
    env: await jsonLogHubEnv(config, path.join(folder, 'data'), mqttPort),
    stdio: ['pipe', writeEnd, 'pipe'],
  });
  fs.closeSync(writeEnd);
  // The child gone before the test's byte: nothing to say.
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
  return { hub, stderr: () => err, release, readEnd };
}

/** Whether the hub is held at the drop notice, or ended (it never tried one). */
export async function heldOrEnded(hub: ChildProcess, stderr: () => string): Promise<void> {
  await waitFor(
    () => stderr().includes('held at the drop notice') || hub.exitCode !== null || hub.signalCode !== null,
    `process ${hub.pid} to try the drop notice or end`,
    60_000,
  );
}

/** The whole JSON lines of `text` (a last one cut short left out: `cut`). */
export function jsonLines(text: string): {
  cut: boolean;
  lines: { level: number; msg: string; droppedLines?: number; droppedBytes?: number }[];
} {
  const lines = text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as { level: number; msg: string });
  return { cut: !text.endsWith('\n'), lines };
}
