// Freed memory given back to the kernel (native/malloc-trim.c, hub/malloc-trim.ts): the addon really returns glibc's
// free pages, the hub trims at start and then on a timer without ever running two at once, and a hub without the
// addon starts as before.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadMallocTrim, mallocTrimLibrary, startMallocTrim, type TrimFunction } from '../../hub/malloc-trim.js';
import { killHub, pendantAlert, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

const run = promisify(execFile);
const linux = process.platform === 'linux';

let hub: HubProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await killHub(hub);
  hub = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the malloc_trim addon', () => {
  it.runIf(linux)('gives back the pages of 30 MB of freed small blocks that glibc otherwise keeps', async () => {
    // A process of its own (npm start's malloc setting): 30,000 blocks of 1,000 bytes (each its own malloc, below
    // the mmap threshold, so inside glibc's heap), all freed but the last, which holds the heap's top in place so
    // glibc cannot give the space back by itself. Then RssAnon before and after one trim.
    const script = `
      const m = { exports: {} };
      process.dlopen(m, ${JSON.stringify(mallocTrimLibrary())});
      const anonKb = () => Number(/RssAnon:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
      let blocks = [];
      for (let i = 0; i < 30000; i++) blocks.push(Buffer.allocUnsafeSlow(1000));
      const last = blocks[blocks.length - 1];
      blocks = null;
      globalThis.gc();
      // V8 frees the buffers' memory on a background thread after the collection (concurrent array buffer
      // sweeping): on a loaded machine the trim could run before the blocks were freed, and gave back less (seen in
      // CI with other tests in parallel). Wait until V8 counts them freed.
      const freed = () => {
        if (process.memoryUsage().arrayBuffers > 1_000_000) return void setTimeout(freed, 10);
        const before = anonKb();
        m.exports.trim((err, released) => {
          console.log(JSON.stringify({ err, released, before, after: anonKb(), kept: last.length }));
        });
      };
      freed();`;
    const { stdout } = await run(process.execPath, ['--expose-gc', '-e', script], {
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' },
      // Stopped if it hangs (the buffers never counted freed): a failure, not a process left behind.
      timeout: 30_000,
    });
    const result = JSON.parse(stdout) as { err: null; released: boolean; before: number; after: number };
    expect(result.err).toBeNull();
    expect(result.released).toBe(true);
    // At least half of the 30 MB freed comes back (measured: 34 MB of 47 MB anonymous).
    expect(result.before - result.after).toBeGreaterThan(15_000);
  });

  it.runIf(linux)('refuses a call without a callback with a clear error', () => {
    const trim = loadMallocTrim();
    if (typeof trim !== 'function') throw new Error(`addon not loaded: ${trim.unavailable}`);
    expect(() => (trim as unknown as (x: number) => void)(5)).toThrow(/callback must be a function/);
  });

  it('is reported unavailable, not thrown, when the addon is not there', () => {
    dir = tempDir('trim');
    const missing = loadMallocTrim(path.join(dir, 'none.node'));
    expect(missing).toEqual({ unavailable: expect.stringContaining('not built') });
    const trimmer = startMallocTrim({ trim: missing });
    expect(trimmer.available).toBe(false);
    expect(trimmer.asked).toBe(0);
    trimmer.stop();
  });
});

describe('the hub trimming', () => {
  it('trims at start, then once per period, never two at once, and stops', () => {
    vi.useFakeTimers();
    const pending: ((err: Error | null, released: boolean) => void)[] = [];
    const trim: TrimFunction = (done) => pending.push(done);
    const trimmer = startMallocTrim({ everyMs: 1000, trim });
    expect(trimmer.asked).toBe(1);
    // The first has not finished: the next period does not start another.
    vi.advanceTimersByTime(1000);
    expect(trimmer.asked).toBe(1);
    pending.shift()?.(null, true);
    expect(trimmer.released).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(trimmer.asked).toBe(2);
    pending.shift()?.(null, false);
    vi.advanceTimersByTime(1000);
    expect(trimmer.asked).toBe(3);
    pending.shift()?.(new Error('x'), false);
    expect(trimmer.released).toBe(1);
    trimmer.stop();
    vi.advanceTimersByTime(10_000);
    expect(trimmer.asked).toBe(3);
  });

  it('a trim the addon cannot queue (it throws) is skipped: the hub runs on, the next period tries again', () => {
    vi.useFakeTimers();
    let calls = 0;
    const trim: TrimFunction = (done) => {
      calls += 1;
      if (calls === 1) throw new Error('trim: could not queue the work');
      done(null, true);
    };
    const trimmer = startMallocTrim({ everyMs: 1000, trim });
    expect(trimmer.released).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(trimmer.asked).toBe(2);
    expect(trimmer.released).toBe(1);
    trimmer.stop();
  });

  it.runIf(linux)('with the real addon: the start-up trim runs on the pool and its callback comes back', async () => {
    const trimmer = startMallocTrim({ everyMs: 3_600_000 });
    expect(trimmer.available).toBe(true);
    expect(trimmer.asked).toBe(1);
    // glibc gives back at least the pages this test process freed since it started.
    await vi.waitFor(() => expect(trimmer.released).toBe(1), { timeout: 15_000 });
    trimmer.stop();
  });

  it.runIf(linux)('a hub as installed has the addon loaded and raises a pendant alert', async () => {
    dir = tempDir('trim-hub');
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) });
    const maps = fs.readFileSync(`/proc/${hub.child.pid}/maps`, 'utf8');
    expect(maps).toContain('telecare-malloc-trim.node');
    expect(await pendantAlert(hub.mqttPort)).toMatchObject({ kind: 'pendant' });
  });
});
