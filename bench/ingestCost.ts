// What one durably stored event costs the hub: its CPU per stored event under the bench's ingest load, in µs.
// `node dist/bench/ingestCost.js [--seconds 10] [--publishers 4] [--in-flight 500] [--homes 200] [--runs 1]
//  [--profile-dir D | --heap-profile-dir D] [--bare-aedes]`: a real hub process (as `npm start` runs it, 200 flats, temp folder), the
// bench's raw QoS 1 publishers in their own processes; prints one JSON line per run. CPU per event depends far less
// on the neighbours' load than events per second does; the publishers' CPU per event says whether the load generator,
// on the same cores, is what limits the rate.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import readline from 'node:readline';
import { installCleanup, killEverything, spawnTracked, stopChild } from './children.js';
import { benchConfig } from './configs.js';
import { hubNodeFlags, spawnHub, type HubHandle } from './hubProcess.js';
import { startIngestLoad } from './ingestLoad.js';

const CLOCK_TICKS_PER_S = 100;

/** User + system CPU of a process (all its threads) from /proc/<pid>/stat, in µs; null without /proc. */
export function processCpuUs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / CLOCK_TICKS_PER_S : null;
  } catch {
    return null;
  }
}

export interface IngestCost {
  /** Rows the hub stored during the run. */
  stored: number;
  published: number;
  acknowledged: number;
  /** Rows per second over the publishers' window (wall clock: depends on the machine's load). */
  storedPerS: number;
  /** Hub CPU from the go to the last row stored, per stored event. */
  hubCpuUsPerEvent: number | null;
  /** The publishers' CPU within their window, per stored event. */
  publisherCpuUsPerEvent: number;
  loadAverage: number;
  /**
   * The hub's young-generation collections (scavenges) per 1,000 stored events, from its `/metrics`: set by the
   * bytes allocated per event in the young generation (V8 allocates straight in the old one from sites whose
   * objects mostly survive), so far less moved by the neighbours' load than CPU time. Null for a bare broker.
   */
  minorGcsPer1000Events: number | null;
  /** The hub's garbage collection pauses of every kind per stored event (µs, wall clock: inflated by a loaded machine). */
  gcUsPerEvent: number | null;
  /** The same by kind (minor: scavenges; major: mark-compact; incremental: its marking steps; weakcb: weak callbacks). */
  gcUsPerEventByKind: Record<string, number> | null;
  /**
   * The store's side, from the hub's `/metrics`: rows per group commit (a commit's cost is mostly per page it dirties,
   * one index leaf page per home in it, so fewer rows per commit cost more per row), the time event commits paused
   * because the WAL passed its hard limit (the checkpoint thread fell behind), and checkpoints by result. Null for a
   * bare broker.
   */
  store: { rowsPerCommit: number | null; walPauseS: number; checkpoints: Record<string, number> } | null;
}

/** The store's commit count, WAL pause seconds and checkpoints by result so far. */
async function storeSoFar(
  hub: Partial<Pick<HubHandle, 'api'>>,
): Promise<{ commits: number; pauseS: number; checkpoints: Map<string, number> } | null> {
  if (!hub.api) return null;
  try {
    const res = await hub.api('GET', '/metrics');
    if (!res.ok) return null;
    const text = await res.text();
    const commits = /^telecare_store_commit_seconds_count\s+(\S+)/m.exec(text);
    const pause = /^telecare_store_wal_pause_seconds_total\s+(\S+)/m.exec(text);
    if (!commits || !pause) return null;
    const checkpoints = new Map<string, number>();
    for (const m of text.matchAll(/^telecare_store_checkpoints_total\{result="(\w+)"\}\s+(\S+)/gm))
      checkpoints.set(m[1] ?? '', Number(m[2]));
    return { commits: Number(commits[1]), pauseS: Number(pause[1]), checkpoints };
  } catch {
    return null;
  }
}

