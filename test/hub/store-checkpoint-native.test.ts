// WAL checkpoints in the native thread (native/checkpoint.c): no worker thread, one plain thread that stays, WAL bound.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { NativeCheckpointer, nativeCheckpointLibrary } from '../../hub/store-checkpoint-native.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import type { SensorEvent } from '../../rules/types.js';
import { tempDir } from './helpers.js';

let dir: string;
let workersStarted = 0;
const countWorker = (): void => {
  workersStarted++;
};
beforeEach(() => {
  dir = tempDir('checkpoint-native');
  workersStarted = 0;
  process.on('worker', countWorker);
});
afterEach(() => {
  process.off('worker', countWorker);
  fs.rmSync(dir, { recursive: true, force: true });
});

function motion(homeId: string, ts: number): SensorEvent {
  return { homeId, deviceId: 'pir', type: 'motion', value: true, ts, source: 'mqtt', assigned: true };
}

/** This process's threads named by the extension (`pthread_setname_np`). */
function checkpointThreads(): number {
  let n = 0;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      if (fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'wal-checkpoint') n++;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return n;
}

async function counter(metrics: ReturnType<typeof createMetricsRegistry>, name: string, label = ''): Promise<number> {
  const text = await metrics.getSingleMetricAsString(name);
  return Number(new RegExp(`${name}${label.replace(/[{}]/g, '\\$&')} (\\d+)`).exec(text)?.[1] ?? 0);
}

const built = fs.existsSync(nativeCheckpointLibrary());

