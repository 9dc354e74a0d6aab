// Replay throughput: simulated events (made in memory, not timed) pushed through every rule by the replay library.
import { Replayer } from '../replay/replay.js';
import { simulate, type SimEvent } from '../simulate/generator.js';
import { schemeConfig } from '../simulate/layout.js';

export interface ReplayThroughput {
  events: number;
  seconds: number;
  eventsPerS: number;
  alerts: number;
}

const CHUNK = 50_000;
const TIME_ZONE = 'Europe/London';

export function measureReplay(homes: number, days: number, seed: number): ReplayThroughput {
  const replayer = new Replayer({ homes: schemeConfig(homes, TIME_ZONE).homes });
  const source = simulate({ homes, days, start: '2026-01-05', seed, timeZone: TIME_ZONE });
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
