// Replay throughput: simulated events (made in memory, not timed) pushed through every rule by the replay library.
import { Readable } from 'node:stream';
import { Replayer } from '../replay/replay.js';
import { replayStream } from '../replay/stream.js';
import { simulate, toReplayLine, type SimEvent } from '../simulate/generator.js';
import { schemeConfig } from '../simulate/layout.js';

export interface ReplayThroughput {
  events: number;
  seconds: number;
  eventsPerS: number;
  alerts: number;
}

export interface NdjsonReplayThroughput extends ReplayThroughput {
  /** JSON.parse alone over the same lines, in the same run: the ceiling on this machine at this moment. */
  parseOnlyPerS: number;
}

const CHUNK = 50_000;
const TIME_ZONE = 'Europe/London';
const START = '2026-01-05';
const TEXT_CHUNK_CHARS = 1 << 20;

export function measureReplay(homes: number, days: number, seed: number): ReplayThroughput {
  const replayer = new Replayer({ homes: schemeConfig(homes, TIME_ZONE).homes });
  const source = simulate({ homes, days, start: START, seed, timeZone: TIME_ZONE });
  let events = 0;
  let timedMs = 0;
  for (;;) {
    const chunk: SimEvent[] = [];
    while (chunk.length < CHUNK) {
      const next = source.next();
      if (next.done) break;
      chunk.push(next.value);
    }
    if (chunk.length === 0) break;
    const started = performance.now();
    for (const e of chunk) replayer.push(e);
    timedMs += performance.now() - started;
    events += chunk.length;
  }
  const started = performance.now();
  const stats = replayer.finish();
  timedMs += performance.now() - started;
  return { events, seconds: timedMs / 1000, eventsPerS: events / (timedMs / 1000), alerts: stats.alerts };
}

/**
 * The whole `telecare replay` path on NDJSON text as `telecare simulate` writes it (made first, not
 * timed): line splitting, JSON parsing, validation, every rule, the drain. Input arrives in 1 MiB
 * chunks, as from a file.
 */
export async function measureNdjsonReplay(homes: number, days: number, seed: number): Promise<NdjsonReplayThroughput> {
  const lines: string[] = [];
  for (const e of simulate({ homes, days, start: START, seed, timeZone: TIME_ZONE })) lines.push(toReplayLine(e));
  const text = `${lines.join('\n')}\n`;
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += TEXT_CHUNK_CHARS) chunks.push(text.slice(i, i + TEXT_CHUNK_CHARS));
  const replayer = new Replayer({ homes: schemeConfig(homes, TIME_ZONE).homes });
  const started = performance.now();
  await replayStream(Readable.from(chunks), replayer);
  const stats = replayer.finish();
  const timedMs = performance.now() - started;
  if (stats.events !== lines.length) throw new Error(`replay accepted ${stats.events} of ${lines.length} lines`);
  const parseStarted = performance.now();
  let parsed = 0;
  for (const line of lines) if (JSON.parse(line) !== null) parsed++;
  const parseMs = performance.now() - parseStarted;
  return {
    events: stats.events,
    seconds: timedMs / 1000,
    eventsPerS: stats.events / (timedMs / 1000),
    alerts: stats.alerts,
    parseOnlyPerS: parsed / (parseMs / 1000),
  };
}
