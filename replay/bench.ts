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
}

/**
 * Generates `days` days of `homes` homes as NDJSON text (not timed), then times the whole replay path
 * on it: line splitting, JSON parsing, validation, every rule, the 24 h drain.
 */
export async function measureReplay(homes: number, days: number): Promise<ReplayBenchResult> {
  const text = syntheticNdjson(homes, days);
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += 1 << 20) chunks.push(text.slice(i, i + (1 << 20)));
  let alerts = 0;
  const replayer = new Replayer({ onAlert: () => alerts++ });
  const started = performance.now();
  await replayStream(Readable.from(chunks), replayer);
  const stats = replayer.finish();
  const wallMs = performance.now() - started;
  return {
    homes,
    days,
    events: stats.events,
    alerts,
    wallMs: Math.round(wallMs),
    eventsPerSecond: Math.round((stats.events / wallMs) * 1000),
  };
}

export function formatReplayBench(r: ReplayBenchResult): string {
  return `replay: ${r.homes} home(s) x ${r.days} days = ${r.events.toLocaleString('en-GB')} events, ${r.alerts} alerts, ${(r.wallMs / 1000).toFixed(2)} s, ${r.eventsPerSecond.toLocaleString('en-GB')} events/s (target 300,000)\n`;
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
