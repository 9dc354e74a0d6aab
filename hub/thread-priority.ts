// Lowers the scheduling priority of the calling thread (Linux: one thread's nice), so the hub's background threads yield to the alert loop.
import fs from 'node:fs';
import os from 'node:os';
import { debuglog } from 'node:util';
import { mallocTrimLibrary } from './malloc-trim.js';
import { loadAddonFunction } from './native-path.js';

/**
 * How much nicer than the hub's main thread a background thread runs. Under CFS/EEVDF a nice-10 thread weighs 110
 * against 1,024 for nice 0: on a contended core it gets about a tenth of the time while the alert loop wants it,
 * and all of it when the loop sleeps, so its work (a checkpoint, a review, a password hash) still finishes.
 */
export const BACKGROUND_NICE_STEP = 10;

/** The highest nice value Linux knows (the lowest priority). */
const MAX_NICE = 19;

const debug = debuglog('telecare-thread-priority');
let failureLogged = false;
let idleFailureLogged = false;

/**
 * This thread's id as the kernel knows it (`/proc/thread-self` links to `<pid>/task/<tid>`); undefined where /proc
 * has no such link (not Linux).
 */
export function currentThreadId(): number | undefined {
  try {
    const tid = Number(lastSegment(fs.readlinkSync('/proc/thread-self')));
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

function lastSegment(link: string): string {
  return link.slice(link.lastIndexOf('/') + 1);
}

/**
 * Makes the calling thread `step` nicer than it is (relative, so a hub started at nice -5 runs its background
 * threads at +5), never past 19. Linux applies setpriority(PRIO_PROCESS, tid) to one thread, and any user may lower
 * a thread's priority, so this needs no privilege. Only ever called from a thread that does no alert-path work:
 * threads it starts later inherit the value. On another system or on failure it changes nothing and says so once
 * (NODE_DEBUG=telecare-thread-priority). Returns the thread's nice value after the call, or undefined if unchanged.
 */
export function lowerThisThreadPriority(what: string, step: number = BACKGROUND_NICE_STEP): number | undefined {
  const tid = process.platform === 'linux' ? currentThreadId() : undefined;
  try {
    if (tid === undefined) throw new Error(`no per-thread priority on ${process.platform}`);
    const nice = Math.min(MAX_NICE, os.getPriority(tid) + step);
    os.setPriority(tid, nice);
    return nice;
  } catch (err) {
    if (!failureLogged) {
      failureLogged = true;
      debug('%s thread keeps its priority: %s', what, (err as Error).message);
    }
    return undefined;
  }
}

/**
 * Puts the calling thread under SCHED_IDLE (native/malloc-trim.c `idleThisThread`, Linux): a normal thread that wakes,
 * the alert loop first, preempts it at once, where a nice-10 thread may finish its slice (docs/performance.md,
 * session 41: the review's presses). Only for work that can wait for a free core (the analytics worker: the hourly
 * review and the activity charts). Returns whether the kernel took it; without the addon or on refusal it changes
 * nothing and says so once (NODE_DEBUG=telecare-thread-priority), the thread keeping its nice value.
 */
export function idleThisThread(what: string, library: string = mallocTrimLibrary()): boolean {
  const idle = loadAddonFunction(library, 'idleThisThread', 'no C compiler, Node headers or glibc');
  let took = false;
  let why = 'the kernel refused SCHED_IDLE';
  if (typeof idle === 'function') {
    try {
      took = idle() === true;
    } catch (err) {
      why = (err as Error).message;
    }
  } else {
    why = idle.unavailable;
  }
  if (!took && !idleFailureLogged) {
    idleFailureLogged = true;
    debug('%s thread stays at its nice value: %s', what, why);
  }
  return took;
}
