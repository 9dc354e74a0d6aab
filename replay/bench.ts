// Replay throughput (SPEC 11: >= 300,000 events/s through all rules) on generated homes; `telecare bench` calls it.
import { Readable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Replayer } from './replay.js';
import { replayStream } from './stream.js';
import { syntheticNdjson } from './synthetic.js';

export interface ReplayBenchResult {
  homes: number;
  days: number;
  events: number;
  alerts: number;
  wallMs: number;
  eventsPerSecond: number;
  /** The first run alone (it also pays for compiling the hot path). */
  firstRunPerSecond: number;
  /** JSON.parse alone over the same lines, in the same run: the ceiling on this machine at this moment. */
  parseOnlyPerSecond: number;
}

/**
 * Generates `days` days of `homes` homes as NDJSON text (not timed), then times the whole replay path
 * on it: line splitting, JSON parsing, validation, every rule, the 24 h drain. The best of `runs`
 * runs is kept (the first one also pays for compiling the hot path).
 */
export async function measureReplay(homes: number, days: number, runs = 3): Promise<ReplayBenchResult> {
  const text = syntheticNdjson(homes, days);
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += 1 << 20) chunks.push(text.slice(i, i + (1 << 20)));
  let wallMs = Infinity;
  let firstMs = 0;
  let alerts = 0;
  let events = 0;
  for (let run = 0; run < runs; run++) {
    let runAlerts = 0;
    const replayer = new Replayer({ onAlert: () => runAlerts++ });
    const started = performance.now();
    await replayStream(Readable.from(chunks), replayer);
    const stats = replayer.finish();
    const runMs = performance.now() - started;
    if (run === 0) firstMs = runMs;
    wallMs = Math.min(wallMs, runMs);
    alerts = runAlerts;
    events = stats.events;
  }
  const parseStarted = performance.now();
  let parsed = 0;
  for (let start = 0, nl = text.indexOf('\n'); nl >= 0; start = nl + 1, nl = text.indexOf('\n', start)) {
    if (JSON.parse(text.slice(start, nl)) !== null) parsed++;
  }
  const parseMs = performance.now() - parseStarted;
  return {
    homes,
    days,
    events,
    alerts,
    wallMs: Math.round(wallMs),
    eventsPerSecond: Math.round((events / wallMs) * 1000),
    firstRunPerSecond: Math.round((events / firstMs) * 1000),
    parseOnlyPerSecond: Math.round((parsed / parseMs) * 1000),
  };
}

export function formatReplayBench(r: ReplayBenchResult): string {
  return `replay: ${r.homes} home(s) x ${r.days} days = ${r.events.toLocaleString('en-GB')} events, ${r.alerts} alerts, ${(r.wallMs / 1000).toFixed(2)} s, ${r.eventsPerSecond.toLocaleString('en-GB')} events/s best of runs, ${r.firstRunPerSecond.toLocaleString('en-GB')} the first (target 300,000; JSON.parse alone on these lines, same run: ${r.parseOnlyPerSecond.toLocaleString('en-GB')}/s)\n`;
}

async function main(): Promise<void> {
  process.stdout.write(formatReplayBench(await measureReplay(1, 365)));
  process.stdout.write(formatReplayBench(await measureReplay(200, 7)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
