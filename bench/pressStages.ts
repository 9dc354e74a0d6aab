// Splits each measured press of a bench run into its stages, from the hub's opt-in marks (hub/press-stages.ts) and
// the measuring client's (bench/latency.ts), both on the system's monotonic clock:
//
//   TELECARE_PRESS_STAGES=/tmp/stages.jsonl node dist/bin/telecare.js bench --only latency --presses 1000
//   node dist/bench/pressStages.js /tmp/stages.jsonl            # JSON: per run, every stage's p50/p99, the slow 1 %
//
// A press is the client's publish → the hub's socket read → parsed → ingested → appended to the batch, the rules →
// the alert's commit → its message written → the client's alert. Runs with no hub marks (the bare brokers, the relay)
// are left out. For the slowest 1 % of each run: the median of each stage, how many had a garbage collection of the
// hub inside the press's window, and the hub's main thread's run-queue wait from parsed to written.
import fs from 'node:fs';
import { PRESS_STAGES, type GcRecord, type PressStage, type PressStageRecord } from '../hub/press-stages.js';
import { percentile } from './stats.js';

interface ClientPress {
  run: number;
  homeId: string;
  pressedNs: string;
  alertNs: string;
  ms: number;
  /** The hub's main thread's [run ns, run-queue wait ns] just before the press was published. */
  hubSched?: [number, number];
  /** The system call the hub's main thread was in just before the publish (x86-64 number; -1 running). */
  hubSyscall?: number;
  /** The same once the alert arrived, and whose (the hub's or a baseline's pid). */
  schedAtAlert?: [number, number];
  pid?: number;
}

/**
 * Any run whose process (the hub, or the relay) had its main thread's schedstat read around each press: the time it
 * waited for a core (run-queue) and ran inside each press's window, and the CPU it ran per press from one press to
 * the next (the press, its resolution and aftermath), µs. No hub marks needed: compares the hub with the relay.
 */
export interface RunWindows {
  run: number;
  pid: number;
  presses: number;
  msP50: number;
  msP99: number;
  windowRunQueueUs: { p50: number; p99: number };
  windowRunUs: { p50: number; p99: number };
  cycleRunUs: { p50: number; p99: number };
  /** The slowest 1 %: median run-queue wait in their window, and the median share of their time it was. */
  slowestRunQueueUsP50: number;
  slowestRunQueueShareP50: number;
}

const p50p99 = (values: number[]): { p50: number; p99: number } => {
  const s = [...values].sort((a, b) => a - b);
  return { p50: Math.round(percentile(s, 50)), p99: Math.round(percentile(s, 99)) };
};

/** The window account of each run that carries schedstat readings (see RunWindows). */
export function runWindows(text: string): RunWindows[] {
  const runs = new Map<number, ClientPress[]>();
  for (const line of text.split('\n')) {
    if (!line.includes('"press"')) continue;
    const p = (JSON.parse(line) as { press: ClientPress }).press;
    if (p.hubSched && p.schedAtAlert && p.pid !== undefined) runs.set(p.run, [...(runs.get(p.run) ?? []), p]);
  }
  const out: RunWindows[] = [];
  for (const [run, presses] of [...runs].sort((a, b) => a[0] - b[0])) {
    const wait = presses.map((p) => (p.schedAtAlert![1] - p.hubSched![1]) / 1000);
    const ran = presses.map((p) => (p.schedAtAlert![0] - p.hubSched![0]) / 1000);
    const cycle = presses.slice(1).map((p, i) => (p.hubSched![0] - presses[i]!.hubSched![0]) / 1000);
    const order = presses.map((p, i) => i).sort((a, b) => presses[a]!.ms - presses[b]!.ms);
    const slow = order.slice(Math.min(order.length - 1, Math.floor(order.length * 0.99)));
    const ms = presses.map((p) => p.ms).sort((a, b) => a - b);
    out.push({
      run,
      pid: presses[0]!.pid!,
      presses: presses.length,
      msP50: percentile(ms, 50),
      msP99: percentile(ms, 99),
      windowRunQueueUs: p50p99(wait),
      windowRunUs: p50p99(ran),
      cycleRunUs: p50p99(cycle),
      slowestRunQueueUsP50: Math.round(median(slow.map((i) => wait[i]!))),
      slowestRunQueueShareP50: Math.round(median(slow.map((i) => wait[i]! / (presses[i]!.ms * 1000))) * 100) / 100,
    });
  }
  return out;
}