/** The hub's minor GC count and the seconds of every kind of GC so far (prom-client's default metrics). */
async function gcSoFar(
  hub: Partial<Pick<HubHandle, 'api'>>,
): Promise<{ minor: number; seconds: number; byKind: Map<string, number> } | null> {
  if (!hub.api) return null;
  try {
    const res = await hub.api('GET', '/metrics');
    if (!res.ok) return null;
    const text = await res.text();
    const minor = /^telecare_nodejs_gc_duration_seconds_count\{kind="minor"\}\s+(\S+)/m.exec(text);
    if (!minor) return null;
    let seconds = 0;
    const byKind = new Map<string, number>();
    for (const m of text.matchAll(/^telecare_nodejs_gc_duration_seconds_sum\{kind="(\w+)"\}\s+(\S+)/gm)) {
      seconds += Number(m[2]);
      byKind.set(m[1] ?? '', Number(m[2]));
    }
    return { minor: Number(minor[1]), seconds, byKind };
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One ingest run against a running hub: publishers flat out for `seconds`, then until every event is a row. */
export async function measureIngestCost(
  hub: Pick<HubHandle, 'pid' | 'mqttUrl' | 'storedEvents'> & Partial<Pick<HubHandle, 'api'>>,
  plan: { homes: number; publishers: number; seconds: number; maxInFlight: number },
  /** Called when the publishers are told to go, and again once the last event is stored. */
  onWindow?: () => void,
): Promise<IngestCost> {
  const bare = hub.storedEvents() === null;
  const rowsBefore = hub.storedEvents() ?? 0;
  const loads = await startIngestLoad({
    mqttUrl: hub.mqttUrl,
    homes: plan.homes,
    publishers: plan.publishers,
    durationS: plan.seconds,
    maxInFlight: plan.maxInFlight,
  });
  const gcBefore = await gcSoFar(hub);
  const storeBefore = await storeSoFar(hub);
  const cpuBefore = processCpuUs(hub.pid);
  onWindow?.();
  const startedMs = performance.now();
  const summaries = await Promise.all(loads.map((l) => l.done));
  const published = summaries.reduce((n, s) => n + (s?.published ?? 0), 0);
  const acknowledged = summaries.reduce((n, s) => n + (s?.acknowledged ?? 0), 0);
  // A bare broker stores nothing: what it acknowledged stands in for rows.
  const rows = (): number => (bare ? acknowledged : (hub.storedEvents() ?? rowsBefore) - rowsBefore);
  let stored = rows();
  const drainUntil = performance.now() + 10_000;
  while (stored < published && performance.now() < drainUntil) {
    await sleep(10);
    stored = rows();
  }
  const cpuAfter = processCpuUs(hub.pid);
  onWindow?.();
  const gcAfter = await gcSoFar(hub);
  const storeAfter = await storeSoFar(hub);
  const gc = gcBefore && gcAfter && stored > 0 ? { before: gcBefore, after: gcAfter } : null;
  const windowS =
    summaries.reduce((s, x) => Math.max(s, x?.elapsedS ?? 0), 0) || (performance.now() - startedMs) / 1000;
  const publisherCpuUs = summaries.reduce((n, s) => n + (s?.cpuWindowUs ?? 0), 0);
  return {
    stored,
    published,
    acknowledged,
    storedPerS: stored / windowS,
    hubCpuUsPerEvent: cpuBefore !== null && cpuAfter !== null && stored > 0 ? (cpuAfter - cpuBefore) / stored : null,
    publisherCpuUsPerEvent: stored > 0 ? publisherCpuUs / stored : 0,
    loadAverage: os.loadavg()[0] ?? 0,
    minorGcsPer1000Events: gc ? ((gc.after.minor - gc.before.minor) * 1000) / stored : null,
    gcUsPerEvent: gc ? ((gc.after.seconds - gc.before.seconds) * 1e6) / stored : null,
    gcUsPerEventByKind: gc
      ? Object.fromEntries(
          [...gc.after.byKind].map(([kind, s]) => [kind, ((s - (gc.before.byKind.get(kind) ?? 0)) * 1e6) / stored]),
        )
      : null,
    store:
      storeBefore && storeAfter
        ? {
            rowsPerCommit:
              storeAfter.commits > storeBefore.commits ? stored / (storeAfter.commits - storeBefore.commits) : null,
            walPauseS: storeAfter.pauseS - storeBefore.pauseS,
            checkpoints: Object.fromEntries(
              [...storeAfter.checkpoints].map(([result, n]) => [
                result,
                n - (storeBefore.checkpoints.get(result) ?? 0),
              ]),
            ),
          }
        : null,
  };
}

/** bench/rawBroker.js as its own process, with the node flags `npm start` gives the hub. */
async function startBareAedes(
  env: Record<string, string>,
): Promise<Pick<HubHandle, 'pid' | 'mqttUrl' | 'storedEvents' | 'stop'>> {
  const script = fileURLToPath(new URL('./rawBroker.js', import.meta.url));
  const child = spawnTracked(process.execPath, [...hubNodeFlags(), script], { env: { ...process.env, ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    readline
      .createInterface({ input: child.stdout! })
      .once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`bare aedes exited (${code})`)));
  });
  return {
    pid: child.pid ?? 0,
    mqttUrl: `mqtt://127.0.0.1:${port}`,
    storedEvents: () => null,
    stop: () => stopChild(child),
  };
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const homes = Number(option(argv, '--homes') ?? 200);
  const plan = {
    homes,
    publishers: Number(option(argv, '--publishers') ?? 4),
    seconds: Number(option(argv, '--seconds') ?? 10),
    maxInFlight: Number(option(argv, '--in-flight') ?? 500),
  };
  const runs = Number(option(argv, '--runs') ?? 1);
  // Profiles of the timed window only (bench/profileOnSignal.ts, started and stopped by SIGUSR2).
  const profileDir = option(argv, '--profile-dir') ?? option(argv, '--heap-profile-dir');
  const hook = fileURLToPath(new URL('./profileOnSignal.js', import.meta.url));
  const env: Record<string, string> = profileDir
    ? {
        NODE_OPTIONS: `--import ${pathToFileURL(hook).href}`,
        TELECARE_PROFILE_DIR: path.resolve(profileDir),
        TELECARE_PROFILE_KIND: argv.includes('--heap-profile-dir') ? 'heap' : 'cpu',
      }
    : {};
  installCleanup();
  // --bare-aedes: the same load into a plain aedes (bench/rawBroker.js, the hub's node flags): the broker's own share.
  const hub = argv.includes('--bare-aedes')
    ? await startBareAedes(env)
    : await spawnHub(benchConfig(homes), 'ingest-cost', env);
  try {
    for (let run = 0; run < runs; run++) {
      const cost = await measureIngestCost(hub, plan, profileDir ? () => process.kill(hub.pid, 'SIGUSR2') : undefined);
      process.stdout.write(`${JSON.stringify({ run, ...plan, ...cost })}\n`);
    }
  } finally {
    await hub.stop();
    killEverything();
  }
}

if (process.argv[1]?.endsWith('ingestCost.js')) {
  main().catch((err: unknown) => {
    process.stderr.write(`ingestCost: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
