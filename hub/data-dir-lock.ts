// One hub per data folder: a second hub started on a folder in use is refused, naming the first one's pid.
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import type { Logger } from './logger.js';
import { DatabaseCheckError } from './migrations.js';

/** The exit code of a start refused because another hub holds the data folder. */
export const EXIT_DATA_DIR_IN_USE = 6;

/** Another hub (another process, or another hub of this process) holds the data folder. */
export class DataDirInUseError extends DatabaseCheckError {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number | undefined,
  ) {
    const who = holderPid === undefined ? 'another hub' : `another hub (pid ${holderPid})`;
    const stopIt = holderPid === undefined ? 'Stop it first' : `Stop it first (kill ${holderPid})`;
    super(
      `${who} is already running on the data folder ${dataDir}: two hubs on one database would each raise every ` +
        "alert, re-arm each other's timers and replace each other's printed passwords. " +
        `${stopIt}, or give this one a folder of its own (HUB_DATA_DIR or --data-dir)`,
      EXIT_DATA_DIR_IN_USE,
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  /** Lets the next hub have the folder (the process's end does too, a kill -9 included: the lock is the kernel's). */
  release(): void;
}

const LOCK_FILE = 'hub.lock';

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

const NOT_LOCKED = 'could not lock the data folder: a second hub started on it would not be refused';

/**
 * Takes the write lock of the open `db` (`BEGIN IMMEDIATE`, never waiting): true when taken; DataDirInUseError (`db`
 * closed) when another hub holds it; false (`db` closed, the reason logged) on any other failure.
 */
function takeLock(db: Db, dataDir: string, logger: Logger): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (err) {
    const pid = busy(err) ? holderPid(db) : undefined;
    db.close();
    if (busy(err)) throw new DataDirInUseError(dataDir, pid);
    logger.warn({ err, file: db.name }, NOT_LOCKED);
    return false;
  }
}

/**
 * Takes `dataDir` for this hub: SQLite's write lock on `hub.lock`, held by a transaction left open for the hub's life,
 * so the kernel lets it go when the process ends however it ends (no stale pid file to clear after a power cut). A
 * second hub on the same folder had started without a word: it replaced the admin password and MQTT installer
 * credential the first had printed, and both ran the rules over one database (review, session 68). A folder where the
 * lock cannot be made (a full disk, a read-only one) is told in the log and not refused: the hub's own checks say
 * what is wrong with such a folder, and a hub that does not start watches no one.
 */
export function lockDataDir(dataDir: string, logger: Logger): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  const unlocked: DataDirLock = { release: () => undefined };
  let db: Db;
  try {
    closeSync(openSync(file, 'a', 0o600));
    db = new Database(file, { timeout: 0 });
  } catch (err) {
    logger.warn({ err, file }, NOT_LOCKED);
    return unlocked;
  }
  if (!takeLock(db, dataDir, logger)) return unlocked;
  try {
    // The pid is for the next hub's message: written and committed, then the lock taken again at once and kept (a hub
    // starting in between takes it, and this one is refused).
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
    db.prepare('DELETE FROM holder').run();
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    db.exec('COMMIT');
  } catch {
    // Not written (a full disk): the lock is taken again all the same, without the pid.
    if (db.inTransaction) db.exec('ROLLBACK');
  }
  if (!takeLock(db, dataDir, logger)) return unlocked;
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}
