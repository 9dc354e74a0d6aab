// One process at a time on a file: a hub on its data folder (data-dir-lock.ts), a serial bridge on its spool
// (firmware-bridge/bridge.ts). The lock is SQLite's, the kernel's underneath: let go when its process ends, however.
import { closeSync, openSync } from 'node:fs';
import Database, { type Database as Db } from 'better-sqlite3';
import type { Logger } from './logger.js';

export interface ProcessLock {
  /** Lets the next process have it (the process's end does too, a kill -9 included: the lock is the kernel's). */
  release(): void;
}

export interface ProcessLockWords {
  /** The error thrown when another process (or another holder in this one) holds the lock: its pid when written. */
  inUse(holderPid: number | undefined): Error;
  /** Logged (warn) when the lock cannot be made at all: the start goes on without it. */
  notLocked: string;
}

/** How an in-use message names the holder ("another hub (pid 42)") and what to do ("Stop it first (kill 42)"). */
export function lockHolder(what: string, pid: number | undefined): { who: string; stopIt: string } {
  return pid === undefined
    ? { who: `another ${what}`, stopIt: 'Stop it first' }
    : { who: `another ${what} (pid ${pid})`, stopIt: `Stop it first (kill ${pid})` };
}

function busy(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** The pid the holder wrote, when it could be read. */
function holderPid(db: Db): number | undefined {
  try {
    const row = db.prepare('SELECT pid FROM holder').get() as { pid?: unknown } | undefined;
    return typeof row?.pid === 'number' ? row.pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the write lock of the open `db` (`BEGIN IMMEDIATE`, never waiting): true when taken; `words.inUse` thrown (`db`
 * closed) when another holds it; false (`db` closed, the reason logged) on any other failure.
 */
function takeLock(db: Db, words: ProcessLockWords, logger: Logger): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (err) {
    const pid = busy(err) ? holderPid(db) : undefined;
    db.close();
    if (busy(err)) throw words.inUse(pid);
    logger.warn({ err, file: db.name }, words.notLocked);
    return false;
  }
}

/**
 * Takes `file` (made if missing, 0600, in a folder that exists) for this process: SQLite's write lock on it, held by a
 * transaction left open until `release`, so the kernel lets it go when the process ends however it ends (no stale pid
 * file to clear after a power cut). Throws `words.inUse(pid)` when another holds it. A file where the lock cannot be
 * made (a full disk, a read-only folder, another user's file) is told in the log and not refused: a lock is no reason
 * for a hub or a bridge not to start, and each says what is wrong with such a folder when it writes there.
 */
export function holdProcessLock(file: string, words: ProcessLockWords, logger: Logger): ProcessLock {
  const unlocked: ProcessLock = { release: () => undefined };
  let db: Db;
  try {
    closeSync(openSync(file, 'a', 0o600));
    db = new Database(file, { timeout: 0 });
  } catch (err) {
    logger.warn({ err, file }, words.notLocked);
    return unlocked;
  }
  if (!takeLock(db, words, logger)) return unlocked;
  try {
    // The pid is for the next one's message: written and committed, then the lock taken again at once and kept (a
    // process starting in between takes it, and this one is refused).
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
    db.prepare('DELETE FROM holder').run();
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    db.exec('COMMIT');
  } catch {
    // Not written (a full disk): the lock is taken again all the same, without the pid.
    if (db.inTransaction) db.exec('ROLLBACK');
  }
  if (!takeLock(db, words, logger)) return unlocked;
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}
