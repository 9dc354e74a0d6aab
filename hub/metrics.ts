// Prometheus metrics: one registry per hub process, served on GET /metrics; modules add their own series.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { logLinesDropped } from './logger.js';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How often the process metrics sample the event loop's delay. */
export const EVENT_LOOP_SAMPLE_MS = 1_000;

export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  // The event loop's delay sampled once a second, not prom-client's default 10 ms: its libuv timer woke an idle hub 100
  // times a second (a Pi's CPU never resting); the lag histogram still takes every sample's delay (docs/performance.md,
  // "Session 66 review").
  if (options.processMetrics)
    collectDefaultMetrics({
      register: registry,
      prefix: 'telecare_',
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
  if (options.processMetrics)
    new Counter({
      name: 'telecare_log_lines_dropped_total',
      help: 'Log lines dropped because stdout was not taking them (a paused terminal, a journal not reading)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(logLinesDropped());
      },
    });
  return registry;
}
