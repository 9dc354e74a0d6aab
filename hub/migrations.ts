// Versioned schema migrations: each module (store, alerts, auth, analytics...) owns its tables and its list of steps.
import type { Database } from 'better-sqlite3';

export type MigrationStep = string | ((db: Database) => void);

/** Exit codes of `telecare hub` for a database it must not use. */
export const EXIT_DAMAGED_DATABASE = 3;
export const EXIT_NEWER_DATABASE = 4;

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
 * Apply the steps of `module` not yet applied, each in its own transaction, in order.
 * Step N (1-based) is recorded as version N; steps are never edited once released, only appended.
 */
export function migrate(db: Database, module: string, steps: readonly MigrationStep[]): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,
    PRIMARY KEY (module, version))`);
  const row = db
    .prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations WHERE module = ?')
    .get(module) as { v: number };
  if (row.v > steps.length) {
    throw new DatabaseCheckError(
      `database ${db.name} has ${module} schema version ${row.v}, but this hub knows only ${steps.length}: ` +
        'it was written by a newer version of the hub. Run the newer hub, or restore a backup made by this version.',
      EXIT_NEWER_DATABASE,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (module, version, applied_at) VALUES (?, ?, ?)');
  for (let version = row.v + 1; version <= steps.length; version++) {
    const step = steps[version - 1];
    db.transaction(() => {
      if (typeof step === 'string') db.exec(step);
      else step(db);
      record.run(module, version, Date.now());
    })();
  }
  return steps.length;
}
