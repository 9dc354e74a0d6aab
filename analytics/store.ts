// The analytics module's own tables: cached daily features of completed days and the hub's pseudonymisation secret.
import { randomBytes } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { migrate, type MigrationStep } from '../hub/migrations.js';
import type { DailyFeatures } from './types.js';
import { hasTable } from '../hub/event-reads.js';

export const ANALYTICS_MIGRATIONS: readonly MigrationStep[] = [
  `CREATE TABLE daily_features (
     home_id TEXT NOT NULL,
     date TEXT NOT NULL,
     features TEXT NOT NULL,
     computed_at INTEGER NOT NULL,
     PRIMARY KEY (home_id, date)
   );
   -- One row: the key of the residents' pseudonyms in reports. Made once, at random; never printed.
   CREATE TABLE analytics_secret (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     secret BLOB NOT NULL,
     created_at INTEGER NOT NULL
   );
   -- Days already looked at by the daily review, so a second call the same day raises nothing twice.
   CREATE TABLE routine_reviews (
     home_id TEXT NOT NULL,
     date TEXT NOT NULL,
     reviewed_at INTEGER NOT NULL,
     PRIMARY KEY (home_id, date)
   );`,
  // Feature days a home was in away mode when the hourly routine review looked (review, session 60): no routine to
  // learn from, left out of the baselines. Only the configuration's present value says it otherwise.
  `CREATE TABLE away_days (
     home_id TEXT NOT NULL,
     date TEXT NOT NULL,
     PRIMARY KEY (home_id, date)
   );`,
  // When the hub ran (review, session 61): from each start, last known alive at. Between two runs nothing listened,
  // and the hours of a day the hub was off are not hours the resident did nothing.
  `CREATE TABLE hub_runs (
     started_at INTEGER PRIMARY KEY,
     alive_at INTEGER NOT NULL
   );`,
  // 1 when the run ended in a graceful stop (review, session 65): a record whose last run did not (a copy of a running
  // hub's database, a power cut it never came back from) says nothing of the time after it.
  `ALTER TABLE hub_runs ADD COLUMN stopped INTEGER NOT NULL DEFAULT 0;`,
];

export function migrateAnalytics(db: Database): void {
  migrate(db, 'analytics', ANALYTICS_MIGRATIONS);
}

/** Cached days of one home with `fromDate <= date <= toDate`, by date. */
export function cachedDays(db: Database, homeId: string, fromDate: string, toDate: string): DailyFeatures[] {
  const rows = db
    .prepare('SELECT features FROM daily_features WHERE home_id = ? AND date >= ? AND date <= ? ORDER BY date')
    .all(homeId, fromDate, toDate) as { features: string }[];
  return rows.map((r) => JSON.parse(r.features) as DailyFeatures);
}

/** A day's row of the cache as `cacheDayRows` writes it: home, date and the day's features as JSON. */
export type CachedDayRow = [homeId: string, date: string, features: string];

/** The row `cacheDays` writes for `day` (the analytics thread makes them for the routine review). */
export function cachedDayRow(day: DailyFeatures): CachedDayRow {
  return [day.homeId, day.date, JSON.stringify(day)];
}

// The cache's statements, prepared once per connection (the routine review writes through them for every home).
const statements = new WeakMap<
  Database,
  { upsert: Statement<[string, string, string, number]>; mark: Statement<[string, string, number]> }
>();

function statementsOf(db: Database): {
  upsert: Statement<[string, string, string, number]>;
  mark: Statement<[string, string, number]>;
} {
  let s = statements.get(db);
  if (!s) {
    s = {
      upsert: db.prepare(
        `INSERT INTO daily_features (home_id, date, features, computed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (home_id, date) DO UPDATE SET features = excluded.features, computed_at = excluded.computed_at`,
      ),
      mark: db.prepare('INSERT OR IGNORE INTO routine_reviews (home_id, date, reviewed_at) VALUES (?, ?, ?)'),
    };
    statements.set(db, s);
  }
  return s;
}

export function cacheDays(db: Database, days: readonly DailyFeatures[], computedAt: number): void {
  if (days.length === 0) return;
  cacheDayRows(db, days.map(cachedDayRow), computedAt);
}

/** Caches days already made into rows (`cachedDayRow`), in one transaction. */
export function cacheDayRows(db: Database, rows: readonly CachedDayRow[], computedAt: number): void {
  if (rows.length === 0) return;
  const { upsert } = statementsOf(db);
  db.transaction(() => {
    for (const [homeId, date, features] of rows) upsert.run(homeId, date, features, computedAt);
  })();
}

/** The hub's pseudonymisation key: made at random the first time, then always the same. */
export function pseudonymSecret(db: Database, now: number = Date.now()): Buffer {
  migrateAnalytics(db);
  db.prepare('INSERT OR IGNORE INTO analytics_secret (id, secret, created_at) VALUES (1, ?, ?)').run(
    randomBytes(32),
    now,
  );
  return (db.prepare('SELECT secret FROM analytics_secret WHERE id = 1').get() as { secret: Buffer }).secret;
}

