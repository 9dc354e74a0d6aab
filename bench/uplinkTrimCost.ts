// What trimming the uplink's queue back to its limit costs the hub's event loop: `node dist/bench/uplinkTrimCost.js
// [--rows 100000] [--alerts 100000] [--over 100] [--rounds 5] [--step 200] [--module <a built uplink-queue.js>]`.
// A temp database opened as the hub opens it (WAL, synchronous=NORMAL, its page cache, no checkpoint in a commit),
// `--rows` alert versions of about 1 KiB each spread over `--alerts` alerts (equal: every row another alert, so
// nothing can be dropped but what is over), then `--rounds` times: `--over` more versions (half of new alerts, half a
// newer version of old ones) and a trim to the limit, run as the uplink runs it (`trimStep`s of `--step` rows, one a
// turn, when the module has it; one `trim` otherwise). Prints one JSON line: per round the longest synchronous trim
// step, the event loop's longest delay (perf_hooks monitorEventLoopDelay, 1 ms resolution) and a 1 ms interval's
// longest lag; and the insert's cost per row. `--module` loads the queue of another build (`git show
// <commit>:hub/uplink-queue.ts` compiled beside dist/hub/), to compare before and after (docs/uplink.md, session 75).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { openHubDatabase } from '../hub/store.js';
import type { UplinkQueue, TrimStep, Trimmed } from '../hub/uplink-queue.js';
import { positiveInteger } from './options.js';

type Queue = Pick<UplinkQueue, 'addAlertVersion' | 'size' | 'trim'> & {
  trimStep?: (max: number, limit?: number) => TrimStep;
};

const argv = process.argv.slice(2);
const rows = positiveInteger(argv, '--rows', 100_000);
const alerts = positiveInteger(argv, '--alerts', rows);
const over = positiveInteger(argv, '--over', 100);
const rounds = positiveInteger(argv, '--rounds', 5);
const stepRows = positiveInteger(argv, '--step', 200);
const moduleAt = argv.indexOf('--module');
const modulePath =
  moduleAt >= 0
    ? pathToFileURL(path.resolve(argv[moduleAt + 1]!)).href
    : new URL('../hub/uplink-queue.js', import.meta.url).href;
const { UplinkQueue: Queue } = (await import(modulePath)) as { UplinkQueue: new (db: unknown) => Queue };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uplink-trim-'));
const db = openHubDatabase(path.join(dir, 'hub.db'));
// As the hub's connection: its commits never checkpoint (the event store's checkpoint thread does), here done
// between the rounds, outside what is measured.
db.pragma('wal_autocheckpoint = 0');
const queue = new Queue(db);
const filler = 'x'.repeat(900);
const alertJson = (id: string, version: number): string =>
  JSON.stringify({ id, version, homeId: 'h1', kind: 'pendant', state: 'raised', detail: { filler } });
const versionOf = new Map<string, number>();
let insertMs = 0;
let inserted = 0;
function add(alertId: string): void {
  const version = (versionOf.get(alertId) ?? 0) + 1;
  versionOf.set(alertId, version);
  const start = performance.now();
  queue.addAlertVersion({ alertId, version, alertJson: alertJson(alertId, version) }, Date.now());
  insertMs += performance.now() - start;
  inserted += 1;
}
const fill = db.transaction((from: number, to: number) => {
  for (let i = from; i < to; i++) add(`a${i % alerts}`);
});
for (let from = 0; from < rows; from += 10_000) fill(from, Math.min(rows, from + 10_000));
const perInsertUs = (insertMs * 1000) / inserted;

async function trimAsTheUplinkDoes(max: number): Promise<{ longestStepMs: number; dropped: number }> {
  let longestStepMs = 0;
  let dropped = 0;
  const timed = <T extends Trimmed>(run: () => T): T => {
    const start = performance.now();
    const result = run();
    longestStepMs = Math.max(longestStepMs, performance.now() - start);
    dropped += result.features + result.alert;
    return result;
  };
  if (!queue.trimStep) {
    timed(() => queue.trim(max));
    return { longestStepMs, dropped };
  }
  for (;;) {
    const step = timed(() => queue.trimStep!(max, stepRows));
    if (!step.more) return { longestStepMs, dropped };
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const results: { longestStepMs: number; loopDelayMaxMs: number; lagMaxMs: number; dropped: number }[] = [];
let next = alerts;
for (let round = 0; round < rounds; round++) {
  const max = queue.size();
  // Half new alerts, half a newer version of old ones (droppable only once superseded).
  db.transaction(() => {
    for (let i = 0; i < over; i++) add(i % 2 === 0 ? `a${(next += 1)}` : `a${(round * over + i) % alerts}`);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  const monitor = monitorEventLoopDelay({ resolution: 1 });
  monitor.enable();
  // A timer lag probe as well: the longest gap between two turns of a 1 ms interval, less its period.
  let lastTick = performance.now();
  let lagMaxMs = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    lagMaxMs = Math.max(lagMaxMs, now - lastTick - 1);
    lastTick = now;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  monitor.reset();
  lagMaxMs = 0;
  const trimmed = await new Promise<Awaited<ReturnType<typeof trimAsTheUplinkDoes>>>((resolve) =>
    setTimeout(() => void trimAsTheUplinkDoes(max).then(resolve), 5),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  clearInterval(probe);
  monitor.disable();
  results.push({ ...trimmed, loopDelayMaxMs: monitor.max / 1e6, lagMaxMs });
}
db.close();
fs.rmSync(dir, { recursive: true, force: true });
const round2 = (n: number): number => Math.round(n * 100) / 100;
process.stdout.write(
  `${JSON.stringify({
    module: moduleAt >= 0 ? argv[moduleAt + 1] : 'this build',
    rows,
    alerts,
    over,
    perInsertUs: round2(perInsertUs),
    longestStepMs: results.map((r) => round2(r.longestStepMs)),
    loopDelayMaxMs: results.map((r) => round2(r.loopDelayMaxMs)),
    lagMaxMs: results.map((r) => round2(r.lagMaxMs)),
    dropped: results.map((r) => r.dropped),
  })}\n`,
);
