// Percentiles and summaries of latency samples (nearest-rank, as latency reports usually quote them).

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
