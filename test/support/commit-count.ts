// Counts the write commits of every SQLite connection the process opens from now on (the hub's own among them, opened
// inside startHub): each outermost transaction that wrote, and each write statement run outside one (autocommit), with
// the tables it wrote and the WAL frames it added (from the hub's wal hook, native/checkpoint.c, where it is built).
import Database from 'better-sqlite3';

export interface Commit {
  /** The tables the commit's statements wrote (of those asked for). */
  tables: ReadonlySet<string>;
  /** WAL frames the commit appended (header and page each); undefined without the hub's wal hook. */
  frames: number | undefined;
}

export interface CommitCount {
  /** The commits so far, in order. */
  readonly commits: readonly Commit[];
  /** The commits that wrote any of `tables`. */
  writing(...tables: string[]): Commit[];
  restore(): void;
}

type Method = (...args: unknown[]) => unknown;
const CONTROL = /^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const VARIANTS = ['deferred', 'immediate', 'exclusive'] as const;

/**
 * Starts counting on `Database.prototype` and the statements' prototype: call before the database is opened (the
 * hub's event store makes its batch transaction once, at start). Only `tables` are named in `Commit.tables`.
 */
export function countCommits(tables: readonly string[]): CommitCount {
  const names = tables.map((t) => ({ table: t, re: new RegExp(`\\b${t}\\b`, 'i') }));
  const probe = new Database(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, Method>;
  probe.close();
  const dbProto = Database.prototype as unknown as Record<string, Method>;
  const originals = { run: statementProto.run!, get: statementProto.get!, all: statementProto.all! };
  const transaction = dbProto.transaction!;
  const framesOf = new WeakMap<object, Database.Statement>();
  const commits: Commit[] = [];
  let depth = 0;
  let written: Set<string> | undefined;

  const frames = (db: Database.Database): number | undefined => {
    let stmt = framesOf.get(db);
    if (stmt === undefined) {
      // Not loaded yet (the store loads the extension after the first migrations), or never: looked for again.
      try {
        stmt = db.prepare('SELECT telecare_wal_frames()').pluck();
      } catch {
        return undefined;
      }
      framesOf.set(db, stmt);
    }
    const n: unknown = originals.get.call(stmt);
    return typeof n === 'number' ? n : undefined;
  };
  /** Frames a commit added: the log's frames after it less before (after alone when the log started again). */
  const added = (before: number | undefined, after: number | undefined): number | undefined =>
    before === undefined || after === undefined ? undefined : after >= before ? after - before : after;
  const tablesOf = (source: string): string[] => names.filter((n) => n.re.test(source)).map((n) => n.table);

  for (const method of ['run', 'get', 'all'] as const) {
    const original = originals[method];
    statementProto[method] = function (this: Database.Statement, ...args: unknown[]): unknown {
      if (this.readonly || CONTROL.test(this.source)) return original.apply(this, args);
      if (written) {
        for (const t of tablesOf(this.source)) written.add(t);
        return original.apply(this, args);
      }
      if (this.database.inTransaction) return original.apply(this, args);
      const before = frames(this.database);
      const result = original.apply(this, args);
      commits.push({ tables: new Set(tablesOf(this.source)), frames: added(before, frames(this.database)) });
      return result;
    };
  }

  /** The transaction function `fn` (one variant), counted as a commit when it is the outermost and wrote. */
  const counted = (db: Database.Database, fn: Method): Method =>
    function (this: unknown, ...args: unknown[]): unknown {
      if (depth > 0 || db.inTransaction) {
        depth++;
        try {
          return fn.apply(this, args);
        } finally {
          depth--;
        }
      }
      const before = frames(db);
      const mine = new Set<string>();
      written = mine;
      depth++;
      let wrote = false;
      try {
        const result = fn.apply(this, args);
        wrote = true;
        return result;
      } finally {
        depth--;
        written = undefined;
        // A rolled-back transaction commits nothing.
        if (wrote) {
          const after = frames(db);
          if (mine.size > 0 || (before !== undefined && after !== before))
            commits.push({ tables: mine, frames: added(before, after) });
        }
      }
    };

  dbProto.transaction = function (this: Database.Database, ...args: unknown[]): unknown {
    const made = transaction.apply(this, args) as Method & Record<string, Method>;
    const wrapped = counted(this, made) as Method & Record<string, Method>;
    wrapped.default = wrapped;
    for (const v of VARIANTS) wrapped[v] = counted(this, made[v]!);
    return wrapped;
  };

  return {
    commits,
    writing: (...wanted) => commits.filter((c) => wanted.some((t) => c.tables.has(t))),
    restore: () => {
      Object.assign(statementProto, originals);
      dbProto.transaction = transaction;
    },
  };
}