describe.runIf(process.platform === 'linux')('native WAL checkpoints', () => {
  it('is built by npm run build (a C compiler is on every development and CI machine)', () => {
    expect(built, `${nativeCheckpointLibrary()} missing: run npm run build`).toBe(true);
  });

  it.runIf(built)(
    'checkpoints bursts without a worker thread: one native thread, started once and kept, the WAL copied and started again, nothing lost',
    async () => {
      const metrics = createMetricsRegistry();
      const db = openHubDatabase(path.join(dir, 'hub.db'));
      const store = new EventStore(db, new FakeClock(), metrics, { checkpointBytes: 64 * 1024 });
      const wal = path.join(dir, 'hub.db-wal');
      let ts = 0;
      // 400 rows over 200 homes: about 1 MB of WAL, past the threshold, so each append's fsync asks for a checkpoint.
      const burst = (): Promise<number> =>
        store.append(Array.from({ length: 400 }, (_, i) => motion(`h${i % 200}`, ++ts)));
      expect(checkpointThreads()).toBe(0);
      await vi.waitFor(
        async () => {
          await burst();
          expect(await counter(metrics, 'telecare_store_checkpoints_total', '{result="done"}')).toBeGreaterThanOrEqual(
            3,
          );
        },
        { timeout: 15_000, interval: 20 },
      );
      // Quiet appends: the next commit after a complete copy starts the log again (over the same file, kept whole).
      await vi.waitFor(
        async () => {
          await store.append([motion('h1', ++ts)]);
          expect(await counter(metrics, 'telecare_store_wal_bytes')).toBeLessThan(64 * 1024);
        },
        { timeout: 15_000, interval: 50 },
      );
      // Before, each burst started a worker thread (a V8 isolate, ~10 MB while it lives).
      expect(workersStarted).toBe(0);
      expect(checkpointThreads()).toBe(1);
      expect(await counter(metrics, 'telecare_store_checkpoint_threads_total')).toBe(1);
      expect(await counter(metrics, 'telecare_store_checkpoints_total', '{result="failed"}')).toBe(0);
      expect(store.eventsAfter(0, 100_000)).toHaveLength(ts);
      // The database holds every row without its WAL: the checkpoints copied them.
      store.close();
      expect(checkpointThreads()).toBe(0);
      db.close();
      fs.rmSync(wal, { force: true });
      fs.rmSync(path.join(dir, 'hub.db-shm'), { force: true });
      const reopened = new Database(path.join(dir, 'hub.db'), { readonly: true });
      expect(reopened.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(ts);
      reopened.close();
    },
  );

  it.runIf(built)('starts no thread for a store that never reaches the checkpoint threshold', async () => {
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, new FakeClock());
    for (let i = 1; i <= 20; i++) await store.append([motion('h1', i)]);
    expect(checkpointThreads()).toBe(0);
    expect(workersStarted).toBe(0);
    store.close();
    db.close();
  });

  it.runIf(built)(
    'a connection closed while its checkpoint runs ends the thread after it, and keeps every row',
    async () => {
      const file = path.join(dir, 'plain.db');
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('wal_autocheckpoint = 0');
      db.exec('CREATE TABLE t (x TEXT)');
      const insert = db.prepare('INSERT INTO t VALUES (?)');
      db.transaction(() => {
        for (let i = 0; i < 50_000; i++) insert.run(`row ${i}`);
      })();
      const native = NativeCheckpointer.load(db);
      if (!(native instanceof NativeCheckpointer)) throw new Error(native.unavailable);
      const replies: unknown[] = [];
      native.request('empty', 1_000, (reply) => replies.push(reply));
      await vi.waitFor(() => expect(checkpointThreads()).toBe(1), { timeout: 15_000, interval: 5 });
      // SQLite ends the extension's thread as the connection closes (its destructor waits for the checkpoint).
      db.close();
      expect(checkpointThreads()).toBe(0);
      const reopened = new Database(file, { readonly: true });
      expect(reopened.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(50_000);
      reopened.close();
    },
  );

  it.runIf(built)(
    "counts the log's frames through SQLite's wal hook, and makes the WAL file whole through SQLite's own descriptor",
    () => {
      const file = path.join(dir, 'plain.db');
      const wal = `${file}-wal`;
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('wal_autocheckpoint = 0');
      const native = NativeCheckpointer.load(db);
      if (!(native instanceof NativeCheckpointer)) throw new Error(native.unavailable);
      const logBytes = native.walLogBytes(db.pragma('page_size', { simple: true }) as number);
      // No commit of this connection yet.
      expect(logBytes()).toBeUndefined();
      db.exec('CREATE TABLE t (x BLOB)');
      const insert = db.prepare('INSERT INTO t VALUES (randomblob(?))');
      // A fresh file grows with the log: its size is what the log holds.
      for (let i = 0; i < 5; i++) {
        insert.run(3000 * (i + 1));
        expect(logBytes()).toBe(fs.statSync(wal).size);
      }
      const logged = logBytes() ?? 0;
      // Only inside a write transaction (no other connection's frames can land past the log's end meanwhile).
      expect(() => db.prepare('SELECT telecare_wal_reserve(1048576)').get()).toThrow(/write transaction/);
      expect(native.reserveWal(1024 * 1024)).toBe(1024 * 1024);
      expect(fs.statSync(wal).size).toBe(1024 * 1024);
      // The file is longer than the log now; the log's length is the hook's, unchanged by the reserve.
      expect(logBytes()).toBe(logged);
      insert.run(3000);
      expect(logBytes()).toBeGreaterThan(logged);
      expect(logBytes()).toBeLessThan(1024 * 1024);
      expect(fs.statSync(wal).size).toBe(1024 * 1024);
      // SQLite's own wal_autocheckpoint replaces the hook: unknown (not a stale count) until the next commit.
      db.pragma('wal_autocheckpoint = 0');
      expect(logBytes()).toBeUndefined();
      insert.run(10);
      expect(logBytes()).toBeGreaterThan(logged);
      // Another connection, and the next start's recovery, read the log to its end and no further.
      const count = db.prepare('SELECT COUNT(*) FROM t').pluck().get();
      const other = new Database(file, { readonly: true });
      expect(other.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(count);
      other.close();
      db.close();
      const reopened = new Database(file);
      expect(reopened.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(7);
      expect(reopened.pragma('integrity_check', { simple: true })).toBe('ok');
      reopened.close();
    },
  );

  it.runIf(built)(
    'other processes open the database while the store commits, checkpoints and reads its log: no recovery, never locked',
    async () => {
      const file = path.join(dir, 'hub.db');
      const metrics = createMetricsRegistry();
      const db = openHubDatabase(file);
      const store = new EventStore(db, new FakeClock(), metrics, { checkpointBytes: 64 * 1024 });
      let ts = 0;
      let storeErrors = 0;
      // Another process, as the routine review's and the bench's readers are: each round a connection opened
      // without waiting for a lock (busy_timeout 0), a read, a close. One that took itself for the first connection
      // (SQLite's POSIX locks dropped by a stray descriptor closed in the hub's process) runs WAL-index recovery and
      // the others meet SQLITE_BUSY_RECOVERY or "database is locked".
      const reader = `
        const Database = require('better-sqlite3');
        const errors = [];
        let rows = 0;
        for (let i = 0; i < 40; i++) {
          try {
            const db = new Database(process.argv[1], { timeout: 0 });
            rows = db.prepare('SELECT COUNT(*) FROM events').pluck().get();
            db.close();
          } catch (err) { errors.push(err.code + ' ' + err.message); }
        }
        console.log(JSON.stringify({ rows, errors }));`;
      const readers = Promise.all(
        [0, 1].map(() =>
          promisify(execFile)(process.execPath, ['-e', reader, file], { cwd: process.cwd(), timeout: 60_000 }),
        ),
      );
      let done = false;
      void readers.finally(() => (done = true));
      // Meanwhile bursts (each past the threshold: a checkpoint in the native thread), single appends, and an alert
      // path's write on the store's connection (which, unlike a batch, does not wait out a busy lock: it throws).
      while (!done) {
        try {
          await store.append(Array.from({ length: 200 }, (_, i) => motion(`h${i % 100}`, ++ts)));
          store.saveRuleState('alert-probe', { ts }, ts);
          // A second store in this process, opened and closed (as a routine review's or a tool's): closing a
          // descriptor it opened on one of SQLite's files would drop the locks of every connection here.
          const second = openHubDatabase(file);
          new EventStore(second, new FakeClock()).close();
          second.close();
          await store.append([motion('h1', ++ts)]);
        } catch {
          storeErrors++;
        }
      }
      const results = (await readers).map((r) => JSON.parse(r.stdout) as { rows: number; errors: string[] });
      expect(results.flatMap((r) => r.errors)).toEqual([]);
      expect(storeErrors).toBe(0);
      // No batch put back for a lock held by another connection (as one running recovery holds it).
      expect(await counter(metrics, 'telecare_store_busy_total')).toBe(0);
      expect(await counter(metrics, 'telecare_store_checkpoints_total', '{result="done"}')).toBeGreaterThan(0);
      expect(await counter(metrics, 'telecare_store_checkpoints_total', '{result="failed"}')).toBe(0);
      expect(store.eventsAfter(0, 1_000_000)).toHaveLength(ts);
      store.close();
      db.close();
    },
  );

  it('says why when the library is not there, and the store then checkpoints in a worker thread', async () => {
    const plain = new Database(path.join(dir, 'x.db'));
    expect(NativeCheckpointer.load(plain, path.join(dir, 'missing.so'))).toEqual({
      unavailable: expect.stringContaining('not built'),
    });
    plain.close();
    const metrics = createMetricsRegistry();
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, new FakeClock(), metrics, {
      checkpointBytes: 64 * 1024,
      checkpointLibrary: path.join(dir, 'missing.so'),
    });
    let ts = 0;
    await vi.waitFor(
      async () => {
        await store.append(Array.from({ length: 400 }, (_, i) => motion(`h${i % 200}`, ++ts)));
        expect(await counter(metrics, 'telecare_store_checkpoints_total', '{result="done"}')).toBeGreaterThanOrEqual(1);
      },
      { timeout: 15_000, interval: 20 },
    );
    expect(workersStarted).toBeGreaterThanOrEqual(1);
    expect(checkpointThreads()).toBe(0);
    store.close();
    db.close();
  });
});
