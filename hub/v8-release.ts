// V8's committed heap pages given back once the hub has started (native/v8-release.cc: a critical memory-pressure
// notification, the compacting collection V8's memory reducer runs on its own only after seconds to minutes). Once,
// on a timer that does not keep the process alive, when the event loop has been idle: the collection runs on the loop
// (20-60 ms of CPU on this machine; docs/performance.md, session 32).
import { performance } from 'node:perf_hooks';
import { builtNativeFile, loadAddonFunction } from './native-path.js';

/** The addon `npm run build` compiles (native/build-v8-release.mjs); absent without a C++ compiler or Node's headers. */
export function v8ReleaseLibrary(callerUrl: string = import.meta.url): string {
  return builtNativeFile('telecare-v8-release.node', callerUrl);
}

/** Runs V8's memory-reducing collection now, on the calling thread. */
export type ReleaseFunction = () => void;

/** The addon's release, or why there is none (not built, does not load). */
export function loadV8Release(library = v8ReleaseLibrary()): ReleaseFunction | { unavailable: string } {
  return loadAddonFunction(library, 'release', 'no C++ compiler or Node headers');
}

/** After start: the start-up's last lazy imports and first timers done, before V8 would on its own. */
export const V8_RELEASE_AFTER_MS = 2_000;
/**
 * The loop counts as idle when it was busy less than this share of the last wait: an idle flat's loop is busy ~0.1 %;
 * presses every few ms (the latency bench) keep it above 2 %, and a collection then would hold up a run of them.
 */
export const V8_RELEASE_IDLE_BELOW = 0.02;
/** A loop busy at every check (traffic from the start) is not made to wait for the collection: given up after this. */
export const V8_RELEASE_TRIES = 30;

/**
 * What one release did (MB: V8's committed and used heap before and after; the collection's wall time on the loop and
 * the process's CPU time meanwhile, V8's helper threads included).
 */
export interface V8ReleaseResult {
  committedBefore: number;
  committedAfter: number;
  usedAfter: number;
  ms: number;
  cpuMs: number;
}

export interface V8Releaser {
  /** False when the addon is not there (then nothing runs). */
  readonly available: boolean;
  /** Idle checks made; releases run (0 or 1). */
  readonly checks: number;
  readonly released: number;
  stop(): void;
}

/** The share of the last interval the loop was busy (Node's event loop utilisation), from one call to the next. */
function loopBusyMeter(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return share;
  };
}

const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;

/**
 * Releases V8's heap pages once, `afterMs` after the call, when the loop was busy less than `idleBelow` of the wait
 * (otherwise checks again each `afterMs`, at most `tries` times). The collection itself runs from setImmediate, after
 * the I/O the loop has already been told of. `done` is told what it did.
 */
export function scheduleV8Release(
  options: {
    afterMs?: number;
    idleBelow?: number;
    tries?: number;
    release?: ReleaseFunction | { unavailable: string };
    busy?: () => number;
    done?: (result: V8ReleaseResult) => void;
  } = {},
): V8Releaser {
  const release = options.release ?? loadV8Release();
  if (typeof release !== 'function') return { available: false, checks: 0, released: 0, stop: () => undefined };
  const afterMs = options.afterMs ?? V8_RELEASE_AFTER_MS;
  const idleBelow = options.idleBelow ?? V8_RELEASE_IDLE_BELOW;
  const tries = options.tries ?? V8_RELEASE_TRIES;
  const busy = options.busy ?? loopBusyMeter();
  let checks = 0;
  let released = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const run = (): void => {
    immediate = undefined;
    if (stopped) return;
    const before = process.memoryUsage();
    const started = performance.now();
    const cpu = process.cpuUsage();
    try {
      release();
    } catch {
      // No isolate on this thread (cannot happen on the main thread): the pages stay until V8's memory reducer runs.
      return;
    }
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    released += 1;
    const after = process.memoryUsage();
    options.done?.({
      committedBefore: mb(before.heapTotal),
      committedAfter: mb(after.heapTotal),
      usedAfter: mb(after.heapUsed),
      ms: Math.round(ms * 10) / 10,
      cpuMs: Math.round((used.user + used.system) / 100) / 10,
    });
  };
  const check = (): void => {
    timer = undefined;
    checks += 1;
    if (busy() < idleBelow) {
      immediate = setImmediate(run);
      immediate.unref();
    } else if (checks < tries) {
      timer = setTimeout(check, afterMs);
      timer.unref();
    }
  };
  timer = setTimeout(check, afterMs);
  timer.unref();
  return {
    available: true,
    get checks() {
      return checks;
    },
    get released() {
      return released;
    },
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}
