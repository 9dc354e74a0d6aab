// The database file replaced under an open connection (another file moved into its place): writes stop, the other
// file is kept aside, the connection's database is written back to the path (a real SQLite file in a temp folder).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseFileWatch } from '../../hub/database-file-watch.js';
import { silentLogger } from '../../hub/logger.js';
import { StorageHealth } from '../../hub/storage-health.js';
import { openHubDatabase } from '../../hub/store.js';
import { tempDir } from './helpers.js';

let dir: string;
let watch: DatabaseFileWatch | undefined;
let db: ReturnType<typeof openHubDatabase> | undefined;

beforeEach(() => {
  dir = tempDir('file-watch');
});

afterEach(() => {
  watch?.stop();
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function rows(file: string): string[] {
  const reader = new Database(file, { readonly: true });
  try {
    return (reader.prepare('SELECT v FROM t ORDER BY v').all() as { v: string }[]).map((r) => r.v);
  } finally {
    reader.close();
  }
}

describe('DatabaseFileWatch', () => {
  it('another file moved into hub.db: writes refused, that file set aside, the open database written back, health degraded', async () => {
    const file = path.join(dir, 'hub.db');
    const open = openHubDatabase(file);
    db = open;
    open.exec('CREATE TABLE t (v TEXT)');
    open.prepare('INSERT INTO t VALUES (?)').run('acknowledged-1');
    const storage = new StorageHealth(new Registry(), silentLogger, () => 1_000);
    watch = new DatabaseFileWatch({ db: open, file, storage, logger: silentLogger, now: () => 1_000 });
    // Looked at by the test only (check), not by its timer.
    watch.start(3_600_000);
    expect(watch.check()).toBe(true);
    open.prepare('INSERT INTO t VALUES (?)').run('acknowledged-2');

    // An older copy put in its place (rename: another inode at the path).
    const older = path.join(dir, 'older.db');
    const other = new Database(older);
    other.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('older-copy')");
    other.close();
    fs.renameSync(older, file);

    expect(watch.check()).toBe(false);
    expect(() => open.prepare('INSERT INTO t VALUES (?)').run('after')).toThrow(
      expect.objectContaining({ code: 'SQLITE_READONLY' }) as Error,
    );
    expect(storage.status()).toMatchObject({ state: 'degraded', databaseFile: { lost: 'hub.db replaced' } });
    await watch.restored;
    expect(storage.status().databaseFile).toEqual({ lost: 'hub.db replaced', restoredTo: file });
    expect(rows(file)).toEqual(['acknowledged-1', 'acknowledged-2']);
    expect(rows(`${file}.set-aside-1000`)).toEqual(['older-copy']);
    // Reads go on (the dashboard).
    expect(open.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2 });
  });
});
