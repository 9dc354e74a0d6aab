// The database file deleted or replaced under the running hub: writes stop, the file is written back from the open connection.
import fs from 'node:fs';
import path from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import type { Logger } from './logger.js';
import { makeFolders } from './private-files.js';
import type { StorageHealth } from './storage-health.js';

/** How often the database file and its WAL are looked at (two `stat` calls). */
export const DATABASE_FILE_CHECK_MS = 1_000;

interface Identity {
  dev: number;
  ino: number;
}

function identityOf(file: string): Identity | undefined {
  try {
    const { dev, ino } = fs.statSync(file);
    return { dev, ino };
  } catch {
    return undefined;
  }
}

/**
 * A running hub keeps its database open: when `hub.db` or its WAL is deleted (a clean-up script, `rm -r data`) or
 * replaced (a copy put in its place), SQLite goes on writing to files that are no longer on the disk, or no longer
 * the ones a restart opens, and the hub acknowledged sensor events and stored alerts into them: all of it gone at the
 * next start, with `/api/health` saying `ok` meanwhile. The hub cannot reopen its database in place (every module
 * holds the connection), so once this sees it:
 *
 * 1. the connection is made read-only (`PRAGMA query_only`): every write fails with `SQLITE_READONLY`, so alerts go
 *    out from memory and are held, sensor events are not acknowledged (their senders send them again), reads (the
 *    dashboard) go on;
 * 2. whatever now sits at the file's paths is renamed aside (`.set-aside-<ms>`), never deleted;
 * 3. the database as the connection sees it (everything acknowledged so far) is written back to `hub.db` with
 *    SQLite's backup API, fsynced, and storage stays `degraded` (`databaseFile` in `/api/health`) until a restart.
 */
export class DatabaseFileWatch {
  private readonly db: Db;
  private readonly file: string;
  private readonly storage: StorageHealth;
  private readonly log: Logger;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private watched: { file: string; identity: Identity }[] = [];
  private lost = false;
  /** Settles when the write-back after a loss has ended (for tests and the stop). */
  restored: Promise<void> | undefined;

  constructor(d: { db: Db; file: string; storage: StorageHealth; logger: Logger; now: () => number }) {
    this.db = d.db;
    this.file = d.file;
    this.storage = d.storage;
    this.log = d.logger.child({ ns: 'storage' });
    this.now = d.now;
  }

  start(intervalMs = DATABASE_FILE_CHECK_MS): void {
    // The WAL is there as long as the hub's connection is open (it is never the last one to close while running).
    this.watched = [this.file, `${this.file}-wal`].flatMap((file) => {
      const identity = identityOf(file);
      return identity ? [{ file, identity }] : [];
    });
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Look now; true when the files are the ones the hub opened. */
  check(): boolean {
    if (this.lost) return false;
    for (const { file, identity } of this.watched) {
      const now = identityOf(file);
      if (now === undefined || now.dev !== identity.dev || now.ino !== identity.ino) {
        this.onLost(`${path.basename(file)} ${now === undefined ? 'deleted' : 'replaced'}`);
        return false;
      }
    }
    return true;
  }

  private onLost(what: string): void {
    this.lost = true;
    this.stop();
    try {
      this.db.pragma('query_only = 1');
    } catch (err) {
      this.log.error({ err: String(err) }, 'could not stop writes to the lost database file');
    }
    this.log.error(
      { what, file: this.file },
      'the database file was deleted or replaced under the running hub: nothing more is stored or acknowledged (alerts go out from memory, sensors send again); writing it back from the open connection',
    );
    this.storage.databaseFileLost(what, null);
    this.restored = this.writeBack(what).then(
      () => {
        this.storage.databaseFileLost(what, this.file);
        this.log.error(
          { file: this.file },
          'the database was written back from the open connection: restart the hub to store again',
        );
      },
      (err: unknown) => {
        this.storage.failed('database-write-back', err);
        this.log.error(
          { err: String(err) },
          'could not write the database back: restart the hub (data since its start may be lost)',
        );
      },
    );
  }

  private async writeBack(what: string): Promise<void> {
    const dir = path.dirname(this.file);
    makeFolders(dir, 0o700);
    const stamp = this.now();
    for (const file of [this.file, `${this.file}-wal`, `${this.file}-shm`]) {
      if (fs.existsSync(file)) fs.renameSync(file, `${file}.set-aside-${stamp}`);
    }
    const partial = `${this.file}.restoring`;
    fs.rmSync(partial, { force: true });
    await this.db.backup(partial);
    fs.chmodSync(partial, 0o600);
    const fd = fs.openSync(partial, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(partial, this.file);
    const dirFd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
    this.log.info({ what }, 'database written back');
  }
}
