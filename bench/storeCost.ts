// What the event store alone costs per stored row under bursty arrivals: CPU (all threads), rows per commit, WAL size.
// `node dist/bench/storeCost.js [--rows 100000] [--per-turn 150] [--in-flight 2000] [--checkpoint-mib 32]
// [--wal-limit-mib 64]`: an
// EventStore on a temp file with its real fsyncs and checkpoint workers; `--per-turn` one-event appends each turn of
// the loop (as aedes hands over what one socket read held), at most `--in-flight` waiting for their fsync (the
// bench's four publishers × 500). Prints one JSON line, with the WAL file's peak size (sampled every 20 turns) and
// the emptyings its hard limit caused. To compare two builds, run each tree's dist alternately.
import fs from 'node:fs';
import path from 'node:path';
import { systemClock } from '../hub/clock.js';
import { createMetricsRegistry } from '../hub/metrics.js';
import { EventStore, openHubDatabase } from '../hub/store.js';
import type { SensorEvent } from '../rules/types.js';
import { makeTempDir, removeTempDir } from './children.js';
import { positiveNumber } from './options.js';

/** 4,000 events over 200 homes, the kinds of a flat's sensors, so each commit touches every home's index page. */
function sampleEvents(): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let i = 0; i < 4000; i++) {
    const homeId = `h${((i * 7) % 200) + 1}`;
    const base = { homeId, deviceId: `dev-${i % 19}`, ts: 1_767_600_000_000 + i * 10, source: 'mqtt' as const };
    switch (i % 4) {
      case 0:
        events.push({ ...base, type: 'temperature', value: 20.5 + (i % 10) / 10, assigned: true, kind: 'climate' });
        break;
      case 1:
        events.push({ ...base, type: 'power', value: i % 3000, assigned: true, kind: 'appliance' });
        break;
      default:
        events.push({ ...base, type: 'motion', value: i % 2 === 0, assigned: true, room: 'kitchen', kind: 'motion' });
    }
  }
  return events;
}

/** The sum of a metric's samples named `sample` (e.g. a histogram's `_count`), from the registry's text; `label` (e.g.
 * `result="emptied"`) keeps only the samples with it. */
async function metricTotal(
  metrics: ReturnType<typeof createMetricsRegistry>,
  sample: string,
  label?: string,
): Promise<number> {
  const text = await metrics.metrics();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== sample) continue;
    if (label !== undefined && !(match[2] ?? '').split(',').includes(label)) continue;
    total += Number(match[3]);
  }
  return total;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const rows = positiveNumber(argv, '--rows', 100_000);
  const perTurn = positiveNumber(argv, '--per-turn', 150);
  const maxInFlight = positiveNumber(argv, '--in-flight', 2000);
  const checkpointBytes =
    positiveNumber(argv, '--checkpoint-mib', EventStore.CHECKPOINT_BYTES / 1024 / 1024) * 1024 * 1024;
  const walLimitBytes = positiveNumber(argv, '--wal-limit-mib', 2 * (checkpointBytes / 1024 / 1024)) * 1024 * 1024;
  const dir = makeTempDir('telecare-store-cost-');
  const file = path.join(dir, 'hub.db');
  const db = openHubDatabase(file);
  const metrics = createMetricsRegistry();
  const store = new EventStore(db, systemClock, metrics, { checkpointBytes, walLimitBytes });
  try {
    const events = sampleEvents();
    let sent = 0;
    let waiting = 0;
    let stored = 0;
    let turns = 0;
    let peakWalBytes = 0;
    const cpuBefore = process.cpuUsage();
    const startedMs = performance.now();
    await new Promise<void>((resolve, reject) => {
      const turn = (): void => {
        const room = Math.min(perTurn, maxInFlight - waiting, rows - sent);
        for (let k = 0; k < room; k++) {
          const event = events[sent % events.length];
          sent += 1;
          if (!event) continue;
          waiting += 1;
          store.appendToBatch([event]).then(() => {
            waiting -= 1;
            stored += 1;
            if (stored === rows) resolve();
          }, reject);
        }
        if (++turns % 20 === 0) peakWalBytes = Math.max(peakWalBytes, fs.statSync(`${file}-wal`).size);
        if (sent < rows) setImmediate(turn);
      };
      turn();
    });
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = performance.now() - startedMs;
    const commits = await metricTotal(metrics, 'telecare_store_commit_seconds_count');
    const result = {
      rows,
      perTurn,
      maxInFlight,
      checkpointMiB: checkpointBytes / 1024 / 1024,
      cpuUsPerRow: (cpu.user + cpu.system) / rows,
      wallUsPerRow: (wallMs * 1000) / rows,
      rowsPerCommit: commits > 0 ? rows / commits : null,
      checkpoints: await metricTotal(metrics, 'telecare_store_checkpoints_total'),
      walFileMiB: fs.statSync(`${file}-wal`).size / 1024 / 1024,
      peakWalMiB: peakWalBytes / 1024 / 1024,
      walLimitMiB: walLimitBytes / 1024 / 1024,
      emptyings: await metricTotal(metrics, 'telecare_store_checkpoints_total', 'result="emptied"'),
      pausedMs: 1000 * (await metricTotal(metrics, 'telecare_store_wal_pause_seconds_total')),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    store.close();
    db.close();
    removeTempDir(dir);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`storeCost: ${(err as Error).message}\n`);
  process.exit(1);
});
