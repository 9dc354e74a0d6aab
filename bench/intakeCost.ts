// The hub's own per-message work in ingest, without the broker: the same batches and the same work from run to run.
// `node dist/bench/intakeCost.js [--messages 40000] [--homes 200] [--per-turn 150]`: the bench's messages (a
// simulated day of 200 flats, as bench/ingestPublisher.ts makes them), each taken as the hub takes one from aedes:
// ingest (`Ingest.fromMqtt`), the store's group commit (`EventStore.appendToBatch`, a real SQLite file, its fsync in
// the commit so that batches are the same from run to run: `--per-turn` messages a turn, one commit every two turns)
// and the rules (`RulesEngine.handle`). Prints CPU and scavenges per message; run with `npm start`'s
// `--max-semi-space-size=1`, its scavenges per 1,000 messages follow the bytes allocated per message in the young
// generation, far steadier than CPU on a loaded machine.
import path from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { DeviceIndex, parseHubConfig } from '../hub/config.js';
import { FakeClock } from '../hub/clock.js';
import { Ingest } from '../hub/ingest.js';
import { createLogger } from '../hub/logger.js';
import { createMetricsRegistry } from '../hub/metrics.js';
import { EventStore, openHubDatabase } from '../hub/store.js';
import { RulesEngine } from '../rules/engine.js';
import { simulate } from '../simulate/generator.js';
import { makeTempDir, removeTempDir } from './children.js';
import { benchConfig } from './configs.js';
import { positiveInteger } from './options.js';

/** The bench's messages: topic and payload of each event of a simulated day of `homes` flats, stamped at `stampMs`. */
function messages(homes: number, count: number, stampMs: number): { topic: string; payload: Buffer }[] {
  const out: { topic: string; payload: Buffer }[] = [];
  const stampedAt = new Date(stampMs).toISOString();
  for (const e of simulate({ homes, days: 1, start: '2026-01-05', seed: 100, timeZone: 'UTC' })) {
    out.push({
      topic: `telecare/${e.homeId}/devices/${e.deviceId}/events`,
      payload: Buffer.from(JSON.stringify({ type: e.type, value: e.value, ts: stampedAt })),
    });
    if (out.length === count) break;
  }
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const count = positiveInteger(argv, '--messages', 40_000);
  const homes = positiveInteger(argv, '--homes', 200);
  const perTurn = positiveInteger(argv, '--per-turn', 150);
  const startMs = Date.parse('2026-03-02T10:00:00Z');
  const clock = new FakeClock(startMs);
  const config = parseHubConfig(benchConfig(homes));
  const metrics = createMetricsRegistry();
  const logger = createLogger({ level: 'warn' });
  const ingest = new Ingest({ config, index: new DeviceIndex(config), clock, logger, metrics });
  const engine = new RulesEngine(config.homes);
  const dir = makeTempDir('telecare-intake-cost-');
  const db = openHubDatabase(path.join(dir, 'hub.db'));
  // The fsync in the commit: the same batches whatever the machine does meanwhile (off the loop they follow the disk).
  const store = new EventStore(db, clock, metrics, { syncOffLoop: false });
  try {
    const input = messages(homes, count, startMs - 5);
    if (input.length < count) throw new Error(`the simulated day has only ${input.length} events`);
    let decisions = 0;
    let stored = 0;
    let scavenges = 0;
    const gcs = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    });
    gcs.observe({ entryTypes: ['gc'] });
    const cpuBefore = process.cpuUsage();
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      const turn = (): void => {
        const end = Math.min(next + perTurn, input.length);
        for (; next < end; next++) {
          const message = input[next];
          if (!message) continue;
          clock.advanceBy(1);
          const outcome = ingest.fromMqtt(message.topic, message.payload);
          if (outcome.events.length === 0) continue;
          store.appendToBatch(outcome.events).then(() => {
            stored += 1;
            if (stored === count) resolve();
          }, reject);
          for (const event of outcome.events) decisions += engine.handle(event, clock.now()).length;
        }
        if (next < input.length) setImmediate(turn);
      };
      turn();
    });
    const cpu = process.cpuUsage(cpuBefore);
    // The observer hears of the last collections a turn later.
    await new Promise((resolve) => setImmediate(resolve));
    gcs.disconnect();
    process.stdout.write(
      `${JSON.stringify({
        messages: count,
        homes,
        perTurn,
        decisions,
        cpuUsPerMessage: (cpu.user + cpu.system) / count,
        scavengesPer1000Messages: (scavenges * 1000) / count,
      })}\n`,
    );
  } finally {
    store.close();
    db.close();
    removeTempDir(dir);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`intakeCost: ${(err as Error).message}\n`);
  process.exit(1);
});
