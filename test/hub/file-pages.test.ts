// The file pages only the start-up read, dropped from the hub's resident set once after start (native/malloc-trim.c's
// releaseFilePages, hub/malloc-trim.ts, hub/main.ts; docs/performance.md, "Memory of one home (session 38)"): the
// addon really takes the node binary's and the libraries' clean pages out of the process's RSS and the process runs on
// (its code read back from the page cache); a one-flat hub as `npm start` runs it is then under SPEC 11's 60 MB and
// still raises a pendant alert.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hubLaunch } from '../../bench/hubProcess.js';
import { mallocTrimLibrary, releaseFilePagesOnce, type FilePagesFunction } from '../../hub/malloc-trim.js';
import { killHub, pendantAlert, projectRoot, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

const run = promisify(execFile);
const built = fs.existsSync(mallocTrimLibrary());
const linux = process.platform === 'linux';

let hub: HubProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A /proc/<pid>/status field in MB. */
function statusMb(pid: number | 'self', field: 'VmRSS' | 'RssFile' | 'RssAnon'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
}

describe('releaseFilePages (native/malloc-trim.c)', () => {
  it.runIf(built && linux)(
    'takes the clean pages of the binary and the libraries out of the resident set, and the process runs on',
    async () => {
      // A process of its own with the hub's heaviest libraries loaded (Fastify, better-sqlite3: the addon's symbol
      // look-ups, Node's built-in modules' source), then one release; afterwards it loads a module it had not, runs
      // SQLite and zlib (code paths whose pages were dropped) and prints the results.
      const script = `
        const m = { exports: {} };
        process.dlopen(m, ${JSON.stringify(mallocTrimLibrary())});
        const fileKb = () => Number(/RssFile:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
        require('fastify');
        const Database = require('better-sqlite3');
        const before = fileKb();
        m.exports.releaseFilePages((err, bytes) => {
          const after = fileKb();
          const db = new Database(':memory:');
          const sum = db.prepare('SELECT 20 + 22 AS n').get().n;
          const zlib = require('zlib');
          const text = zlib.gunzipSync(zlib.gzipSync('still here')).toString();
          console.log(JSON.stringify({ err, bytes, before, after, sum, text }));
        });`;
      const { stdout } = await run(process.execPath, ['-e', script], { cwd: projectRoot, timeout: 30_000 });
      const result = JSON.parse(stdout) as {
        err: null;
        bytes: number;
        before: number;
        after: number;
        sum: number;
        text: string;
      };
      expect(result.err).toBeNull();
      expect(result).toMatchObject({ sum: 42, text: 'still here' });
      // The mappings held most of the file pages (measured: 40.5 MB of 40.2 MB RssFile and the addons');
      // afterwards under half of them are resident (measured: 10.6 MB).
      expect(result.bytes / 1024).toBeGreaterThan(result.before / 2);
      expect(result.after).toBeLessThan(result.before / 2);
    },
  );

  it('without the addon nothing is queued; an addon that throws is reported, not thrown', () => {
    const done = vi.fn();
    expect(releaseFilePagesOnce(done, { unavailable: 'not built' })).toBe(false);
    expect(done).not.toHaveBeenCalled();
    const throwing: FilePagesFunction = () => {
      throw new Error('could not queue the work');
    };
    expect(releaseFilePagesOnce(done, throwing)).toBe(true);
    expect(done).toHaveBeenCalledWith({ error: 'could not queue the work' });
    const fake: FilePagesFunction = (callback) => callback(null, 31_400_000);
    releaseFilePagesOnce(done, fake);
    expect(done).toHaveBeenLastCalledWith({ mb: 31.4 });
    const failing: FilePagesFunction = (callback) => callback(new Error('madvise failed'), 0);
    releaseFilePagesOnce(done, failing);
    expect(done).toHaveBeenLastCalledWith({ error: 'madvise failed' });
  });
});

describe("a one-flat hub with npm start's flags", () => {
  it.runIf(built && linux)(
    'drops the start-up’s file pages once, is under 60 MB resident after it, and still raises a pendant alert',
    async () => {
      const { flags, env } = hubLaunch(
        (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { scripts: { start: string } })
          .scripts.start,
        undefined,
      );
      dir = tempDir('file-pages-hub');
      hub = await spawnHub(
        { ...env, HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) },
        60_000,
        undefined,
        flags,
      );
      const h = hub;
      const pid = h.child.pid ?? 0;
      const drops = (): Record<string, unknown>[] =>
        h
          .stdout()
          .split('\n')
          .filter((line) => line.includes('file pages read at start dropped'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      await vi.waitFor(() => expect(drops()).toHaveLength(1), { timeout: 45_000, interval: 100 });
      const mappedMb = Number(drops()[0]?.mappedMb);
      // Main's one-flat hub: 68-75 MB resident idle, 46 MB of it these file pages (docs/performance.md, session 38).
      expect(mappedMb).toBeGreaterThan(20);
      expect(statusMb(pid, 'RssFile')).toBeLessThan(mappedMb / 2);
      expect(statusMb(pid, 'VmRSS')).toBeLessThan(60);
      expect(await pendantAlert(h.mqttPort)).toMatchObject({ kind: 'pendant' });
      // Once: the press brought no second drop.
      expect(drops()).toHaveLength(1);
    },
  );
});
