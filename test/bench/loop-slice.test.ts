// The traced hub's short scheduling slice (native/sched-slice.c, bench/loopSlice.ts, `hotPathTrace --loop-slice`):
// the calling thread gets the slice asked for, the process's other threads keep the default, bad input is refused,
// and without the addon nothing is thrown.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { LOOP_SLICE_NS, requestLoopSlice, schedSliceLibrary } from '../../bench/loopSlice.js';

const run = promisify(execFile);

/**
 * In a process of its own (the request stays with the thread that makes it): a worker thread started first, then
 * the main thread asks for `ns`; answers what the addon returned and every thread's `se.slice` as the scheduler shows
 * it (/proc/self/task/<tid>/sched), the main thread's first.
 */
async function askInChild(ns: unknown): Promise<{ set: number | string; slices: number[] }> {
  const script = `
    const fs = require('fs');
    const { Worker } = require('worker_threads');
    const m = { exports: {} };
    process.dlopen(m, ${JSON.stringify(schedSliceLibrary())});
    const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
    w.on('online', () => {
      let set;
      try { set = m.exports.setSlice(${JSON.stringify(ns)}); } catch (e) { set = e.message; }
      const slice = (tid) => {
        const s = /^se\\.slice\\s*:\\s*(\\d+)/m.exec(fs.readFileSync('/proc/self/task/' + tid + '/sched', 'utf8'));
        return s ? Number(s[1]) : null;
      };
      const tids = fs.readdirSync('/proc/self/task').map(Number).filter((t) => t !== process.pid);
      console.log(JSON.stringify({ set, slices: [slice(process.pid), ...tids.map(slice)] }));
      process.exit(0);
    });`;
  const { stdout } = await run(process.execPath, ['-e', script], { timeout: 30_000 });
  return JSON.parse(stdout) as { set: number | string; slices: number[] };
}

const linuxAddon = process.platform === 'linux' && fs.existsSync(schedSliceLibrary());
/** Whether this kernel keeps a slice per task (Linux 6.12 on): from its version, not from the addon under test. */
function kernelAtLeast(major: number, minor: number): boolean {
  const [a = 0, b = 0] = os.release().split(/[.-]/).map(Number);
  return a > major || (a === major && b >= minor);
}
const kernelKeepsSlices = linuxAddon && kernelAtLeast(6, 12);

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the loop slice addon', () => {
  it.runIf(kernelKeepsSlices)(
    'gives the calling thread the slice asked for, and no other thread of the process',
    async () => {
      const { set, slices } = await askInChild(LOOP_SLICE_NS);
      const [main, ...others] = slices;
      expect(set).toBe(LOOP_SLICE_NS);
      expect(main).toBe(LOOP_SLICE_NS);
      // V8's and libuv's threads and the worker: the kernel's default, 0.7 ms × (1 + log2 cores).
      expect(others.length).toBeGreaterThan(0);
      for (const slice of others) expect(slice).toBeGreaterThanOrEqual(700_000);
      // 0 gives the thread the default back.
      const reset = await askInChild(0);
      expect(reset.slices[0]).toBe(others[0]);
    },
  );

  it.runIf(linuxAddon)('refuses a slice that is not a number of nanoseconds with a clear error', async () => {
    for (const bad of [-1, 'x', 2e9]) {
      expect((await askInChild(bad)).set).toBe('setSlice(ns): ns must be a number of nanoseconds, 0 to 1e9');
    }
  });

  it('is reported not applied, not thrown, when the addon is not there', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-loop-slice-'));
    const outcome = requestLoopSlice(LOOP_SLICE_NS, path.join(dir, 'none.node'));
    expect(outcome).toEqual({ applied: false, reason: expect.stringContaining('not built') });
  });
});
