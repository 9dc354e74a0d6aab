// WAL checkpoints in the native thread (native/checkpoint.c): no worker thread, one plain thread that stays, WAL bound.
import fs from 'node:fs';
import path from 'node:path';
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
    'checkpoints bursts without a worker thread: one native thread, started once and kept, the WAL copied and cut back, nothing lost',
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
      // Quiet appends: the next commit after a complete copy starts the WAL again and journal_size_limit cuts it.
      await vi.waitFor(
        async () => {
          await store.append([motion('h1', ++ts)]);
          expect(fs.statSync(wal).size).toBeLessThan(64 * 1024);
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
