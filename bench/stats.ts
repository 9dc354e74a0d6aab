// Percentiles and summaries of latency samples (nearest-rank, as latency reports usually quote them).
import fs from 'node:fs';

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/**
 * CPU time the process has run so far, µs (user + system, every thread; precise to the microsecond on Linux, unlike
 * `/proc/thread-self/schedstat`, which moves by scheduler ticks): a cost per press that the neighbours' load does
 * not inflate the way it inflates wall time. Take the median of many presses: a garbage collector's or the disk
 * thread's work now and then lands in a window.
 */
export function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** One thread's scheduler account (Linux `/proc/<pid>/task/<tid>/schedstat`): ns on a CPU, ns runnable but waiting. */
export interface ThreadSched {
  tid: number;
  /** The thread's name (`comm`: `node`, `libuv-worker`, `V8Worker`, a worker's `WorkerThread`, ...). */
  name: string;
  runNs: number;
  /** Run-queue wait: time the thread was runnable but another thread held the core. */
  waitNs: number;
  slices: number;
}

const threadNames = new Map<string, string>();

/**
 * Every thread of process `pid` with its scheduler account; empty where /proc has no schedstat (not Linux). Cheap
 * enough (one small read per thread) to take around each press, outside its timed window.
 */
export function threadScheds(pid: number = process.pid): ThreadSched[] {
  const dir = `/proc/${pid}/task`;
  let tids: string[];
  try {
    tids = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: ThreadSched[] = [];
  for (const tid of tids) {
    try {
      const [runNs = 0, waitNs = 0, slices = 0] = fs
        .readFileSync(`${dir}/${tid}/schedstat`, 'utf8')
        .trim()
        .split(' ')
        .map(Number);
      const key = `${pid}/${tid}`;
      let name = threadNames.get(key);
      if (name === undefined) {
        name = fs.readFileSync(`${dir}/${tid}/comm`, 'utf8').trim();
        threadNames.set(key, name);
      }
      out.push({ tid: Number(tid), name, runNs, waitNs, slices });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}