/** The segments a press is split into, in order; each from one mark to the next. */
export const SEGMENTS = [
  'pressed→read',
  'read→parsed',
  'parsed→ingested',
  'ingested→rules',
  'rules→stored',
  'stored→written',
  'written→alert',
] as const;
export type Segment = (typeof SEGMENTS)[number];

export interface MatchedPress {
  ms: number;
  /** µs per segment. */
  us: Record<Segment, number>;
  /** µs of the hub's turn after the alert written (bookkeeping of the same publication). */
  afterWrittenUs: number;
  /** Hub garbage collections that began inside the press's window (publish → alert), and their µs. */
  gcs: number;
  gcUs: number;
  /** The hub's main thread waiting for a core between parsed and written, µs (Linux only). */
  runQueueUs?: number;
  /** Before the hub took the press in (publish → parsed): its main thread running, and waiting for a core, µs. */
  beforeRunUs?: number;
  beforeRunQueueUs?: number;
  /** The system call the hub's main thread was in when the press was published (named on x86-64). */
  syscallAtPress?: string;
}

/** x86-64 system call numbers a hub's main thread is seen in (others by number). */
const SYSCALLS: Record<number, string> = {
  [-1]: 'running',
  0: 'read',
  1: 'write',
  17: 'pread64',
  18: 'pwrite64',
  20: 'writev',
  72: 'fcntl',
  74: 'fsync',
  75: 'fdatasync',
  202: 'futex',
  232: 'epoll_wait',
  281: 'epoll_pwait',
  441: 'epoll_pwait2',
};

export interface RunStages {
  run: number;
  hubPid: number;
  presses: number;
  /** Client presses of the run the hub's marks did not match (should be 0). */
  unmatched: number;
  msP50: number;
  msP99: number;
  p50Us: Record<Segment, number>;
  p99Us: Record<Segment, number>;
  /** The slowest 1 % (at least one press): the median of each segment, GCs and run-queue waits. */
  slowest: {
    presses: number;
    fromMs: number;
    p50Us: Record<Segment, number>;
    withGc: number;
    gcUsP50: number;
    runQueueUsP50: number | null;
    /** Before the hub took the press in: its main thread running (other work), waiting for a core. */
    beforeRunUsP50: number | null;
    beforeRunQueueUsP50: number | null;
    afterWrittenUsP50: number;
    /** Each of them, slowest last (µs rounded). */
    each: MatchedPress[];
  };
}

function bySegment(presses: readonly MatchedPress[], p: number): Record<Segment, number> {
  return Object.fromEntries(
    SEGMENTS.map((s) => [
      s,
      Math.round(
        percentile(
          presses.map((m) => m.us[s]).sort((a, b) => a - b),
          p,
        ),
      ),
    ]),
  ) as Record<Segment, number>;
}

const median = (values: number[]): number =>
  percentile(
    values.sort((a, b) => a - b),
    50,
  );

/** A press with its µs rounded, for printing. */
function rounded(m: MatchedPress): MatchedPress {
  const r = (v: number | undefined): number | undefined => (v === undefined ? undefined : Math.round(v));
  return JSON.parse(
    JSON.stringify({ ...m, ms: Math.round(m.ms * 1000) / 1000 }, (k, v: unknown) =>
      k !== 'ms' && typeof v === 'number' && !Number.isInteger(v) ? r(v) : v,
    ),
  ) as MatchedPress;
}

