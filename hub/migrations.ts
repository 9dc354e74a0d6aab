// Versioned schema migrations: each module (store, alerts, auth, analytics...) owns its tables and its list of steps.
import type { Database } from 'better-sqlite3';

export type MigrationStep = string | ((db: Database) => void);

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
  const record = db.prepare('INSERT INTO schema_migrations (module, version, applied_at) VALUES (?, ?, ?)');
  for (let version = row.v + 1; version <= steps.length; version++) {
    const step = steps[version - 1]!;
    db.transaction(() => {
      if (typeof step === 'string') db.exec(step);
      else step(db);
      record.run(module, version, Date.now());
    })();
  }
  return steps.length;
}
