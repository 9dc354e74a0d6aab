// Where a press's time goes inside the real hub: opt-in stage marks along the alert path, for the bench's tail.
//
// `TELECARE_PRESS_STAGES=<file>` in the hub's environment: each publication the hub takes in is timed with
// `process.hrtime.bigint()` (the system's monotonic clock, which the bench's measuring process shares) at the steps
// of its path, and the ones that raised and published an alert are kept, with the garbage collections of the run and
// the main thread's scheduler account (run and run-queue wait, Linux) at the read and once the alert is written.
// They are written to the file as JSON lines when the process exits (`telecare hub` stopping) or on `flush()`.
// Unset (every real hub), `pressStages` is undefined and each mark on the path is one `?.` on a constant.
import fs from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

/** The steps of a press's path, in order; a record holds the ones it passed (0 when not). */
export const PRESS_STAGES = [
  /** The connection's socket became readable (the chunk that held the press; embedded broker). */
  'read',
  /** The publication parsed and taken by the hub (embedded: publishDirect; external: the client's handler). */
  'parsed',
  /** The payload normalised into events (hub/ingest.ts). */
  'ingested',
  /** The events appended to the store's batch; the rules start. */
  'rules',
  /** The alert's transaction committed (hub/alerts/lifecycle.ts). */
  'stored',
  /** The alert's MQTT message written to the subscriber's socket (embedded) or to the broker's (external). */
  'written',
  /** The hub's handling of the publication returned (the rest of its turn: bookkeeping after the alert). */
  'end',
] as const;
export type PressStage = (typeof PRESS_STAGES)[number];

/** One kept press: the topic, the ns of each stage (0: not passed), the main thread's schedstat at read and written. */
export interface PressStageRecord {
  pid: number;
  topic: string;
  ns: Record<PressStage, string>;
  /** Main thread's [run ns, run-queue wait ns] at `parsed` and at `written`; absent off Linux. */
  schedAtParsed?: [number, number];
  schedAtWritten?: [number, number];
}

/** A garbage collection of the run: start (monotonic ns), duration µs, V8's kind (1 scavenge, 2 mark-compact, ...). */
export interface GcRecord {
  pid: number;
  gc: { startNs: string; us: number; kind: number };
}

/** The main thread's schedstat, opened once and read again at offset 0 (one `pread` each); -1 off Linux. */
function openSchedstat(): number {
  try {
    return fs.openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return -1;
  }
}

export class PressStages {
  private readonly kept: string[] = [];
  /** The publication in hand: one set of slots reused for every publication (most raise nothing). */
  private readonly cur = new Float64Array(PRESS_STAGES.length);
  private curTopic = '';
  private lastReadNs = 0;
  private readonly schedFd = openSchedstat();
  private readonly schedBuf = Buffer.alloc(64);
  private schedAtParsed: [number, number] | undefined;
  private schedAtWritten: [number, number] | undefined;
  private readonly gcObserver: PerformanceObserver;
  /** performance.now() ms → monotonic ns: hrtime at the observer's start minus performance.now() then. */
  private readonly originNs: number;

  constructor(private readonly file: string) {
    this.originNs = Number(process.hrtime.bigint()) - performance.now() * 1e6;
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const detail = (entry as { detail?: { kind?: number } }).detail;
        const gc: GcRecord = {
          pid: process.pid,
          gc: {
            startNs: String(Math.round(this.originNs + entry.startTime * 1e6)),
            us: Math.round(entry.duration * 1000),
            kind: detail?.kind ?? 0,
          },
        };
        this.kept.push(JSON.stringify(gc));
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    process.once('exit', () => this.flush());
  }

  /** A connection's socket is readable: the next publication parsed from it was read now. */
  readonly read = (): void => {
    this.lastReadNs = Number(process.hrtime.bigint());
  };

  /** A publication is taken in: its marks start (the last read of its connection kept as its read). */
  parsed(topic: string, readNow = false): void {
    const cur = this.cur;
    cur.fill(0);
    const now = Number(process.hrtime.bigint());
    cur[0] = readNow ? now : this.lastReadNs;
    cur[1] = now;
    this.curTopic = topic;
    this.schedAtParsed = this.sched();
    this.schedAtWritten = undefined;
  }

  /** The main thread's [run ns, run-queue wait ns] (Linux schedstat), or undefined where it cannot be read. */
  private sched(): [number, number] | undefined {
    if (this.schedFd < 0) return undefined;
    try {
      const n = fs.readSync(this.schedFd, this.schedBuf, 0, this.schedBuf.length, 0);
      const [run = '0', wait = '0'] = this.schedBuf.toString('latin1', 0, n).split(' ');
      return [Number(run), Number(wait)];
    } catch {
      return undefined;
    }
  }

  mark(stage: Exclude<PressStage, 'read' | 'parsed' | 'end'>): void {
    const i = PRESS_STAGES.indexOf(stage);
    // Only the first alert written of a publication is its own (a second is a later step of the same turn).
    if (this.cur[1] === 0 || this.cur[i] !== 0) return;
    this.cur[i] = Number(process.hrtime.bigint());
    if (stage === 'written') this.schedAtWritten = this.sched();
  }

  /** The hub's handling of the publication returned: kept if it raised and published an alert. */
  end(): void {
    const cur = this.cur;
    if (cur[1] === 0) return;
    cur[6] = Number(process.hrtime.bigint());
    if (cur[4] !== 0 && cur[5] !== 0) {
      const ns = Object.fromEntries(PRESS_STAGES.map((s, i) => [s, String(cur[i])])) as Record<PressStage, string>;
      const record: PressStageRecord = { pid: process.pid, topic: this.curTopic, ns };
      if (this.schedAtParsed) record.schedAtParsed = this.schedAtParsed;
      if (this.schedAtWritten) record.schedAtWritten = this.schedAtWritten;
      this.kept.push(JSON.stringify(record));
    }
    cur[1] = 0;
  }

  /** Appends what was kept to the file and starts again. */
  flush(): void {
    if (this.kept.length === 0) return;
    fs.appendFileSync(this.file, this.kept.join('\n') + '\n');
    this.kept.length = 0;
  }
}

/** The hub's stage marks: defined only when `TELECARE_PRESS_STAGES` names a file. */
export const pressStages: PressStages | undefined =
  (process.env.TELECARE_PRESS_STAGES ?? '') !== '' ? new PressStages(process.env.TELECARE_PRESS_STAGES!) : undefined;
