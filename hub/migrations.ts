// Versioned schema migrations: each module (store, alerts, auth, analytics...) owns its tables and its list of steps.
import type { Database } from 'better-sqlite3';
import { sqliteCode } from './storage-health.js';

export type MigrationStep = string | ((db: Database) => void);

/** Exit codes of `telecare hub` for a database it must not use. */
export const EXIT_DAMAGED_DATABASE = 3;
export const EXIT_NEWER_DATABASE = 4;
export const EXIT_DISK_FULL = 5;

/** The database cannot be used as it is; the message says why and what to do. */
export class DatabaseCheckError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'DatabaseCheckError';
  }
}

/**
 * The error to stop the hub with when SQLite could not write `file` at start because the disk is full (or failing):
 * a clear message and its own exit code instead of a bare "disk I/O error". Undefined for any other error.
 */
export function diskFullError(file: string, doing: string, err: unknown): DatabaseCheckError | undefined {
  const code = sqliteCode(err);
  if (code !== 'SQLITE_FULL' && !code?.startsWith('SQLITE_IOERR')) return undefined;
  return new DatabaseCheckError(
    `cannot ${doing} database ${file}: the disk is full or failing (${code}). ` +
      'Free space on the disk (or replace it), then start the hub again; nothing stored so far is lost.',
    EXIT_DISK_FULL,
  );
}

/**
 * Apply the steps of `module` not yet applied, each in its own transaction, in order.
 * Step N (1-based) is recorded as version N; steps are never edited once released, only appended.
 */
export function migrate(db: Database, module: string, steps: readonly MigrationStep[]): number {
  try {
    return applySteps(db, module, steps);
  } catch (err) {
    // A hub cannot run on tables it could not create or upgrade: a full disk at the first start or at an upgrade.
    throw diskFullError(db.name, `prepare the ${module} tables of`, err) ?? err;
  }
}

function applySteps(db: Database, module: string, steps: readonly MigrationStep[]): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,
    PRIMARY KEY (module, version))`);
  const row = db
    .prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations WHERE module = ?')
    .get(module) as { v: number };
  if (row.v > steps.length) {
    throw new DatabaseCheckError(
      `database ${db.name} has ${module} schema version ${row.v}, but this hub knows only ${steps.length}: ` +
        'it was written by a newer version of the hub. Run the newer hub, or restore a backup made by this version ' +
        `(the newer hub's first start kept the file as it was beside it: ${db.name}.before-upgrade-<time>).`,
      EXIT_NEWER_DATABASE,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (module, version, applied_at) VALUES (?, ?, ?)');
  for (const [offset, step] of steps.slice(row.v).entries()) {
    const version = row.v + offset + 1;
    db.transaction(() => {
      if (typeof step === 'string') db.exec(step);
      else step(db);
      record.run(module, version, Date.now());
    })();
  }
  return steps.length;
}
