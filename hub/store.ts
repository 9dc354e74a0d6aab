// The event store: SQLite (WAL) with group commit; each batch is fsynced off the event loop before it is acknowledged.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EventValue, SensorEvent } from '../rules/types.js';
import type { DeviceKind, EventSource, EventType } from '../rules/vocabulary.js';
import type { RepeatCount, RepeatSink } from './chatter.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import { MAX_UNASSIGNED_PER_HOME, MAX_UNASSIGNED_TOTAL, unassignedDevices } from './event-reads.js';
import { migrate, type MigrationStep } from './migrations.js';
import { beginImmediateNoWait, NativeCheckpointer } from './store-checkpoint-native.js';
import { writeWalAgain } from './wal-rewrite.js';
import type { CheckpointReply, CheckpointRequest, CheckpointWorkerData } from './store-checkpoint-worker.js';
import { workerScript } from './worker-url.js';

export const STORE_MIGRATIONS: readonly MigrationStep[] = [
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     home_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     type TEXT NOT NULL,
     value TEXT NOT NULL,
     ts INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     source TEXT NOT NULL,
     room TEXT,
     kind TEXT,
     assigned INTEGER NOT NULL
   );
   CREATE INDEX events_home_ts ON events (home_id, ts);
   CREATE TABLE unassigned_devices (
     home_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     source TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     count INTEGER NOT NULL,
     PRIMARY KEY (home_id, device_id)
   );
   CREATE TABLE rule_state (
     key TEXT PRIMARY KEY,
     json TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     last_event_id INTEGER NOT NULL
   );`,
];

/**
 * The sender's own ts of an event whose ts was implausible (a reset sensor clock) and which was stored at the
 * receive time: a row only for those rare events, so the events table and its insert stay as they are. A module of
 * its own, so that its steps never interleave with the store's.
 */
export const SENSOR_TS_MIGRATIONS: readonly MigrationStep[] = [
  `CREATE TABLE event_sensor_ts (
     event_id INTEGER PRIMARY KEY,
     sensor_ts INTEGER NOT NULL
   )`,
];

/**
 * A chattering device's repeats of the value it holds, past its bound (hub/chatter.ts): one row per device, type,
 * value and window instead of a row per report, written in the same commit (and fsync) as the batch's events, so a
 * repeat acknowledged is never lost: it is counted here. `window_start` is the device's window on the hub's clock;
 * `first_ts` and `last_ts` the repeats' own times. Its primary key begins with the window: retention prunes by it.
 */
export const REPEAT_MIGRATIONS: readonly MigrationStep[] = [
  `CREATE TABLE event_repeats (
     window_start INTEGER NOT NULL,
     home_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     type TEXT NOT NULL,
     value TEXT NOT NULL,
     first_ts INTEGER NOT NULL,
     last_ts INTEGER NOT NULL,
     count INTEGER NOT NULL,
     PRIMARY KEY (window_start, home_id, device_id, type, value)
   )`,
];

/**
 * The unassigned devices' caps (review, session 49; `MAX_UNASSIGNED_PER_HOME` and `MAX_UNASSIGNED_TOTAL`): indexes to
 * find a home's and the hub's least recently heard, and how many each home had dropped.
 */
export const UNASSIGNED_CAP_MIGRATIONS: readonly MigrationStep[] = [
  `CREATE INDEX unassigned_devices_home_last_seen ON unassigned_devices (home_id, last_seen);
   CREATE INDEX unassigned_devices_last_seen ON unassigned_devices (last_seen);
   CREATE TABLE unassigned_dropped (
     home_id TEXT PRIMARY KEY,
     count INTEGER NOT NULL
   );`,
];

/** A stored event with its row id (ids grow in the order events were stored). */
export interface StoredEvent extends SensorEvent {
  id: number;
  receivedAt: number;
}

export interface UnassignedDevice {
  homeId: string;
  deviceId: string;
  source: EventSource;
  firstSeen: number;
  lastSeen: number;
  count: number;
}

/** A row of the `events` table as SQLite returns it. */
export interface EventRow {
  id: number;
  home_id: string;
  device_id: string;
  type: string;
  value: string;
  ts: number;
  received_at: number;
  source: string;
  room: string | null;
  kind: string | null;
  assigned: number;
}

/** An `append` with its own promise: it resolves with the row id of its last event. */
interface OwnAppend {
  lastId: number;
  resolve: (lastId: number) => void;
  reject: (err: unknown) => void;
}

/** The one promise of every `appendToBatch` call of a batch: the batch's last row id once it is on disk. */
interface BatchPromise {
  promise: Promise<number>;
  resolve: (lastId: number) => void;
  reject: (err: unknown) => void;
}

function batchPromise(): BatchPromise {
  let resolve!: (lastId: number) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<number>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Its callers each handle the outcome; this only keeps a batch nobody waits for any more from crashing the process.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * The promises of one group commit: the appends with their own, and the shared one of `appendToBatch`, which
 * resolves with the batch's last row id. Not the events (they are in the database once committed): kept until
 * the fsync, tens of thousands of them would outlive V8's young generation under load.
 */
interface BatchPromises {
  own: OwnAppend[];
  shared: BatchPromise | undefined;
  /** The batch's last row id; 0 for a batch of repeat counts only (hub/chatter.ts). */
  lastId: number;
}

/** Resolve (or reject) every append of a batch: each its own, and the batch's shared promise. */
function settle({ own, shared, lastId }: BatchPromises): void {
  for (const append of own) append.resolve(append.lastId);
  shared?.resolve(lastId);
}

function fail({ own, shared }: BatchPromises, err: unknown): void {
  for (const append of own) append.reject(err);
  shared?.reject(err);
}

const NO_OWN_APPENDS: OwnAppend[] = [];

/** A committed batch waiting for the fsync of request `seq`. */
interface Unsynced extends BatchPromises {
  seq: number;
}

export interface EventStoreOptions {
  /**
   * fsync and checkpoints off the loop (default: for a database file in WAL mode). The batch commits on the loop
   * without waiting for the disk; its appends resolve (and their PUBACKs go) once an fsync of the WAL in libuv's
   * thread pool has carried it to disk. Checkpoints run in another thread with its own connection (see checkpointIn).
   */
  syncOffLoop?: boolean;
  /** Checkpoint once the WAL is this big (default `EventStore.CHECKPOINT_BYTES`). */
  checkpointBytes?: number;
  /** The WAL's hard limit (default `EventStore.WAL_LIMIT_BYTES`): past it, event commits pause while it is emptied. */
  walLimitBytes?: number;
  /** How long the checkpoint thread waits for work before it ends (default `EventStore.CHECKPOINTER_IDLE_MS`). */
  checkpointerIdleMs?: number;
  /**
   * Where checkpoints run: `native`, a thread of the SQLite extension native/checkpoint.c (no V8 isolate), or
   * `worker`, a worker thread. Default: native where `npm run build` could compile it, else the worker.
   */
  checkpointIn?: 'native' | 'worker';
  /** The native checkpointer's library (default: the build's, `nativeCheckpointLibrary()`). */
  checkpointLibrary?: string;
  /** How the WAL is carried to disk (default `fs.fsync`); tests hold it to see what the store does meanwhile. */
  syncFile?: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;
  logger?: Logger;
  /**
   * Told when event commits fail (a failed commit or fsync; the write lock held by another process for
   * `EventStore.BUSY_REPORT_MS`) and when a write is on the disk again (its fsync succeeded): the hub's storage health (hub/storage-health.ts).
   */
  writeHealth?: { eventWriteFailed(err: unknown): void; eventsStored(): void };
}

/** SQLite's error codes for a database another connection holds locked. */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY_'))
  );
}

/** An event's value as the JSON text stored: the two booleans (most sensor events) without serialising them. */
function valueText(value: EventValue): string {
  if (value === true) return 'true';
  if (value === false) return 'false';
  return JSON.stringify(value);
}

/** Decode an `events` row; throws a SyntaxError when its value is not JSON. */
export function toStored(row: EventRow): StoredEvent {
  const event: StoredEvent = {
    id: row.id,
    homeId: row.home_id,
    deviceId: row.device_id,
    type: row.type as EventType,
    value: JSON.parse(row.value) as EventValue,
    ts: row.ts,
    receivedAt: row.received_at,
    source: row.source as EventSource,
    assigned: row.assigned === 1,
  };
  if (row.room !== null) event.room = row.room;
  if (row.kind !== null) event.kind = row.kind as DeviceKind;
  return event;
}

/** The page cache of the hub's connection, KiB (SQLite's default). */
export const HUB_DB_CACHE_KIB = 2000;

/**
 * Open the hub database with the settings every module relies on. WAL with synchronous=NORMAL: a commit is in the
 * WAL file (safe from a killed process) without waiting for an fsync, so an alert is stored and published within
 * a millisecond. The event store then carries commits to the disk with an fsync of the WAL off the loop (or, for a
 * store without it, with a full fsync in the commit, `fullSync`), before any sender is acknowledged.
 * `exclusive`: no other connection (process or worker thread) can open the file while this one is open.
 */
export function openHubDatabase(file: string, options: { exclusive?: boolean } = {}): Db {
  const db = new Database(file);
  try {
    // Exclusive: the WAL index lives in this process's memory instead of the -shm file (see openForStart).
    if (options.exclusive) db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection (SQLite's own default is 2 MB); filled by
    // the pages of 1,000 homes it was 16 of the 1,000-home hub's peak (docs/performance.md, session 24). The pages
    // it no longer keeps are in the OS's page cache: a read costs a system call, not the disk.
    db.pragma(`cache_size = -${HUB_DB_CACHE_KIB}`);
  } catch (err) {
    // Closed, so that its locks do not stand in the way of a second attempt (see openForStart).
    db.close();
    throw err;
  }
  return db;
}

/** Run `write` as a commit that waits for the fsync of the WAL (and so of every commit before it). */
export function fullSync<T>(db: Db, write: () => T): T {
  db.pragma('synchronous = FULL');
  try {
    return write();
  } finally {
    db.pragma('synchronous = NORMAL');
  }
}

const NO_REPEATS: RepeatCount[] = [];

/** One group commit: the events' rows (ids from `firstId`) and the repeat counts, in one transaction. */
type WriteBatch = (
  events: readonly SensorEvent[],
  firstId: number,
  receivedAt: number,
  repeats: readonly RepeatCount[],
) => void;

export class EventStore implements RepeatSink {
  /**
   * The events of the next group commit, one flat array in row id order: the first has `queueFirstId`, each next one
   * the next id (ids are reserved in the order events are queued, and the queue goes to a commit whole). No object
   * per append: under ingest each would wait for the commit and be copied by the young generation's collections.
   */
  private queue: SensorEvent[] = [];
  private queueFirstId = 0;
  /** The appends now in `queue` that have their own promise (`append`; rare: `appendToBatch` shares one). */
  private ownAppends: OwnAppend[] = NO_OWN_APPENDS;
  /** The shared promise of the appends now in `queue` that asked for one. */
  private shared: BatchPromise | undefined;
  /** Counts of repeats for the next commit (hub/chatter.ts), with the events' rows; usually none. */
  private repeats: RepeatCount[] = NO_REPEATS;
  /** Numbers the batches: a count made in one is counted into only until that batch is taken for its commit. */
  private batchNo = 0;
  private nextId: number;
  private flushScheduled = false;
  private closed = false;
  private readonly insertEvent: Statement;
  /** Four events' rows in one statement (the group commit's bulk). */
  private readonly insertFourEvents: Statement;
  private readonly upsertUnassigned: Statement;
  private readonly countUnassignedOfHome: Statement<[string], { n: number }>;
  private readonly dropOldestUnassignedOfHome: Statement<[string, number]>;
  private readonly countUnassigned: Statement<[], { n: number }>;
  private readonly oldestUnassigned: Statement<[number], { id: number; home_id: string }>;
  private readonly dropUnassigned: Statement<[number]>;
  private readonly addUnassignedDropped: Statement<[string, number]>;
  private readonly insertSensorTs: Statement;
  private readonly upsertRepeat: Statement;
  private readonly selectSensorTs: Statement<[number], { sensor_ts: number }>;
  private readonly writeBatch: WriteBatch;
  private readonly selectHomeRange: Statement;
  private readonly selectAfter: Statement;
  private readonly selectState: Statement;
  private readonly upsertState: Statement;

  /** Flush at once when this many events are waiting (otherwise on the next turn of the event loop). */
  static readonly MAX_BATCH_EVENTS = 4096;

  /**
   * The WAL size that starts a checkpoint. A checkpoint copies each page once, however many commits rewrote it, and
   * under ingest every commit rewrites the index's leaf page of each home in it: a larger WAL between checkpoints
   * copies the same hot pages fewer times (measured: 32 MiB cost about a quarter less CPU per stored row than
   * SQLite's own 4 MiB; docs/performance.md). The price is up to that much more disk for the WAL.
   */
  static readonly CHECKPOINT_BYTES = 32 * 1024 * 1024;

  /**
   * The WAL's hard limit. Under sustained ingest a PASSIVE checkpoint never copies all of the WAL (each commit adds
   * frames while it copies; a reader's old snapshot holds it back too), and SQLite starts the WAL again only once all
   * of it is copied: the file grew by about 1.5 KB a row for as long as the burst lasted (443 MiB after 300,000 rows
   * in `bench/storeCost.ts`), until the disk was full. Past this size the store pauses its event commits (they wait
   * in memory, unacknowledged) while the checkpoint thread copies what is left; the next commit then starts the WAL
   * again and `journal_size_limit` cuts the file back. Twice the checkpoint threshold: a burst the PASSIVE
   * checkpoints keep up with never reaches it.
   */
  static readonly WAL_LIMIT_BYTES = 2 * EventStore.CHECKPOINT_BYTES;

  /** The WAL file is made whole at start only with this many times its size free on the disk (see reserveWal). */
  static readonly RESERVE_FREE_FACTOR = 4;

  /** How long event commits stay paused for one emptying at most; a reader's old snapshot can hold it back. */
  static readonly DRAIN_MS = 1_000;

  /** After an emptying that a reader held back, the next one waits this long: ingest is not paused back to back. */
  static readonly DRAIN_RETRY_MS = 2_000;

  /** Events that may wait in memory while the WAL is emptied; past it they commit (and the emptying goes on). */
  static readonly DRAIN_MAX_EVENTS = 16 * EventStore.MAX_BATCH_EVENTS;

  /**
   * How long the checkpoint thread stays without work before it ends. Under sustained ingest it checkpoints every
   * second or so: one thread for the burst instead of one per checkpoint (a thread's start, a V8 isolate and the
   * better-sqlite3 module, took 0.4-0.9 s at this machine's load, longer than the checkpoint, and while the WAL is
   * past its hard limit the event commits wait for it). Between bursts no thread, no memory.
   */
  static readonly CHECKPOINTER_IDLE_MS = 5_000;

  /** Retry delays while another process holds the write lock (the last one repeats). */
  static readonly BUSY_RETRY_MS = [5, 20, 50, 100, 250] as const;

  /** Events waiting this long for another process's write lock make storage degraded (a moment's lock does not). */
  static readonly BUSY_REPORT_MS = 1_000;

  /**
   * After a failed event commit, how often a write is tried without events (`probeWrite`): a quiet home sends nothing
   * that would show the disk takes writes again, and storage would stay degraded.
   */
  static readonly WRITE_PROBE_MS = 2_000;
  /**
   * While the disk keeps refusing the WAL written again, the wait before the next try doubles from `WRITE_PROBE_MS`
   * up to this: each try writes the whole log again on the event loop, in front of the alerts, and the log grows
   * meanwhile (no checkpoint while in doubt): every 2 s, a log of hundreds of MiB after hours of a failing card would
   * hold the loop for a good part of each period (review, session 31).
   */
  static readonly REWRITE_MAX_MS = 64_000;

  private readonly storedTotal: Counter | undefined;
  private readonly commitSeconds: Histogram | undefined;
  private readonly busyTotal: Counter | undefined;
  private readonly checkpointsTotal: Counter<'result'> | undefined;
  private readonly pausedSeconds: Counter | undefined;
  /** `performance.now()` when event commits paused for the emptying. */
  private drainStartedAt = 0;
  /** The WAL file, open for fsync; undefined when the store fsyncs in each commit instead. */
  private walFd: number | undefined;
  private readonly walFile: string;
  private readonly checkpointBytes: number;
  private readonly walLimitBytes: number;
  /** The WAL passed its hard limit: event commits wait until the checkpoint thread has copied all of it (see flush). */
  private draining = false;
  /** `performance.now()` before which no emptying starts again (one a reader held back). */
  private nextEmptyingAt = 0;
  /**
   * An event commit has run since the last emptying ended. The WAL file keeps its size after an emptying until a
   * commit starts it again (and `journal_size_limit` cuts it back): without one, every fsync's end (an alert change
   * each turn keeps one running) would find the file still over the limit and pause the events again before their
   * commit, for ever.
   */
  private committedSinceDrain = true;
  private warnedWalLimit = false;
  private syncing = false;
  /** A group commit came due while an fsync ran: it waits for that fsync's end (see flush). */
  private commitAfterSync = false;
  /**
   * That commit is scheduled: no fsync starts before it (an alert change's `syncSoon` every turn would otherwise start
   * one each time just before it, and the events would wait, unacknowledged, for as long as the changes came).
   */
  private commitDue = false;
  private readonly syncFile: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;
  private fdToClose: number | undefined;
  /** The checkpoint thread, while it lives (see CHECKPOINTER_IDLE_MS). */
  private checkpointer: Worker | undefined;
  /** What the log holds, from SQLite's wal hook (the native extension); undefined: the WAL file's size says it. */
  private walLogBytes: (() => number | undefined) | undefined;
  /** The extension's checkpoint thread, when it loaded: used instead of the worker thread. */
  private nativeCheckpointer: NativeCheckpointer | undefined;
  /** The checkpoint it is doing now, if any. */
  private checkpointRunning: 'passive' | 'empty' | undefined;
  private checkpointerIdle: NodeJS.Timeout | undefined;
  private readonly checkpointerIdleMs: number;
  private readonly checkpointThreads: Counter | undefined;
  private readonly log: Logger | undefined;
  private readonly unsynced: Unsynced[] = [];
  private syncSeq = 0;
  private busyRetries = 0;
  /** `performance.now()` of the first retry of the current wait for the write lock. */
  private busySince = 0;
  private readonly writeHealth: EventStoreOptions['writeHealth'];
  /** A failure was reported to `writeHealth` and no write has reached the disk since. */
  private writeFaultReported = false;
  /**
   * A commit (or the write probe) landed after the reported failure; with the WAL fsynced apart, it is on the disk
   * only once the next fsync succeeds: a disk whose fsync fails (EIO) takes writes into the page cache still.
   */
  private landedSinceFault = false;
  /** Counts reported failures: an fsync that started before the latest one does not end it. */
  private faultGeneration = 0;
  /**
   * An fsync of the WAL failed (or, committing with a full fsync, a commit did): the kernel may have marked the failed
   * frames' pages clean, so a later fsync that "succeeds" proves nothing about them, and a power cut's recovery would
   * stop at them, taking every later commit with it. Until an fsync that started after the frames were written again
   * (`writeWalAgainNow`) succeeds, no fsync acknowledges anything and no checkpoint starts. Looked at only after a
   * failure: the working disk's path tests this one boolean.
   */
  private walInDoubt = false;
  /** The database is in WAL mode (a file, not in memory). */
  private readonly walMode: boolean;
  private probeTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private syncSoonScheduled = false;
  /** The newest fsync request known on disk whose commits are not acknowledged yet (see settleSynced). */
  private syncedSeq = 0;
  private settleScheduled = false;
  /** While the WAL is in doubt, a failed try to carry it: the next waits for this timer. */
  private rewriteTimer: NodeJS.Timeout | undefined;
  /** The failure to write the WAL again was logged (once per episode). */
  private warnedRewrite = false;
  /** The WAL written again was logged (once per episode). */
  private rewriteLogged = false;
  /** Tries to carry the WAL refused in a row in this episode (`rewriteLater`'s wait doubles with each). */
  private rewritesRefused = 0;
  /** Events refused while the WAL was in doubt at its hard limit was logged (once per episode). */
  private warnedDoubtFull = false;
  private readonly refusedTotal: Counter | undefined;

  constructor(
    readonly db: Db,
    private readonly clock: Clock,
    metrics?: Registry,
    options: EventStoreOptions = {},
  ) {
    migrate(db, 'store', STORE_MIGRATIONS);
    migrate(db, 'event-sensor-ts', SENSOR_TS_MIGRATIONS);
    migrate(db, 'event-repeats', REPEAT_MIGRATIONS);
    migrate(db, 'unassigned-cap', UNASSIGNED_CAP_MIGRATIONS);
    this.log = options.logger?.child({ ns: 'store' });
    this.writeHealth = options.writeHealth;
    this.walFile = `${db.name}-wal`;
    this.checkpointBytes = options.checkpointBytes ?? EventStore.CHECKPOINT_BYTES;
    this.walLimitBytes = options.walLimitBytes ?? EventStore.WAL_LIMIT_BYTES;
    this.checkpointerIdleMs = options.checkpointerIdleMs ?? EventStore.CHECKPOINTER_IDLE_MS;
    // Looked up at each call, not kept: a tracer that wraps fs.fsync later still sees the store's calls.
    this.syncFile = options.syncFile ?? ((fd, done) => fs.fsync(fd, done));
    const walMode = !db.memory && db.pragma('journal_mode', { simple: true }) === 'wal';
    this.walMode = walMode;
    if ((options.syncOffLoop ?? true) && walMode) {
      // The WAL exists once the migrations have written; it lives as long as this connection is open.
      this.walFd = fs.openSync(this.walFile, 'r+');
      // This connection no longer checkpoints (a checkpoint fsyncs the database): a checkpoint thread does.
      db.pragma('wal_autocheckpoint = 0');
      if (options.checkpointIn !== 'worker') {
        const native = NativeCheckpointer.load(db, options.checkpointLibrary);
        if (native instanceof NativeCheckpointer) this.nativeCheckpointer = native;
        else
          this.log?.info(
            { reason: native.unavailable },
            'WAL checkpoints in a worker thread, and the WAL file cut back and grown again (no native extension)',
          );
      }
      if (this.nativeCheckpointer) {
        // The WAL file is made whole once, here, and kept: each commit (the alert's too) then writes its frames over
        // blocks the file has. A file that grows takes ext4's block-map lock in each write past its end (a delayed
        // block reserved, the size moved), which the WAL's fsync in libuv's pool holds while it allocates the same
        // file's blocks: the alert's commit slept there, and in the cut back to a quarter of the threshold that
        // `journal_size_limit` made each time the log started again (docs/performance.md, sessions 27 and 28). What
        // the log holds comes from SQLite's wal hook, not the file's size (maybeCheckpoint).
        this.walLogBytes = this.nativeCheckpointer.walLogBytes(db.pragma('page_size', { simple: true }) as number);
        db.pragma(`journal_size_limit = ${this.walLimitBytes}`);
        this.reserveWal();
      } else {
        // SQLite reuses the WAL file after a checkpoint without shrinking it: once one burst had grown it past the
        // threshold, its size (what maybeCheckpoint looks at) stayed there and every fsync started a checkpoint
        // worker. Cut back to a quarter of the threshold when the WAL starts again, its size follows what it holds.
        db.pragma(`journal_size_limit = ${Math.floor(this.checkpointBytes / 4)}`);
      }
    }
    if (metrics) {
      const walBytes = (): number => {
        try {
          return (
            this.currentWalLogBytes() ??
            (this.walFd !== undefined ? fs.fstatSync(this.walFd).size : fs.statSync(this.walFile).size)
          );
        } catch {
          return 0;
        }
      };
      new Gauge({
        name: 'telecare_store_wal_bytes',
        help: 'What the database WAL holds (its file kept whole; without the native extension, the file size), bounded by a hard limit past which ingest pauses while it is emptied',
        registers: [metrics],
        collect(this: Gauge) {
          this.set(walBytes());
        },
      });
      this.pausedSeconds = new Counter({
        name: 'telecare_store_wal_pause_seconds_total',
        help: 'Time event commits waited while the WAL, past its hard limit, was emptied',
        registers: [metrics],
      });
      this.checkpointThreads = new Counter({
        name: 'telecare_store_checkpoint_threads_total',
        help: 'Checkpoint threads started (a worker thread serves a whole burst and ends when idle; the native one lives until the store closes)',
        registers: [metrics],
      });
      this.checkpointsTotal = new Counter({
        name: 'telecare_store_checkpoints_total',
        help: 'WAL checkpoints run off the loop, by result (emptied: all of the WAL copied, with event commits paused, after it passed its hard limit)',
        labelNames: ['result'],
        registers: [metrics],
      });
      this.busyTotal = new Counter({
        name: 'telecare_store_busy_total',
        help: 'Event batches put back because another process held the database write lock',
        registers: [metrics],
      });
      this.refusedTotal = new Counter({
        name: 'telecare_store_refused_events_total',
        help: 'Sensor events refused, not stored (their senders keep them): the WAL was in doubt after a failed fsync and at its hard limit',
        registers: [metrics],
      });
      this.storedTotal = new Counter({
        name: 'telecare_store_events_total',
        help: 'Sensor events committed to the store',
        registers: [metrics],
      });
      this.commitSeconds = new Histogram({
        name: 'telecare_store_commit_seconds',
        help: 'Duration of one group commit (insert and fsync)',
        buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
        registers: [metrics],
      });
    }
    this.insertEvent = db.prepare(
      `INSERT INTO events (id, home_id, device_id, type, value, ts, received_at, source, room, kind, assigned)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.upsertUnassigned = db.prepare(
      `INSERT INTO unassigned_devices (home_id, device_id, source, first_seen, last_seen, count)
       VALUES (?, ?, ?, ?, ?, 1)
       ON CONFLICT (home_id, device_id) DO UPDATE SET last_seen = excluded.last_seen, count = count + 1, source = excluded.source`,
    );
    this.countUnassignedOfHome = db.prepare('SELECT COUNT(*) AS n FROM unassigned_devices WHERE home_id = ?');
    this.dropOldestUnassignedOfHome = db.prepare(
      `DELETE FROM unassigned_devices WHERE rowid IN
         (SELECT rowid FROM unassigned_devices WHERE home_id = ? ORDER BY last_seen, rowid LIMIT ?)`,
    );
    this.countUnassigned = db.prepare('SELECT COUNT(*) AS n FROM unassigned_devices');
    this.oldestUnassigned = db.prepare(
      'SELECT rowid AS id, home_id FROM unassigned_devices ORDER BY last_seen, rowid LIMIT ?',
    );
    this.dropUnassigned = db.prepare('DELETE FROM unassigned_devices WHERE rowid = ?');
    this.addUnassignedDropped = db.prepare(
      `INSERT INTO unassigned_dropped (home_id, count) VALUES (?, ?)
       ON CONFLICT (home_id) DO UPDATE SET count = count + excluded.count`,
    );
    this.insertSensorTs = db.prepare('INSERT INTO event_sensor_ts (event_id, sensor_ts) VALUES (?, ?)');
    this.selectSensorTs = db.prepare('SELECT sensor_ts FROM event_sensor_ts WHERE event_id = ?');
    // A window's repeats may span several batches: each commit adds its count to the window's row.
    this.upsertRepeat = db.prepare(
      `INSERT INTO event_repeats (window_start, home_id, device_id, type, value, first_ts, last_ts, count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (window_start, home_id, device_id, type, value) DO UPDATE SET
         first_ts = MIN(first_ts, excluded.first_ts), last_ts = MAX(last_ts, excluded.last_ts),
         count = count + excluded.count`,
    );
    const row = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    this.insertFourEvents = db.prepare(
      `INSERT INTO events (id, home_id, device_id, type, value, ts, received_at, source, room, kind, assigned)
       VALUES ${row}, ${row}, ${row}, ${row}`,
    );
    this.writeBatch = db.transaction<WriteBatch>((events, firstId, receivedAt, repeats) => {
      const n = events.length;
      let i = 0;
      // Four rows a statement, each value its own argument (better-sqlite3's array binding costs more than a row a
      // statement): a quarter of the calls into SQLite and of the result objects `run` makes.
      for (; i + 4 <= n; i += 4) {
        const a = events[i]!;
        const b = events[i + 1]!;
        const c = events[i + 2]!;
        const d = events[i + 3]!;
        const id = firstId + i;
        this.insertFourEvents.run(
          id,
          a.homeId,
          a.deviceId,
          a.type,
          valueText(a.value),
          a.ts,
          receivedAt,
          a.source,
          a.room ?? null,
          a.kind ?? null,
          a.assigned ? 1 : 0,
          id + 1,
          b.homeId,
          b.deviceId,
          b.type,
          valueText(b.value),
          b.ts,
          receivedAt,
          b.source,
          b.room ?? null,
          b.kind ?? null,
          b.assigned ? 1 : 0,
          id + 2,
          c.homeId,
          c.deviceId,
          c.type,
          valueText(c.value),
          c.ts,
          receivedAt,
          c.source,
          c.room ?? null,
          c.kind ?? null,
          c.assigned ? 1 : 0,
          id + 3,
          d.homeId,
          d.deviceId,
          d.type,
          valueText(d.value),
          d.ts,
          receivedAt,
          d.source,
          d.room ?? null,
          d.kind ?? null,
          d.assigned ? 1 : 0,
        );
      }
      for (; i < n; i++) {
        const e = events[i]!;
        this.insertEvent.run(
          firstId + i,
          e.homeId,
          e.deviceId,
          e.type,
          valueText(e.value),
          e.ts,
          receivedAt,
          e.source,
          e.room ?? null,
          e.kind ?? null,
          e.assigned ? 1 : 0,
        );
      }
      // The rare rows beside an event (same transaction: their order against the events' rows does not matter).
      let unassignedHomes: Set<string> | undefined;
      for (let k = 0; k < n; k++) {
        const e = events[k]!;
        if (!e.assigned) {
          this.upsertUnassigned.run(e.homeId, e.deviceId, e.source, receivedAt, receivedAt);
          (unassignedHomes ??= new Set()).add(e.homeId);
        }
        if (e.sensorTs !== undefined) this.insertSensorTs.run(firstId + k, e.sensorTs);
      }
      if (unassignedHomes) this.capUnassigned(unassignedHomes);
      for (const r of repeats)
        this.upsertRepeat.run(
          r.windowStart,
          r.homeId,
          r.deviceId,
          r.type,
          valueText(r.value),
          r.firstTs,
          r.lastTs,
          r.count,
        );
    });
    this.selectHomeRange = db.prepare(
      'SELECT * FROM events WHERE home_id = ? AND ts >= ? AND ts < ? ORDER BY ts, id LIMIT ?',
    );
    // One writer process: ids are handed out here, at append time, so the rules can see an event (and raise its
    // alert) before the batch's fsync; a failed batch leaves a gap, and its sender, unacknowledged, sends again.
    this.nextId = (db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events').get() as { id: number }).id + 1;
    this.selectAfter = db.prepare('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?');
    this.selectState = db.prepare('SELECT json, last_event_id FROM rule_state WHERE key = ?');
    this.upsertState = db.prepare(
      `INSERT INTO rule_state (key, json, updated_at, last_event_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at, last_event_id = excluded.last_event_id`,
    );
  }

  /**
   * Store events; resolves once they are committed to disk (with the row id of the last one, 0 for none).
   * Calls made before the next turn of the event loop share one transaction (group commit).
   * Their ids are reserved at once: `lastReservedId` is the last event's id as soon as this returns.
   */
  append(events: readonly SensorEvent[]): Promise<number> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    if (events.length === 0) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      const lastId = this.enqueue(events);
      if (this.ownAppends === NO_OWN_APPENDS) this.ownAppends = [];
      this.ownAppends.push({ lastId, resolve, reject });
      this.afterEnqueue();
    });
  }

  /**
   * As `append`, with the same guarantee (resolves once these events are on disk), but every call of a batch gets
   * the same promise, which resolves with the last row id of the whole batch: at tens of thousands of messages a
   * second, one promise (and one chain of work after it) per batch instead of one per message.
   */
  appendToBatch(events: readonly SensorEvent[]): Promise<number> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    if (events.length === 0) return Promise.resolve(0);
    this.shared ??= batchPromise();
    const { promise } = this.shared;
    this.enqueue(events);
    this.afterEnqueue();
    return promise;
  }

  /** The batch now open: a repeat count made in it is counted into until it is taken for its commit (RepeatSink). */
  get repeatBatch(): number {
    return this.batchNo;
  }

  /** Queue a count of a chattering device's repeats for the open batch's commit (hub/chatter.ts). */
  queueRepeat(row: RepeatCount): void {
    if (this.repeats === NO_REPEATS) this.repeats = [];
    this.repeats.push(row);
  }

  /**
   * The open batch's promise, as `appendToBatch` returns it: its repeat counts (and events) are on disk once it
   * resolves. For a message whose every report was counted (`queueRepeat`, or a count of this batch counted into).
   */
  batchDurable(): Promise<number> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    this.shared ??= batchPromise();
    const { promise } = this.shared;
    this.afterEnqueue();
    return promise;
  }

  /** Reserves the events' row ids and queues them for the next commit; returns the last one's id. */
  private enqueue(events: readonly SensorEvent[]): number {
    if (this.queue.length === 0) this.queueFirstId = this.nextId;
    for (const event of events) this.queue.push(event);
    this.nextId += events.length;
    return this.nextId - 1;
  }

  private afterEnqueue(): void {
    if (this.queue.length >= EventStore.MAX_BATCH_EVENTS) this.flush();
    else this.scheduleFlush();
  }

  /** Takes what is queued (for a commit, or to fail it), leaving the queue empty. */
  private takeQueue(): {
    events: SensorEvent[];
    firstId: number;
    repeats: RepeatCount[];
    promises: BatchPromises;
  } {
    const events = this.queue;
    const repeats = this.repeats;
    const promises: BatchPromises = {
      own: this.ownAppends,
      shared: this.shared,
      lastId: events.length > 0 ? this.queueFirstId + events.length - 1 : 0,
    };
    this.queue = [];
    this.repeats = NO_REPEATS;
    this.batchNo += 1;
    this.ownAppends = NO_OWN_APPENDS;
    this.shared = undefined;
    return { events, firstId: this.queueFirstId, repeats, promises };
  }

  /** Nothing waits for a commit: no event, no repeat count. */
  private get nothingQueued(): boolean {
    return this.queue.length === 0 && this.repeats.length === 0;
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // The next turn of the event loop, not this one's check phase: aedes hands every message to its subscribers
      // from a setImmediate queued after this append (an alert the rules raised from these events included), and the
      // group commit (0.1 ms and more under load) must not run in front of it. Nothing waits for the commit but the
      // sender's acknowledgement, which waits for the fsync anyway; batches only grow by the turn.
      setImmediate(() => setImmediate(() => this.flush()));
    }
  }

  /** Row id of the last event handed to `append` (stored, or about to be). */
  get lastReservedId(): number {
    return this.nextId - 1;
  }

  /**
   * Write everything waiting in one transaction (also called by close()). Off the loop (`syncOffLoop`) the commit
   * does not wait for the disk (microseconds: the WAL pages go to the page cache, safe from a killed process) and
   * the appends resolve after the fsync in the thread pool; otherwise the commit itself fsyncs. A write lock held by another process
   * puts the batch back for a retry a little later, with the same ids, instead of waiting on the loop.
   */
  flush(): void {
    this.flushScheduled = false;
    this.commitDue = false;
    if (this.nothingQueued || this.retryTimer) {
      // Nothing to commit now: what waits for an fsync (alert changes, a deferred commit's turn) still gets one.
      this.requestSync();
      return;
    }
    // While an fsync runs, a commit could not be acknowledged before the next fsync anyway: the events wait and go
    // in one commit once it ends. Each commit writes every page it touched to the WAL, the index's one leaf page per
    // home among them, so fewer, larger commits cost several times less per row (measured: docs/performance.md).
    // A full queue commits at once, to bound what waits in memory.
    if (this.syncing && this.walFd !== undefined && this.queue.length < EventStore.MAX_BATCH_EVENTS) {
      this.commitAfterSync = true;
      return;
    }
    // The WAL is being emptied: a commit now would add frames to copy. Resumed by its end.
    if (this.draining && this.queue.length < EventStore.DRAIN_MAX_EVENTS) {
      // Alert changes made meanwhile are still carried to the disk.
      this.requestSync();
      return;
    }
    // In doubt after a failed fsync, no checkpoint can empty the log and every commit grows it (a card that fails for
    // hours): past the hard limit the events are refused, not committed nor held (see refuseInDoubt).
    if (this.walInDoubt && this.walFd !== undefined && this.logAtLimit(this.walFd)) {
      this.refuseInDoubt();
      return;
    }
    const events = this.queue;
    const firstId = this.queueFirstId;
    const repeats = this.repeats;
    const endTimer = this.commitSeconds?.startTimer();
    try {
      if (this.walFd !== undefined) this.writeBatch(events, firstId, this.clock.now(), repeats);
      else this.commitFullSync(() => this.writeBatch(events, firstId, this.clock.now(), repeats));
      this.committedSinceDrain = true;
    } catch (err) {
      if (isBusy(err) && !this.closed) {
        this.retryLater(err);
        return;
      }
      // Committing with a full fsync, the fsync may be what failed (SQLITE_IOERR_FSYNC), with earlier commits' frames.
      if (this.walFd === undefined && this.walMode) this.walInDoubt = true;
      this.reportWriteFault(err);
      fail(this.takeQueue().promises, err);
      return;
    }
    const { promises } = this.takeQueue();
    this.busyRetries = 0;
    this.writeLanded();
    endTimer?.();
    this.storedTotal?.inc(events.length);
    if (this.walFd !== undefined) {
      this.unsynced.push({ seq: ++this.syncSeq, ...promises });
      this.requestSync();
    } else {
      settle(promises);
    }
  }

  /**
   * A commit that fsyncs the WAL itself (no WAL descriptor of the store's own). After one that failed, the WAL's frames
   * written again first (the alert changes' too, which commit without an fsync): its fsync then carries them all.
   */
  private commitFullSync(write: () => void): void {
    if (this.walInDoubt) {
      const fd = fs.openSync(this.walFile, 'r+');
      try {
        this.writeWalAgain(fd, undefined);
      } finally {
        fs.closeSync(fd);
      }
    }
    fullSync(this.db, write);
    if (this.walInDoubt) this.walCarriedAgain();
  }

  /**
   * Carry every commit made so far on this connection (alert changes too, which commit without an fsync) to the
   * disk, off the loop; a no-op when each batch commit fsyncs itself.
   */
  syncSoon(): void {
    if (this.walFd === undefined) return;
    // Its own entry: an fsync already running may have started before these commits.
    this.unsynced.push({ seq: ++this.syncSeq, own: NO_OWN_APPENDS, shared: undefined, lastId: 0 });
    if (this.syncSoonScheduled) return;
    this.syncSoonScheduled = true;
    // Asked for while an alert is being published: handing an fsync to the thread pool wakes a thread, which on a
    // busy two-core machine takes the core from this loop before aedes has written the alert (it writes from a
    // setImmediate queued after this call). The commits are safe from a killed process already; the next turn is
    // soon enough for the disk.
    setImmediate(() =>
      setImmediate(() => {
        this.syncSoonScheduled = false;
        this.requestSync();
      }),
    );
  }

  /**
   * One fsync at a time, in libuv's thread pool; commits made while one runs wait for the next, which covers them
   * all (group commit of the fsyncs). fsync applies to the file, whichever descriptor it is called on: the pages
   * this connection wrote into the page cache reach the disk as synchronous=FULL would have done in the commit.
   */
  private requestSync(): void {
    if (this.syncing || this.commitDue || this.walFd === undefined || this.unsynced.length === 0) return;
    // Every commit waiting is on disk already, its acknowledgement queued (settleSynced).
    if (this.syncSeq <= this.syncedSeq) return;
    // After a failed fsync, the frames written again first: this fsync then carries them (or fails again).
    const rewritten = this.walInDoubt;
    if (rewritten && (this.rewriteTimer || !this.writeWalAgainNow(this.walFd))) return;
    this.syncing = true;
    const seq = this.syncSeq;
    // This fsync ends a reported failure if it carries a write made after it (see writeLanded).
    const endsFault =
      this.writeFaultReported && (this.landedSinceFault || rewritten) ? this.faultGeneration : undefined;
    this.syncFile(this.walFd, (err) => {
      this.syncing = false;
      if (this.fdToClose !== undefined) {
        fs.close(this.fdToClose, () => undefined);
        this.fdToClose = undefined;
      }
      if (err) {
        // Once per episode at error (the storage health counts each one): a failing disk is not a line per batch.
        if (!this.writeFaultReported)
          this.log?.error({ err: err.message }, 'fsync of the event store failed: nothing acknowledged');
        this.reportWriteFault(err);
        // No later fsync's success is trusted for the failed frames until they are written again (requestSync).
        this.walInDoubt = true;
        // Written again and refused again: the disk still fails; the next try waits (writing the log again is work on
        // this loop, in front of the alerts) and then carries whatever waits by then.
        if (rewritten) this.rewriteLater();
        // Commits an earlier fsync carried to disk are acknowledged still; only the rest fail.
        this.resolveSynced(this.syncedSeq);
        this.failUnsynced(err);
      } else {
        // The frames written again before this fsync began are on the disk, and every commit before them.
        if (rewritten && this.walInDoubt) this.walCarriedAgain();
        if (endsFault !== undefined && endsFault === this.faultGeneration) this.writeFaultEnded();
        this.settleSynced(seq);
        this.maybeCheckpoint();
      }
      if (this.commitAfterSync) {
        this.commitAfterSync = false;
        this.commitDue = true;
        // Two turns later, as any group commit (see enqueue): not in front of an alert aedes is about to write. The
        // commit then asks for the next fsync, which also covers whatever else waits for one.
        this.scheduleFlush();
        return;
      }
      // After a success the next fsync starts from settleSynced's immediate: handing it to the thread pool wakes a
      // thread, which on two cores takes the core from this loop (as in syncSoon).
      if (err) this.requestSync();
    });
  }

  /**
   * Acknowledge the commits fsync request `seq` carried to disk from an immediate, not in the fsync's callback: the
   * completion comes in the poll phase, often right after a press's read in the same phase, and its PUBACKs (one write
   * per sender) ran in front of that press's alert, which aedes writes from an immediate queued by the press's turn.
   * Queued now, they go after it. One immediate for every completion until it runs; it also starts the next fsync.
   */
  private settleSynced(seq: number): void {
    this.syncedSeq = Math.max(this.syncedSeq, seq);
    if (this.settleScheduled) return;
    this.settleScheduled = true;
    setImmediate(() => {
      this.settleScheduled = false;
      this.resolveSynced(this.syncedSeq);
      this.requestSync();
    });
  }

  private resolveSynced(seq: number): void {
    for (let next = this.unsynced[0]; next !== undefined && next.seq <= seq; next = this.unsynced[0]) {
      this.unsynced.shift();
      settle(next);
    }
  }

  /** The disk did not take the commits: none of them may be acknowledged (their senders send them again). */
  private failUnsynced(err: unknown): void {
    for (const batch of this.unsynced.splice(0)) fail(batch, err);
  }

  /**
   * While the WAL is in doubt (a failed fsync), before an fsync: its header and frames written again in place, under
   * SQLite's write lock (no commit or restart of the log meanwhile), so that the fsync carries every one of them. False
   * when that could not be done: the commits waiting fail (their senders send them again), storage stays failing, and
   * the next try waits (`rewriteLater`).
   */
  private writeWalAgainNow(fd: number): boolean {
    try {
      this.writeWalAgain(fd, this.currentWalLogBytes());
      return true;
    } catch (err) {
      if (!this.warnedRewrite) {
        this.warnedRewrite = true;
        this.log?.error(
          { err: (err as Error).message },
          'the WAL could not be written again after a failed fsync: nothing acknowledged until it can be',
        );
      }
      this.reportWriteFault(err);
      this.resolveSynced(this.syncedSeq);
      this.failUnsynced(err);
      this.rewriteLater();
      return false;
    }
  }

  /**
   * The next fsync (and the WAL written again before it) after `WRITE_PROBE_MS`, doubled with each try refused in a
   * row, up to `REWRITE_MAX_MS`.
   */
  private rewriteLater(): void {
    if (this.rewriteTimer || this.closed) return;
    const waitMs = Math.min(EventStore.REWRITE_MAX_MS, EventStore.WRITE_PROBE_MS * 2 ** this.rewritesRefused);
    this.rewritesRefused++;
    this.rewriteTimer = setTimeout(() => {
      this.rewriteTimer = undefined;
      this.requestSync();
    }, waitMs);
    this.rewriteTimer.unref();
  }

  /**
   * `writeWalAgain` (wal-rewrite.ts) inside a write transaction that changes nothing; throws what failed. Another
   * process's write lock is not waited for on this loop (SQLITE_BUSY at once: tried again later).
   */
  private writeWalAgain(fd: number, logBytes: number | undefined): void {
    beginImmediateNoWait(this.db);
    try {
      const bytes = writeWalAgain(fd, logBytes);
      if (!this.rewriteLogged) {
        this.rewriteLogged = true;
        this.log?.warn(
          { bytes },
          'the WAL written again after a failed fsync; acknowledged again once an fsync succeeds',
        );
      }
    } finally {
      try {
        this.db.exec('COMMIT');
      } finally {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      }
    }
  }

  /** The log holds the hard limit or more (`walLimitBytes`); a file that cannot be read counts as not. */
  private logAtLimit(walFd: number): boolean {
    try {
      const bytes = this.walLogBytes ? this.currentWalLogBytes() : fs.fstatSync(walFd).size;
      return bytes !== undefined && bytes >= this.walLimitBytes;
    } catch {
      return false;
    }
  }

  /**
   * While the WAL is in doubt and at its hard limit: the events waiting are refused at once, not committed. Their
   * senders were not acknowledged and keep them (a refused batch closes the sender's connection: it sends them again
   * once it reconnects, and they are stored once the log is on the disk again); the rules have seen them already
   * (intake feeds them before the commit). Not held in memory instead: nothing held could be acknowledged before the
   * disk takes the log again either, and a card can fail for days. Alert changes and the rules' snapshots still
   * commit (a few KB each, not the ingest's rate). Counted (`telecare_store_refused_events_total`, and the storage
   * health's failures), logged once per episode.
   */
  private refuseInDoubt(): void {
    const { events, repeats, promises } = this.takeQueue();
    const err = Object.assign(
      new Error(
        'the WAL is in doubt after a failed fsync and at its hard limit: events refused until it is on the disk',
      ),
      { code: 'WAL_IN_DOUBT_FULL' },
    );
    if (!this.warnedDoubtFull) {
      this.warnedDoubtFull = true;
      this.log?.error(
        { limitBytes: this.walLimitBytes },
        'the WAL reached its hard limit while in doubt after a failed fsync: sensor events refused (their senders keep them) until the disk takes it',
      );
    }
    let refused = events.length;
    for (const r of repeats) refused += r.count;
    this.refusedTotal?.inc(refused);
    this.writeHealth?.eventWriteFailed(err);
    fail(promises, err);
    // Alert changes waiting are still carried (and the try to carry the log, when its wait is over).
    this.requestSync();
  }

  /** The frames written again are on the disk: fsyncs acknowledge again, checkpoints may run. */
  private walCarriedAgain(): void {
    this.walInDoubt = false;
    this.rewriteLogged = false;
    this.warnedRewrite = false;
    this.warnedDoubtFull = false;
    this.rewritesRefused = 0;
    this.log?.info('the WAL is on the disk again after a failed fsync: commits acknowledged again');
  }

  /**
   * After each fsync: a PASSIVE checkpoint in the checkpoint thread once the WAL has grown past the threshold; past
   * the hard limit, PASSIVE ones until all of it is copied, while event commits pause. The alert path never waits for
   * it: alerts commit meanwhile, and no checkpoint takes the write lock.
   */
  private maybeCheckpoint(): void {
    // In doubt: a checkpoint would copy frames the disk may not have into the database, and the log started again
    // after it, a power cut's recovery would replay an older prefix of the broken log over them.
    if (this.draining || this.closed || this.walFd === undefined || this.walInDoubt) return;
    let walBytes: number;
    try {
      // Synchronous: no commit can slip in between this look and the pause below. With the wal hook, the log's
      // length (undefined before this connection's first commit: nothing of this run's to copy yet).
      const logBytes = this.walLogBytes ? this.currentWalLogBytes() : fs.fstatSync(this.walFd).size;
      if (logBytes === undefined) return;
      walBytes = logBytes;
    } catch {
      return;
    }
    if (walBytes >= this.walLimitBytes && this.committedSinceDrain && performance.now() >= this.nextEmptyingAt) {
      if (!this.warnedWalLimit) {
        this.warnedWalLimit = true;
        this.log?.warn(
          { walBytes, limitBytes: this.walLimitBytes },
          'the WAL passed its hard limit (checkpoints fall behind the ingest): event commits pause while it is emptied',
        );
      }
      // Between two group commits (flush runs whole on this loop): the WAL grows by no further event commit.
      this.draining = true;
      this.drainStartedAt = performance.now();
      // A PASSIVE checkpoint still running asks for the emptying when it ends.
      if (!this.checkpointRunning) this.requestCheckpoint('empty');
      return;
    }
    if (walBytes >= this.checkpointBytes && !this.checkpointRunning) this.requestCheckpoint('passive');
  }

  /** What the log holds, when the native extension's wal hook says it (undefined before the first commit). */
  private currentWalLogBytes(): number | undefined {
    return this.db.open ? this.walLogBytes?.() : undefined;
  }

  /**
   * At start, before any press: the WAL file made as long as the log gets before a checkpoint starts it again (the
   * threshold and a quarter for the commits during the checkpoint, within the hard limit), through SQLite's own
   * descriptor (native/checkpoint.c). The new blocks' zeros go to disk with the first fsync.
   */
  private reserveWal(): void {
    const walFd = this.walFd;
    if (!this.nativeCheckpointer || walFd === undefined) return;
    const bytes = Math.min(this.walLimitBytes, Math.ceil(this.checkpointBytes * 1.25));
    try {
      if (fs.fstatSync(walFd).size >= bytes) return;
      // Not the last free space of a disk that is nearly full: the store's other writes need it more (the file then
      // grows as it did without the reserve).
      const disk = fs.statfsSync(path.dirname(this.walFile));
      if (disk.bavail * disk.bsize < EventStore.RESERVE_FREE_FACTOR * bytes) {
        this.log?.info(
          { bytes, freeBytes: disk.bavail * disk.bsize },
          'WAL file not made whole at start: disk nearly full',
        );
        return;
      }
      this.nativeCheckpointer.reserveWal(bytes);
    } catch (err) {
      // A full disk: the log grows block by block as without the reserve.
      this.log?.warn({ err: (err as Error).message, bytes }, 'could not make the WAL file whole at start');
    }
  }

  private requestCheckpoint(kind: 'passive' | 'empty'): void {
    clearTimeout(this.checkpointerIdle);
    if (this.nativeCheckpointer) {
      this.checkpointRunning = kind;
      const { firstThread } = this.nativeCheckpointer.request(kind, EventStore.DRAIN_MS, (reply) =>
        this.checkpointDone(reply),
      );
      if (firstThread) this.checkpointThreads?.inc();
      return;
    }
    const worker = this.checkpointer ?? this.startCheckpointer();
    this.checkpointRunning = kind;
    const request: CheckpointRequest = kind === 'empty' ? { empty: { drainMs: EventStore.DRAIN_MS } } : {};
    worker.postMessage(request);
  }

  private startCheckpointer(): Worker {
    const data: CheckpointWorkerData = { dbFile: this.db.name };
    const worker = new Worker(workerScript(import.meta.url, 'store-checkpoint-worker'), { workerData: data });
    this.checkpointer = worker;
    this.checkpointThreads?.inc();
    worker.unref();
    worker.on('message', (reply: CheckpointReply) => this.checkpointDone(reply));
    worker.once('error', (e) =>
      this.log?.warn({ err: e.message }, 'event store checkpoint worker failed; will try again'),
    );
    worker.once('exit', () => {
      // A thread told to close ends after another may have started: only the current one's end counts.
      if (this.checkpointer !== worker) return;
      this.checkpointer = undefined;
      // Ended in the middle of a checkpoint (it could not open the database...): as a failed one.
      if (this.checkpointRunning) this.checkpointDone({ ok: false, message: 'checkpoint thread ended' });
    });
    return worker;
  }

  private checkpointDone(reply: CheckpointReply): void {
    const emptying = this.checkpointRunning === 'empty';
    this.checkpointRunning = undefined;
    const emptied = reply.ok && reply.emptied;
    // A reader's old snapshot held the WAL: ingest goes on for a while before the next try.
    if (emptying && !emptied) this.nextEmptyingAt = performance.now() + EventStore.DRAIN_RETRY_MS;
    this.checkpointsTotal?.inc({
      result: !reply.ok ? 'failed' : emptying ? (emptied ? 'emptied' : 'busy') : 'done',
    });
    // The WAL only grows meanwhile; the next fsync tries again.
    if (!reply.ok) this.log?.warn({ err: reply.message }, 'event store checkpoint failed; will try again');
    if (this.draining && !emptying && !this.closed && !this.walInDoubt) {
      this.requestCheckpoint('empty');
      return;
    }
    this.endDrain();
    if (this.closed) {
      this.stopCheckpointer();
      return;
    }
    clearTimeout(this.checkpointerIdle);
    // The native thread waits for the next request at no cost: it lives until the store closes.
    if (this.nativeCheckpointer) return;
    this.checkpointerIdle = setTimeout(() => this.stopCheckpointer(), this.checkpointerIdleMs);
    this.checkpointerIdle.unref();
  }

  /** Ends the idle checkpoint thread (it closes its connection first); a later checkpoint starts another. */
  private stopCheckpointer(): void {
    clearTimeout(this.checkpointerIdle);
    if (this.nativeCheckpointer && !this.checkpointRunning) this.nativeCheckpointer.stop();
    if (!this.checkpointer || this.checkpointRunning) return;
    this.checkpointer.postMessage({ close: true } satisfies CheckpointRequest);
    this.checkpointer = undefined;
  }

  /** Event commits go on after the emptying (or a thread that ended without one); the next one starts the WAL again. */
  private endDrain(): void {
    if (!this.draining) return;
    this.draining = false;
    this.committedSinceDrain = false;
    this.pausedSeconds?.inc((performance.now() - this.drainStartedAt) / 1000);
    if (!this.nothingQueued && !this.closed) this.scheduleFlush();
  }

  /** Tell the storage health that events could not be stored (once per fault; counted there each time). */
  private reportWriteFault(err: unknown): void {
    this.writeFaultReported = true;
    this.landedSinceFault = false;
    this.faultGeneration += 1;
    this.writeHealth?.eventWriteFailed(err);
    this.scheduleProbe();
  }

  /**
   * A write transaction committed. With each commit fsynced in itself, it is on the disk: a reported failure ends
   * now. With the WAL fsynced apart, the commit is in the page cache only: the failure ends when an fsync that started
   * after it succeeds (requestSync), not before (a disk whose fsync fails would be "back" at each commit).
   */
  private writeLanded(): void {
    if (!this.writeFaultReported) return;
    if (this.walFd === undefined) this.writeFaultEnded();
    else this.landedSinceFault = true;
  }

  private writeFaultEnded(): void {
    this.writeFaultReported = false;
    this.landedSinceFault = false;
    this.writeHealth?.eventsStored();
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.closed || !this.writeHealth) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.probeWrite();
    }, EventStore.WRITE_PROBE_MS);
    this.probeTimer.unref();
  }

  /**
   * While a failure is reported and no event commit would tell otherwise: one write transaction that changes nothing
   * (the format number set to itself rewrites the database header page), to see whether the disk takes writes again.
   */
  private probeWrite(): void {
    if (!this.writeFaultReported || this.closed) return;
    // Events waiting (or a batch waiting for the write lock): their commit says it.
    if (!this.nothingQueued || this.retryTimer) {
      this.scheduleProbe();
      return;
    }
    // In doubt, the next fsync writes the log again first and says whether the disk takes it: the probe needs no write
    // of its own (each one a frame the log could not lose: 4 KiB every 2 s, 170 MiB a day of a failing card).
    if (this.walInDoubt && this.walFd !== undefined) {
      this.syncSoon();
      return;
    }
    try {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      const write = (): void => void this.db.pragma(`user_version = ${Math.trunc(version)}`);
      // Committing with a full fsync, the probe's write is on the disk only with one too (writeLanded ends the fault).
      if (this.walFd === undefined) this.commitFullSync(write);
      else write();
    } catch (err) {
      if (this.walFd === undefined && this.walMode) this.walInDoubt = true;
      this.writeHealth?.eventWriteFailed(err);
      this.scheduleProbe();
      return;
    }
    this.writeLanded();
    // With the WAL fsynced apart, the probe's write is on the disk once an fsync says so (a failure probes again).
    if (this.walFd !== undefined) this.syncSoon();
  }

  private retryLater(err: unknown): void {
    const delays = EventStore.BUSY_RETRY_MS;
    const delayMs = delays[Math.min(this.busyRetries, delays.length - 1)];
    this.busyRetries++;
    this.busyTotal?.inc();
    if (this.busyRetries === 1) {
      this.busySince = performance.now();
      this.log?.warn('database write lock held by another process: events wait in memory, unacknowledged');
    } else if (!this.writeFaultReported && performance.now() - this.busySince >= EventStore.BUSY_REPORT_MS) {
      this.reportWriteFault(err);
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, delayMs);
  }

  /** Events of one home with `fromMs <= ts < toMs`, in time order. */
  eventsOfHome(homeId: string, fromMs: number, toMs: number, limit = 100_000): StoredEvent[] {
    return (this.selectHomeRange.all(homeId, fromMs, toMs, limit) as EventRow[]).map(toStored);
  }

  /** Events stored after row id `afterId`, in storage order. */
  eventsAfter(afterId: number, limit = 10_000): StoredEvent[] {
    return (this.selectAfter.all(afterId, limit) as EventRow[]).map(toStored);
  }

  /** The sender's own `ts` of event `eventId` when it was implausible and replaced by the receive time. */
  sensorTsOf(eventId: number): number | undefined {
    return this.selectSensorTs.get(eventId)?.sensor_ts;
  }

  /** Iterate every event stored after `afterId` without loading them all at once. */
  *iterateAfter(afterId: number, pageSize = 5_000): Generator<StoredEvent> {
    let last = afterId;
    for (;;) {
      const page = this.eventsAfter(last, pageSize);
      for (const e of page) yield e;
      const end = page[page.length - 1];
      if (page.length < pageSize || end === undefined) return;
      last = end.id;
    }
  }

  unassignedDevices(): UnassignedDevice[] {
    return unassignedDevices(this.db);
  }

  /**
   * Keeps the unassigned devices within their caps (in the batch's transaction): the least recently heard of each
   * home in `homes` past `MAX_UNASSIGNED_PER_HOME`, then the hub's past `MAX_UNASSIGNED_TOTAL`, are dropped and
   * counted per home in `unassigned_dropped`.
   */
  private capUnassigned(homes: ReadonlySet<string>): void {
    for (const home of homes) {
      const over = this.countUnassignedOfHome.get(home)!.n - MAX_UNASSIGNED_PER_HOME;
      if (over <= 0) continue;
      this.dropOldestUnassignedOfHome.run(home, over);
      this.addUnassignedDropped.run(home, over);
    }
    const over = this.countUnassigned.get()!.n - MAX_UNASSIGNED_TOTAL;
    if (over <= 0) return;
    const dropped = new Map<string, number>();
    for (const row of this.oldestUnassigned.all(over)) {
      this.dropUnassigned.run(row.id);
      dropped.set(row.home_id, (dropped.get(row.home_id) ?? 0) + 1);
    }
    for (const [home, count] of dropped) this.addUnassignedDropped.run(home, count);
  }

  loadRuleState(key: string): { state: unknown; lastEventId: number } | undefined {
    const row = this.selectState.get(key) as { json: string; last_event_id: number } | undefined;
    return row ? { state: JSON.parse(row.json) as unknown, lastEventId: row.last_event_id } : undefined;
  }

  /** Off the loop: committed now, on disk after the next fsync (requested at once). */
  saveRuleState(key: string, state: unknown, lastEventId: number): void {
    this.saveRuleStateJson(key, JSON.stringify(state), lastEventId);
  }

  /** `saveRuleState` of a state already serialised (the rules runner keeps the text it wrote at start). */
  saveRuleStateJson(key: string, json: string, lastEventId: number): void {
    if (this.walFd === undefined) {
      fullSync(this.db, () => this.upsertState.run(key, json, this.clock.now(), lastEventId));
      return;
    }
    this.upsertState.run(key, json, this.clock.now(), lastEventId);
    this.syncSoon();
  }

  /**
   * Write what is waiting with a full fsync on the loop (the hub is stopping), which also carries every earlier
   * commit to disk, so every append resolves; then refuse further appends. The database is closed by its owner.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    if (this.rewriteTimer) clearTimeout(this.rewriteTimer);
    this.rewriteTimer = undefined;
    // The native thread is joined now: a running checkpoint is a PASSIVE one of milliseconds, or an emptying of at
    // most DRAIN_MS; once close returns no thread of this store is left (nor its result to poll for).
    if (this.nativeCheckpointer) {
      this.nativeCheckpointer.stop();
      this.checkpointRunning = undefined;
    }
    // A worker thread: idle, ended now; in the middle of a checkpoint, when it ends (checkpointDone).
    this.stopCheckpointer();
    const walFd = this.walFd;
    if (walFd === undefined) {
      this.flush();
      return;
    }
    const { events, firstId, repeats, promises } = this.takeQueue();
    try {
      if (events.length > 0 || repeats.length > 0) this.writeBatch(events, firstId, this.clock.now(), repeats);
      // After a failed fsync, this one must carry the failed frames too (see requestSync).
      if (this.walInDoubt) this.writeWalAgain(walFd, this.currentWalLogBytes());
      fs.fsyncSync(walFd);
      this.storedTotal?.inc(events.length);
      this.resolveSynced(this.syncSeq);
      settle(promises);
    } catch (err) {
      this.failUnsynced(err);
      fail(promises, err);
    }
    // An fsync still running in the pool has nothing left to resolve; it closes the descriptor when it ends.
    this.walFd = undefined;
    if (this.syncing) this.fdToClose = walFd;
    else fs.closeSync(walFd);
  }
}
