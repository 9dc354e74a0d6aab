// WAL checkpoints: a larger default threshold, and a WAL file made whole at start and kept (no worker per fsync).
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { createLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import type { SensorEvent } from '../../rules/types.js';
import { tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('checkpoint');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function motion(homeId: string, ts: number): SensorEvent {
  return { homeId, deviceId: 'pir', type: 'motion', value: true, ts, source: 'mqtt', assigned: true };
}

/** What the store says its WAL holds (`telecare_store_wal_bytes`). */
async function walGauge(metrics: ReturnType<typeof createMetricsRegistry>): Promise<number> {
  const text = await metrics.getSingleMetricAsString('telecare_store_wal_bytes');
  return Number(/^telecare_store_wal_bytes (\d+)$/m.exec(text)?.[1]);
}

describe('event store checkpoints', () => {
  it('checkpoints at 32 MiB of WAL by default; the WAL file is made whole at start and kept up to its hard limit when the log starts again', () => {
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, new FakeClock());
    expect(EventStore.CHECKPOINT_BYTES).toBe(32 * 1024 * 1024);
    // Was a quarter of the threshold (8 MiB): the file was cut back at every start of the log and grew again.
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(EventStore.WAL_LIMIT_BYTES);
    // The threshold and a quarter, its blocks there (ext4 counts the delayed ones too): the log's commits until
    // the first checkpoint write over them instead of growing the file.
    const wal = fs.statSync(path.join(dir, 'hub.db-wal'));
    expect(wal.size).toBe(40 * 1024 * 1024);
    expect(wal.blocks * 512).toBeGreaterThanOrEqual(40 * 1024 * 1024);
    store.close();
    db.close();
  });

  it('starts without the reserve, and says so, when another connection holds the write lock; the WAL then grows as it did', async () => {
    const file = path.join(dir, 'hub.db');
    // The schema first, so that the store's start has nothing to write.
    const first = openHubDatabase(file);
    new EventStore(first, new FakeClock()).close();
    first.close();
    const holder = openHubDatabase(file);
    holder.exec('BEGIN IMMEDIATE');
    const lines: { level: number; msg: string }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n')) if (text !== '') lines.push(JSON.parse(text) as never);
        done();
      },
    });
    const db = openHubDatabase(file);
    const store = new EventStore(db, new FakeClock(), undefined, {
      logger: createLogger({ level: 'info', destination }),
    });
    expect(
      lines.filter((line) => line.level === 40 && /could not make the WAL file whole/.test(line.msg)),
    ).toHaveLength(1);
    expect(fs.statSync(`${file}-wal`).size).toBeLessThan(1024 * 1024);
    expect(db.inTransaction).toBe(false);
    holder.exec('ROLLBACK');
    holder.close();
    await store.append([motion('h1', 1)]);
    expect(store.eventsAfter(0)).toHaveLength(1);
    store.close();
    db.close();
  });

  it('once a checkpoint has copied the WAL, the log starts again over the same file: commits write over the blocks it has, and quiet appends start no checkpoint each', async () => {
    const thresholdBytes = 256 * 1024;
    const metrics = createMetricsRegistry();
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, new FakeClock(), metrics, { checkpointBytes: thresholdBytes });
    const wal = path.join(dir, 'hub.db-wal');
    let ts = 0;
    // A burst over 200 homes (an index leaf page each per commit) grows the WAL well past the threshold.
    let largestLog = 0;
    let largestFile = 0;
    for (let round = 0; round < 10; round++) {
      await store.append(Array.from({ length: 400 }, (_, i) => motion(`h${i % 200}`, ++ts)));
      largestLog = Math.max(largestLog, await walGauge(metrics));
      largestFile = Math.max(largestFile, fs.statSync(wal).size);
    }
    expect(largestLog).toBeGreaterThan(thresholdBytes);
    const checkpoints = async (): Promise<number> => {
      const text = await metrics.getSingleMetricAsString('telecare_store_checkpoints_total');
      return Number(/result="done"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    await vi.waitFor(async () => expect(await checkpoints()).toBeGreaterThan(0), { timeout: 15_000, interval: 20 });
    // Quiet appends: once a checkpoint has copied everything, the next commit starts the log again at the file's
    // beginning. What the log holds falls back below the threshold; the file keeps its size and its blocks (before,
    // journal_size_limit cut it to a quarter of the threshold, and the next commits grew it again, block by block).
    await vi.waitFor(
      async () => {
        await store.append([motion('h1', ++ts)]);
        expect(await walGauge(metrics)).toBeLessThan(thresholdBytes);
      },
      { timeout: 15_000, interval: 50 },
    );
    const kept = fs.statSync(wal);
    expect(kept.size).toBeGreaterThanOrEqual(largestFile);
    expect(kept.size).toBeGreaterThan(thresholdBytes);
    // The file's size no longer says what the log holds: the store counts the log's frames (SQLite's wal hook), so
    // these appends, with the file past the threshold, ask for no checkpoint (each would have).
    // A checkpoint asked for before the log fell back may still be running: counted once it ends, it is not these
    // appends' (seen once in CI: 3 instead of 2). Wait until none runs.
    const running = (): unknown => (store as unknown as { checkpointRunning?: string }).checkpointRunning;
    // And until an append made with none running leaves none running and the log below the threshold (seen once in CI,
    // session 33: a checkpoint asked for by one of the 20 appends below, the log not yet started again when the wait
    // above ended): the appends counted below start from the log started again, nothing under way.
    // And with the log near its start (session 34, reproduced under load: the log had started again in the middle of
    // the burst, so it held 115 KB when the wait above ended, and the 20 appends below, ~8 KB each, took it past the
    // threshold: a checkpoint rightly asked for). Below a quarter of the threshold the 20 appends stay under it; each
    // try appends, so a log left longer crosses the threshold, is copied and starts again, and the wait ends.
    await vi.waitFor(
      async () => {
        expect(running()).toBeUndefined();
        await store.append([motion('h1', ++ts)]);
        expect(await walGauge(metrics)).toBeLessThan(thresholdBytes / 4);
        expect(running()).toBeUndefined();
      },
      { timeout: 15_000, interval: 20 },
    );
    const before = await checkpoints();
    for (let i = 0; i < 20; i++) await store.append([motion('h1', ++ts)]);
    expect(running()).toBeUndefined();
    expect(await checkpoints()).toBe(before);
    expect(fs.statSync(wal).size).toBe(kept.size);
    expect(fs.statSync(wal).blocks).toBe(kept.blocks);
    expect(store.eventsAfter(0, 10_000)).toHaveLength(ts);
    store.close();
    db.close();
  });

  it('without the native checkpointer: one worker thread serves a whole burst, and ends once idle (a later burst starts another)', async () => {
    const metrics = createMetricsRegistry();
    const counter = async (name: string, label = ''): Promise<number> => {
      const text = await metrics.getSingleMetricAsString(name);
      return Number(new RegExp(`${name}${label.replace(/[{}]/g, '\\$&')} (\\d+)`).exec(text)?.[1] ?? 0);
    };
    let ts = 0;
    // 400 rows over 200 homes: about 1 MB of WAL, past the threshold, so each append's fsync asks for a checkpoint.
    const burst = (): Promise<number> =>
      store.append(Array.from({ length: 400 }, (_, i) => motion(`h${i % 200}`, ++ts)));

    // Never idle long enough to end during the burst: every checkpoint is the same thread's.
    let db = openHubDatabase(path.join(dir, 'hub.db'));
    let store = new EventStore(db, new FakeClock(), metrics, {
      checkpointBytes: 64 * 1024,
      checkpointerIdleMs: 60_000,
      checkpointIn: 'worker',
    });
    await vi.waitFor(
      async () => {
        await burst();
        expect(await counter('telecare_store_checkpoints_total', '{result="done"}')).toBeGreaterThanOrEqual(3);
      },
      { timeout: 15_000, interval: 20 },
    );
    // Before, each checkpoint started (and ended) a thread of its own.
    expect(await counter('telecare_store_checkpoint_threads_total')).toBe(1);
    store.close();
    db.close();

    // Idle 50 ms: between appends 200 ms apart the thread ends, and the next checkpoint needs a new one.
    metrics.clear();
    db = openHubDatabase(path.join(dir, 'hub.db'));
    store = new EventStore(db, new FakeClock(), metrics, {
      checkpointBytes: 64 * 1024,
      checkpointerIdleMs: 50,
      checkpointIn: 'worker',
    });
    await vi.waitFor(
      async () => {
        await burst();
        expect(await counter('telecare_store_checkpoint_threads_total')).toBeGreaterThanOrEqual(2);
      },
      { timeout: 15_000, interval: 200 },
    );
    // A closing thread's end is not taken for the failure of the next one's checkpoint.
    expect(await counter('telecare_store_checkpoints_total', '{result="failed"}')).toBe(0);
    expect(store.eventsAfter(0, 100_000)).toHaveLength(ts);
    store.close();
    db.close();
  });
});
