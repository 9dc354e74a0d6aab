// A short scheduling slice for the traced hub's event loop (native/sched-slice.c; `hotPathTrace --loop-slice NS`):
// woken by a press, it may take a core from a thread of a longer slice at once instead of waiting for that thread's
// slice to run out (Linux 6.12+, EEVDF's PREEMPT_SHORT). Its CPU share is unchanged. An experiment, not the hub's:
// session 32 could not show a gain at load 18-35 (docs/performance.md); it needs an idle-machine pair.
import { existsSync } from 'node:fs';
import { builtNativeFile } from '../hub/native-path.js';

/**
 * The kernel's smallest slice (0.1 ms). The loop's work per wake-up is a fraction of a millisecond; the kernel's
 * default is 0.7 ms × (1 + log2 cores), 1.4 ms on 2 cores and 2.1 ms on 4.
 */
export const LOOP_SLICE_NS = 100_000;

interface SliceAddon {
  setSlice(ns: number): number;
  slice(): number;
}

/** The addon `npm run build` compiles (native/build-sched-slice.mjs); absent without a C compiler or on another OS. */
export function schedSliceLibrary(callerUrl: string = import.meta.url): string {
  return builtNativeFile('telecare-sched-slice.node', callerUrl);
}

function load(library: string): SliceAddon | { unavailable: string } {
  if (!existsSync(library))
    return { unavailable: `${library} not built (no C compiler or Node headers, or not Linux)` };
  try {
    const mod = { exports: {} as Partial<SliceAddon> };
    process.dlopen(mod, library);
    const { setSlice, slice } = mod.exports;
    if (typeof setSlice !== 'function' || typeof slice !== 'function')
      return { unavailable: `${library}: no setSlice()` };
    return { setSlice, slice };
  } catch (err) {
    return { unavailable: (err as Error).message };
  }
}

export type LoopSliceOutcome =
  /** The kernel took the request: the calling thread's slice is now `sliceNs`. */
  | { applied: true; sliceNs: number }
  /** Not applied: no addon, the call failed, or a kernel without per-task slices (before Linux 6.12). */
  | { applied: false; reason: string };

/**
 * Asks for `ns` as the calling thread's slice (call it on the event loop's thread: threads started afterwards keep
 * the default). Never throws: the trace runs as before when it cannot.
 */
export function requestLoopSlice(ns: number = LOOP_SLICE_NS, library: string = schedSliceLibrary()): LoopSliceOutcome {
  const addon = load(library);
  if (!('setSlice' in addon)) return { applied: false, reason: addon.unavailable };
  try {
    const sliceNs = addon.setSlice(ns);
    // A kernel without per-task slices keeps its default (or says 0): the request changed nothing.
    return sliceNs === ns ? { applied: true, sliceNs } : { applied: false, reason: `the kernel keeps ${sliceNs} ns` };
  } catch (err) {
    return { applied: false, reason: (err as Error).message };
  }
}
