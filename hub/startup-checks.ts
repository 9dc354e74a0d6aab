// Checks before the hub trusts its database: damage (bounded quick_check), a newer format, acknowledged events lost.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { Logger } from './logger.js';
import { DatabaseCheckError, diskFullError, EXIT_DAMAGED_DATABASE, EXIT_NEWER_DATABASE } from './migrations.js';
import { openHubDatabase } from './store.js';

/** Bumped when a release writes something older hubs would misread; older hubs then refuse the file. */
export const HUB_DATABASE_FORMAT = 1;

/** Default bound of the integrity check at start: a Pi's SD card reads a large database slowly. */
export const DEFAULT_INTEGRITY_CHECK_MS = 10_000;

// Run in a worker thread so that a slow check can be abandoned; CommonJS, as eval workers are.
const QUICK_CHECK_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
try {
  const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  const rows = db.pragma('quick_check(20)', { simple: false }).map((r) => r.quick_check);
  db.close();
  parentPort.postMessage({ rows });
} catch (err) {
  parentPort.postMessage({ error: String(err && err.message), code: err && err.code });
}
`;

const damaged = (file: string, what: string): DatabaseCheckError =>
  new DatabaseCheckError(
    `database ${file} is damaged (${what}). Restore it from a backup, or move it (and its -wal file) away to start with an empty one.`,
    EXIT_DAMAGED_DATABASE,
  );

/**
 * PRAGMA quick_check on the database file, abandoned (with a warning) after `timeoutMs`: better to start
 * unchecked than to leave a home unwatched. Throws DatabaseCheckError when the file is damaged.
 */
export async function checkIntegrity(file: string, timeoutMs: number, logger: Logger): Promise<void> {
  if (!existsSync(file)) return;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(QUICK_CHECK_WORKER, { eval: true, workerData: { file, driver } });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<{ rows?: string[]; error?: string; code?: string } | 'timeout'>(
    (resolve, reject) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      worker.once('message', resolve);
      worker.once('error', reject);
    },
  ).finally(() => {
    clearTimeout(timer);
    void worker.terminate();
  });
  if (outcome === 'timeout') {
    logger.warn({ timeoutMs }, 'database integrity check not finished in time: skipped');
    return;
  }
  if (outcome.error !== undefined) {
    if (outcome.code === 'SQLITE_CORRUPT' || outcome.code === 'SQLITE_NOTADB') throw damaged(file, outcome.error);
    // Not damage (a full disk, a lock): opening the database proper will say whether the hub can run.
    logger.warn({ code: outcome.code, err: outcome.error }, 'database integrity check could not run: skipped');
    return;
  }
  const rows = outcome.rows ?? [];
  if (rows.length !== 1 || rows[0] !== 'ok') throw damaged(file, `PRAGMA quick_check: ${rows.slice(0, 3).join('; ')}`);
}

/**
 * Open the hub database for the hub process. On a full disk a WAL database opened normally needs room for its
 * shared-memory index (the `-shm` file, 32 KiB), which a clean stop removed: SQLite answers SQLITE_IOERR_SHMSIZE
 * and the hub could not start at all. Then it is opened in exclusive locking mode, where that index lives in
 * this process's memory: the hub runs (alerts from memory, storage degraded) and writes again once there is room.
 * The price until the next start: no other connection (the analytics worker, `telecare report`) can open the file.
 * A file that cannot be opened even so ends the start with a clear message (`DatabaseCheckError`, exit code 5).
 */
export function openForStart(file: string, logger: Logger): { db: Database; exclusive: boolean } {
  let firstError: unknown;
  try {
    return { db: openHubDatabase(file), exclusive: false };
  } catch (err) {
    if (diskFullError(file, 'open', err) === undefined) throw err;
    firstError = err;
  }
  try {
    const db = openHubDatabase(file, { exclusive: true });
    logger.warn(
      { code: (firstError as { code?: string }).code },
      'disk full: no room for the database shared-memory file; opened for this process only. Alerts go out, ' +
        'storage is degraded; once there is room again restart the hub so that analytics and reports can read it',
    );
    return { db, exclusive: true };
  } catch (err) {
    throw diskFullError(file, 'open', err) ?? err;
  }
}

/** Refuse a database written by a newer hub (before anything is written to it). */
export function checkFormat(db: Database, file: string): void {
  const format = db.pragma('user_version', { simple: true }) as number;
  if (format > HUB_DATABASE_FORMAT) {
    throw new DatabaseCheckError(
      `database ${file} was written by a newer version of the hub (format ${format}; this hub knows up to ${HUB_DATABASE_FORMAT}). ` +
        'Run the newer hub, or restore a backup made by this version.',
      EXIT_NEWER_DATABASE,
    );
  }
}

/**
 * Mark the database with this hub's format, so that older hubs refuse it. Written at every start: it is also the
 * hub's first write, which tells at once whether storage takes writes (a full disk makes it fail and be retried).
 */
export function markFormat(db: Database): void {
  db.pragma(`user_version = ${HUB_DATABASE_FORMAT}`);
}
