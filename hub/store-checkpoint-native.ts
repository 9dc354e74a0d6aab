// The event store's WAL checkpoints in a plain native thread (native/checkpoint.c), without a V8 isolate of its own.
import { existsSync } from 'node:fs';
import { builtNativeFile } from './native-path.js';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { CheckpointReply } from './store-checkpoint-worker.js';

/** The SQLite extension `npm run build` compiles (native/build.mjs); absent where no C compiler was found. */
/**
 * BEGIN IMMEDIATE without waiting for another process's write lock on this loop: SQLITE_BUSY at once (the caller tries
 * again later), the connection's busy timeout restored after.
 */
export function beginImmediateNoWait(db: Db): void {
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}

export function nativeCheckpointLibrary(callerUrl: string = import.meta.url): string {
  return builtNativeFile('telecare-checkpoint.so', callerUrl);
}

/** How often a running checkpoint's end is looked for: a few milliseconds added to a drain that lasts tens. */
const POLL_MS = 5;

/**
 * Checkpoints asked of a thread that the extension starts inside this process on the first request, with its own
 * connection to the same file (the same SQLite library, so their locks see each other). It waits on a condition
 * variable between requests: idle it costs a few pages of stack and one connection, where a worker thread costs a V8
 * isolate (~10 MB while it lives, measured: docs/performance.md). Nothing here waits for the disk: a request and a
 * look at its result are a function call each on the store's connection; the result is looked for every POLL_MS.
 */
export class NativeCheckpointer {
  private readonly requestStmt: Statement<[number, number]>;
  private readonly resultStmt: Statement;
  private readonly stopStmt: Statement;
  private readonly walFramesStmt: Statement;
  private readonly walReserveStmt: Statement<[number]>;
  private pollTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  private constructor(private readonly db: Db) {
    this.requestStmt = db.prepare<[number, number]>('SELECT telecare_checkpoint(?, ?)').pluck();
    this.resultStmt = db.prepare('SELECT telecare_checkpoint_result()').pluck();
    this.stopStmt = db.prepare('SELECT telecare_checkpoint_stop()').pluck();
    this.walFramesStmt = db.prepare('SELECT telecare_wal_frames()').pluck();
    this.walReserveStmt = db.prepare<[number]>('SELECT telecare_wal_reserve(?)').pluck();
  }

  /**
   * What the store's log holds, in bytes, from SQLite's `sqlite3_wal_hook` (the frames in the log after this
   * connection's last commit), whatever the WAL file's size: one function call, no file read. The first call installs
   * the hook, so it must come after `wal_autocheckpoint = 0` (whose hook it replaces) and before the commits it is to
   * count. Undefined before the first commit, or if the hook was replaced (then the next commit counts again).
   */
  walLogBytes(pageSize: number): () => number | undefined {
    const frames = (): number | undefined => {
      const n: unknown = this.walFramesStmt.get();
      // SQLite's WAL format: a 32-byte header, then per frame a 24-byte header and one page.
      return typeof n === 'number' ? (n === 0 ? 0 : 32 + n * (pageSize + 24)) : undefined;
    };
    frames();
    return frames;
  }

  /**
   * The WAL file made at least `bytes` long now, through SQLite's own descriptor (the unix VFS's size hint: it writes
   * one byte in each new block), inside a write transaction so that no connection appends frames meanwhile. Returns
   * the file's size after. Throws SQLite's error (a full disk: SQLITE_IOERR_WRITE); the file is then as long as it got.
   */
  reserveWal(bytes: number): number {
    // Another process holding the write lock: not waited for (SQLITE_BUSY at once); the file then grows as it did.
    beginImmediateNoWait(this.db);
    try {
      return Number(this.walReserveStmt.get(Math.round(bytes)));
    } finally {
      // Nothing written in the transaction: its commit writes no frame. Never left open, whatever happened.
      try {
        this.db.exec('COMMIT');
      } catch {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      }
    }
  }

  /** Loads the extension into `db`; undefined (with the reason) when it is not built or does not load. */
  static load(db: Db, library = nativeCheckpointLibrary()): NativeCheckpointer | { unavailable: string } {
    if (!existsSync(library)) return { unavailable: `${library} not built (no C compiler at npm run build)` };
    try {
      // SQLite finds the entry point from the file's name: sqlite3_telecarecheckpoint_init.
      db.loadExtension(library);
      return new NativeCheckpointer(db);
    } catch (err) {
      return { unavailable: (err as Error).message };
    }
  }

  /**
   * One checkpoint (`empty`: PASSIVE ones until the whole WAL is copied, or `drainMs` has passed); `done` gets what
   * it did. One at a time: the store asks for the next only after `done`. `firstThread` is told when this request
   * started the thread.
   */
  request(
    kind: 'passive' | 'empty',
    drainMs: number,
    done: (reply: CheckpointReply) => void,
  ): { firstThread: boolean } {
    const firstThread = !this.started;
    let taken: unknown;
    try {
      taken = this.requestStmt.get(kind === 'empty' ? 2 : 1, Math.max(0, Math.round(drainMs)));
    } catch (err) {
      queueMicrotask(() => done({ ok: false, message: (err as Error).message }));
      return { firstThread: false };
    }
    if (taken !== 1) {
      queueMicrotask(() => done({ ok: false, message: 'a checkpoint is already running' }));
      return { firstThread: false };
    }
    this.started = true;
    const poll = (): void => {
      this.pollTimer = undefined;
      let text: unknown;
      try {
        text = this.resultStmt.get();
      } catch (err) {
        // The connection was closed meanwhile: closing it ended the thread (after its checkpoint).
        done({ ok: false, message: (err as Error).message });
        return;
      }
      if (typeof text !== 'string') {
        this.pollTimer = setTimeout(poll, POLL_MS);
        this.pollTimer.unref();
        return;
      }
      done(parseReply(text));
    };
    this.pollTimer = setTimeout(poll, POLL_MS);
    this.pollTimer.unref();
    return { firstThread };
  }

  /**
   * Ends the thread and closes its connection; a checkpoint running is waited for (the store calls this once none
   * runs). Also done by SQLite when the store's connection closes.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    if (this.db.open) this.stopStmt.get();
  }
}

/** 'ok <busy> <log> <checkpointed> <emptied>' or 'error <message>' (native/checkpoint.c). */
function parseReply(text: string): CheckpointReply {
  if (text.startsWith('error ')) return { ok: false, message: text.slice('error '.length) };
  const [word, busy, log, checkpointed, emptied] = text.split(' ');
  if (word !== 'ok' || emptied === undefined) return { ok: false, message: `unexpected checkpoint result: ${text}` };
  return {
    ok: true,
    busy: Number(busy),
    log: Number(log),
    checkpointed: Number(checkpointed),
    emptied: emptied === '1',
  };
}
