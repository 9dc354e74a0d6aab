// The event loop's short scheduling slice (native/sched-slice.c, hub/sched-slice.ts): a hub process's main thread
// asks the kernel for 0.1 ms, its other threads keep the default, and a hub without the addon or the kernel feature
// starts as before.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { LOOP_SLICE_NS, requestLoopSlice, schedSliceLibrary } from '../../hub/sched-slice.js';
import { killHub, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

const run = promisify(execFile);

/** A thread's slice as the scheduler shows it (`se.slice` in /proc/<pid>/task/<tid>/sched), ns. */
function sliceOf(pid: number, tid: number): number {
  const sched = fs.readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8');
  const m = /^se\.slice\s*:\s*(\d+)/m.exec(sched);
  if (!m) throw new Error(`no se.slice in /proc/${pid}/task/${tid}/sched`);
  return Number(m[1]);
}

/**
 * Whether this kernel keeps a slice per task (Linux 6.12 on) and shows it: asked in a process of its own (the
 * request stays with the thread that makes it), through the built addon.
 */
async function kernelKeepsSlices(): Promise<boolean> {
  if (process.platform !== 'linux' || !fs.existsSync(schedSliceLibrary())) return false;
  const script = `
    const m = { exports: {} };
    process.dlopen(m, ${JSON.stringify(schedSliceLibrary())});
    const set = m.exports.setSlice(${LOOP_SLICE_NS});
    const shown = /^se\\.slice\\s*:\\s*(\\d+)/m.exec(require('fs').readFileSync('/proc/thread-self/sched', 'utf8'));
    console.log(JSON.stringify({ set, shown: shown ? Number(shown[1]) : null }));`;
  try {
    const { stdout } = await run(process.execPath, ['-e', script], { timeout: 30_000 });
    const { set, shown } = JSON.parse(stdout) as { set: number; shown: number | null };
    return set === LOOP_SLICE_NS && shown === LOOP_SLICE_NS;
  } catch {
    return false;
  }
}

const slices = await kernelKeepsSlices();

let hub: HubProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the event loop slice', () => {
  it.runIf(slices)(
    "a hub process's main thread runs with a 0.1 ms slice, its other threads with the default",
    async () => {
      dir = tempDir('sched-slice');
      hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) });
      const pid = hub.child.pid!;
      expect(sliceOf(pid, pid)).toBe(LOOP_SLICE_NS);
      // V8's and libuv's threads, the checkpoint and the fsync threads: not asked, so the kernel's default (which
      // depends on the number of cores: 0.7 ms × (1 + log2 cores)).
      const others = fs
        .readdirSync(`/proc/${pid}/task`)
        .map(Number)
        .filter((tid) => tid !== pid);
      expect(others.length).toBeGreaterThan(0);
      for (const tid of others) {
        try {
          expect(sliceOf(pid, tid)).toBeGreaterThanOrEqual(700_000);
        } catch (err) {
          // A thread that ended between the listing and the read has no file left to read.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    },
  );

  it.runIf(process.platform === 'linux' && fs.existsSync(schedSliceLibrary()))(
    'the addon refuses a slice that is not a number of nanoseconds with a clear error',
    async () => {
      const script = `
        const m = { exports: {} };
        process.dlopen(m, ${JSON.stringify(schedSliceLibrary())});
        const errors = [];
        for (const bad of [-1, 'x', 2e9]) { try { m.exports.setSlice(bad); } catch (e) { errors.push(e.message); } }
        console.log(JSON.stringify(errors));`;
      const { stdout } = await run(process.execPath, ['-e', script], { timeout: 30_000 });
      expect(JSON.parse(stdout)).toEqual(Array(3).fill('setSlice(ns): ns must be a number of nanoseconds, 0 to 1e9'));
    },
  );

  it('is reported not applied, not thrown, when the addon is not there', () => {
    dir = tempDir('sched-slice');
    const outcome = requestLoopSlice(LOOP_SLICE_NS, path.join(dir, 'none.node'));
    expect(outcome).toEqual({ applied: false, reason: expect.stringContaining('not built') });
  });
});