/** Reads a stages file and accounts each run that the hub's marks cover. */
export function pressStages(text: string): RunStages[] {
  const hub: (PressStageRecord & { readNs: bigint })[] = [];
  const gcs: GcRecord[] = [];
  const client: ClientPress[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const rec = JSON.parse(line) as Partial<PressStageRecord & GcRecord & { press: ClientPress }>;
    if (rec.press) client.push(rec.press);
    else if (rec.gc) gcs.push(rec as GcRecord);
    else if (rec.ns) hub.push({ ...(rec as PressStageRecord), readNs: BigInt(rec.ns.read) });
  }
  // A home's hub records, by the home in its topic (telecare/<home>/devices/<device>/events).
  const ofHome = new Map<string, (PressStageRecord & { readNs: bigint })[]>();
  for (const r of hub) {
    const home = r.topic.split('/')[1] ?? '';
    const list = ofHome.get(home) ?? [];
    list.push(r);
    ofHome.set(home, list);
  }
  const runs = new Map<number, ClientPress[]>();
  for (const p of client) runs.set(p.run, [...(runs.get(p.run) ?? []), p]);
  const out: RunStages[] = [];
  for (const [run, presses] of [...runs].sort((a, b) => a[0] - b[0])) {
    const matched: MatchedPress[] = [];
    let hubPid = 0;
    let unmatched = 0;
    for (const p of presses) {
      const from = BigInt(p.pressedNs);
      const to = BigInt(p.alertNs);
      // The hub's record of this press: parsed inside the press's window (its alert written may come later than the
      // client read it, when the hub's thread lost its core right after the write).
      const r = ofHome.get(p.homeId)?.find((h) => BigInt(h.ns.parsed) >= from && BigInt(h.ns.parsed) <= to);
      if (!r) {
        unmatched++;
        continue;
      }
      hubPid = r.pid;
      const at = (s: PressStage): number => Number(BigInt(r.ns[s]) - from) / 1000;
      const us = {} as Record<Segment, number>;
      const marks = [0, ...PRESS_STAGES.slice(0, 6).map(at), Number(to - from) / 1000];
      SEGMENTS.forEach((s, i) => (us[s] = (marks[i + 1] ?? 0) - (marks[i] ?? 0)));
      let gcCount = 0;
      let gcUs = 0;
      for (const g of gcs) {
        if (g.pid !== r.pid) continue;
        const start = BigInt(g.gc.startNs);
        if (start >= from && start <= to) {
          gcCount++;
          gcUs += g.gc.us;
        }
      }
      const m: MatchedPress = { ms: p.ms, us, afterWrittenUs: at('end') - at('written'), gcs: gcCount, gcUs };
      if (r.schedAtParsed && r.schedAtWritten) m.runQueueUs = (r.schedAtWritten[1] - r.schedAtParsed[1]) / 1000;
      if (p.hubSyscall !== undefined)
        m.syscallAtPress =
          process.arch === 'x64' ? (SYSCALLS[p.hubSyscall] ?? String(p.hubSyscall)) : String(p.hubSyscall);
      if (r.schedAtParsed && p.hubSched) {
        m.beforeRunUs = (r.schedAtParsed[0] - p.hubSched[0]) / 1000;
        m.beforeRunQueueUs = (r.schedAtParsed[1] - p.hubSched[1]) / 1000;
      }
      matched.push(m);
    }
    if (matched.length === 0) continue;
    const sorted = [...matched].sort((a, b) => a.ms - b.ms);
    const slow = sorted.slice(Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99)));
    const rq = slow.filter((m) => m.runQueueUs !== undefined).map((m) => m.runQueueUs!);
    const before = slow.filter((m) => m.beforeRunUs !== undefined);
    out.push({
      run,
      hubPid,
      presses: matched.length,
      unmatched,
      msP50: percentile(
        sorted.map((m) => m.ms),
        50,
      ),
      msP99: percentile(
        sorted.map((m) => m.ms),
        99,
      ),
      p50Us: bySegment(matched, 50),
      p99Us: bySegment(matched, 99),
      slowest: {
        presses: slow.length,
        fromMs: slow[0]?.ms ?? 0,
        p50Us: bySegment(slow, 50),
        withGc: slow.filter((m) => m.gcs > 0).length,
        gcUsP50: median(slow.map((m) => m.gcUs)),
        runQueueUsP50: rq.length > 0 ? median(rq) : null,
        beforeRunUsP50: before.length > 0 ? median(before.map((m) => m.beforeRunUs!)) : null,
        beforeRunQueueUsP50: before.length > 0 ? median(before.map((m) => m.beforeRunQueueUs!)) : null,
        afterWrittenUsP50: median(slow.map((m) => m.afterWrittenUs)),
        each: slow.map(rounded),
      },
    });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/bench/pressStages.js <TELECARE_PRESS_STAGES file>\n');
    process.exit(1);
  }
  const text = fs.readFileSync(file, 'utf8');
  process.stdout.write(JSON.stringify({ stages: pressStages(text), windows: runWindows(text) }, null, 2) + '\n');
}