/** Mark (home, date) reviewed; false when it already was. */
export function markReviewed(db: Database, homeId: string, date: string, now: number): boolean {
  return statementsOf(db).mark.run(homeId, date, now).changes === 1;
}

/**
 * The latest date of `homeId` the routine review looked at; undefined when none (or before the table exists: the
 * hub's loop asks before the analytics thread's first answer).
 */
export function latestReviewed(db: Database, homeId: string): string | undefined {
  if (!hasTable(db, 'routine_reviews')) return undefined;
  const row = db.prepare('SELECT max(date) AS date FROM routine_reviews WHERE home_id = ?').get(homeId) as {
    date: string | null;
  };
  return row.date ?? undefined;
}

/** Note that `homeId` was in away mode in its feature day `date`. */
export function markAwayDay(db: Database, homeId: string, date: string): void {
  migrateAnalytics(db);
  db.prepare('INSERT OR IGNORE INTO away_days (home_id, date) VALUES (?, ?)').run(homeId, date);
}

/**
 * The dates of `days` that `homeId` spent in away mode (`markAwayDay`). Works on a read-only connection (the analytics
 * thread's): before the table exists, no day was away.
 */
export function awayDates(db: Database, homeId: string, days: readonly DailyFeatures[]): Set<string> {
  if (days.length === 0) return new Set();
  return new Set(awayDatesBetween(db, homeId, days[0]!.date, days[days.length - 1]!.date));
}

/** The dates `fromDate..toDate` (YYYY-MM-DD, inclusive) that `homeId` spent in away mode, in order. Read-only. */
export function awayDatesBetween(db: Database, homeId: string, fromDate: string, toDate: string): string[] {
  if (!hasTable(db, 'away_days')) return [];
  const rows = db
    .prepare('SELECT date FROM away_days WHERE home_id = ? AND date >= ? AND date <= ? ORDER BY date')
    .all(homeId, fromDate, toDate) as { date: string }[];
  return rows.map((r) => r.date);
}

/**
 * Note that the hub started at `startedAt` runs at `now` (its run's row in `hub_runs`); `stopped`: the run ends there in
 * a graceful stop.
 */
export function noteHubRunning(db: Database, startedAt: number, now: number, stopped = false): void {
  migrateAnalytics(db);
  db.prepare(
    `INSERT INTO hub_runs (started_at, alive_at, stopped) VALUES (?, ?, ?)
     ON CONFLICT (started_at) DO UPDATE SET alive_at = max(alive_at, excluded.alive_at),
       stopped = max(stopped, excluded.stopped)`,
  ).run(startedAt, now, stopped ? 1 : 0);
}

/**
 * Where the hub's record ends: the last time it was known alive (`noteHubRunning`), and whether its run ended there in
 * a graceful stop (a hub from before session 65 noted none). Undefined before any run noted. Read-only.
 */
export function recordEnd(db: Database): { aliveAt: number; stopped: boolean } | undefined {
  if (!hasTable(db, 'hub_runs')) return undefined;
  const hasStopped = (db.prepare('PRAGMA table_info(hub_runs)').all() as { name: string }[]).some(
    (c) => c.name === 'stopped',
  );
  const row = db
    .prepare(`SELECT alive_at, ${hasStopped ? 'stopped' : '0'} AS stopped FROM hub_runs ORDER BY alive_at DESC LIMIT 1`)
    .get() as { alive_at: number; stopped: number } | undefined;
  return row === undefined ? undefined : { aliveAt: row.alive_at, stopped: row.stopped === 1 };
}

/**
 * Where the hub's record begins: the earlier of its first run noted (`noteHubRunning`) and its first stored event
 * still kept (the lowest rowid: retention deletes the oldest first). Undefined for an empty record. Read-only.
 */
export function recordStart(db: Database): number | undefined {
  const run = hasTable(db, 'hub_runs')
    ? (db.prepare('SELECT min(started_at) AS at FROM hub_runs').get() as { at: number | null }).at
    : null;
  const event = hasTable(db, 'events')
    ? (db.prepare('SELECT ts FROM events ORDER BY rowid LIMIT 1').get() as { ts: number } | undefined)?.ts
    : undefined;
  const starts = [run, event].filter((at): at is number => typeof at === 'number');
  return starts.length === 0 ? undefined : Math.min(...starts);
}

/**
 * The spans `[off, on)` between two of the hub's runs (`noteHubRunning`) of at least `minMs`: the hub was off (or
 * stopped) and nothing was stored. None before the first run noted (a hub from before session 61: not known). Works on
 * a read-only connection (the analytics thread's).
 */
export function hubOffSpans(db: Database, minMs: number): [off: number, on: number][] {
  if (!hasTable(db, 'hub_runs')) return [];
  const runs = db.prepare('SELECT started_at, alive_at FROM hub_runs ORDER BY started_at').all() as {
    started_at: number;
    alive_at: number;
  }[];
  const spans: [number, number][] = [];
  let aliveUntil: number | undefined;
  for (const run of runs) {
    if (aliveUntil !== undefined && run.started_at - aliveUntil >= minMs) spans.push([aliveUntil, run.started_at]);
    aliveUntil = Math.max(aliveUntil ?? -Infinity, run.alive_at);
  }
  return spans;
}
