// An fsync of the WAL that fails, then one that succeeds: nothing acknowledged may rest on the failed frames.
//
// Linux marks the pages of a failed writeback clean: the next fsync says success without writing them, and after a
// power cut SQLite's WAL recovery stops at the first frame whose checksum chain breaks. The test runs a real store on
// a real SQLite file with the real fsync, reported as EIO while `failing` is set, and keeps a model of what a disk
// that failed that way would hold: at each fsync's start the WAL's pages dirtied since the last one (those whose bytes
// changed, and those written through fs.writeSync, whatever the bytes), which land on the model's disk if the fsync
// succeeds and are dropped (marked clean, never written) if it fails. A power cut is a copy of the database file and
// the model's WAL, opened by SQLite: its recovery decides what survived. What the model cannot show: a page SQLite
// wrote with the same bytes it had (not seen as dirty: harmless, the disk has those bytes), and what a real card does
// with pages the kernel still holds dirty at the cut (taken as lost, as here).
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AckWatermark } from '../../hub/ack-watermark.js';
import { FakeClock } from '../../hub/clock.js';
import { createLogger } from '../../hub/logger.js';
import { RedeliveryCheck } from '../../hub/redelivery.js';
import { StorageHealth } from '../../hub/storage-health.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import { motion, tempDir } from './helpers.js';

const PAGE = 4096;

let dir: string;
beforeEach(() => {
  dir = tempDir('store-fsync-doubt');
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What a disk whose fsync fails (writeback EIO, the pages then marked clean) holds of one file. */
class FailingDiskModel {
  /** The file's bytes on the model's disk. */
  private disk: Buffer;
  /** The file's bytes at the last fsync's start. */
  private seen: Buffer;
  /** Pages written through fs.writeSync since the last fsync's start. */
  private readonly written = new Set<number>();
  /** Writes through fs.writeSync at the file's start (the store writing the log again begins with its header). */
  headerWrites = 0;

  constructor(private readonly file: string) {
    this.disk = fs.readFileSync(file);
    this.seen = Buffer.from(this.disk);
    const { ino } = fs.statSync(file);
    const writeSync = fs.writeSync.bind(fs) as (...args: unknown[]) => number;
    vi.spyOn(fs, 'writeSync').mockImplementation((...args: unknown[]) => {
      const [fd, buffer, offset, length, position] = args as [number, Buffer, number?, number?, number?];
      if (typeof position === 'number' && fs.fstatSync(fd).ino === ino) {
        if (position === 0) this.headerWrites += 1;
        const bytes = length ?? buffer.length - (offset ?? 0);
        for (let p = Math.floor(position / PAGE); p * PAGE < position + bytes; p++) this.written.add(p);
      }
      return writeSync(...args);
    });
  }

  /** At an fsync's start: the pages it would write (dirtied since the last one). */
  fsyncStarts(): { landed: () => void; failed: () => void } {
    const now = fs.readFileSync(this.file);
    const dirty = new Set(this.written);
    this.written.clear();
    const pages = Math.ceil(Math.max(now.length, this.seen.length) / PAGE);
    for (let p = 0; p < pages; p++) {
      if (!now.subarray(p * PAGE, (p + 1) * PAGE).equals(this.seen.subarray(p * PAGE, (p + 1) * PAGE))) dirty.add(p);
    }
    this.seen = now;
    return {
      landed: () => {
        if (this.disk.length < now.length)
          this.disk = Buffer.concat([this.disk, Buffer.alloc(now.length - this.disk.length)]);
        // A file cut back (journal_size_limit, after the log started again): cut on the disk too.
        else if (this.disk.length > now.length) this.disk = Buffer.from(this.disk.subarray(0, now.length));
        for (const p of dirty) {
          if (p * PAGE < now.length) now.copy(this.disk, p * PAGE, p * PAGE, Math.min((p + 1) * PAGE, now.length));
        }
      },
      // Marked clean, never written: the disk keeps what it had.
      failed: () => undefined,
    };
  }

  get bytes(): Buffer {
    return this.disk;
  }
}

/** A real store whose fsync of the WAL is reported as EIO while `failing` is set, the hub's mark and DUP check. */
function harness(checkpointIn: 'native' | 'worker', options: { walLimitBytes?: number; metrics?: Registry } = {}) {
  const file = path.join(dir, 'hub.db');
  const db = openHubDatabase(file);
  const clock = new FakeClock();
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push((JSON.parse(line) as { msg: string }).msg);
      callback();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const healthMetrics = new Registry();
  const health = new StorageHealth(healthMetrics, logger, () => clock.now());
  const state = { failing: false, model: undefined as FailingDiskModel | undefined };
  const syncFile = (fd: number, done: (err: NodeJS.ErrnoException | null) => void): void => {
    const sync = state.model?.fsyncStarts();
    fs.fsync(fd, (err) => {
      if (err) {
        done(err);
        return;
      }
      if (!state.failing) {
        sync?.landed();
        done(null);
        return;
      }
      sync?.failed();
      const eio: NodeJS.ErrnoException = new Error('EIO: i/o error, fsync');
      eio.code = 'EIO';
      done(eio);
    });
  };
  const store = new EventStore(db, clock, options.metrics, {
    ...(options.walLimitBytes === undefined ? {} : { walLimitBytes: options.walLimitBytes }),
    syncFile,
    writeHealth: health,
    logger,
    checkpointIn,
    // A small WAL file (kept whole by the native checkpointer): the model copies it at each fsync.
    checkpointBytes: 1024 * 1024,
  });
  const markErrors: unknown[] = [];
  const watermark = new AckWatermark(`${file}.acked`, (err) => markErrors.push(err));
  watermark.check(store.lastReservedId);
  const redelivery = new RedeliveryCheck(db, () => watermark.durableUpTo, new Registry());
  state.model = new FailingDiskModel(`${file}-wal`);
  const acknowledged: number[] = [];
  /** As the hub does: the sender is acknowledged once the batch is fsynced and the mark written. */
  const store1 = async (ts: number): Promise<boolean> => {
    try {
      const lastId = await store.appendToBatch([motion(ts)]);
      await watermark.advance(lastId);
      acknowledged.push(ts);
      return true;
    } catch {
      return false;
    }
  };
  let cuts = 0;
  /** The events a power cut now would leave: the database file and the model's WAL, opened by SQLite. */
  const afterPowerCut = (): number[] => {
    const copy = path.join(dir, `cut-${++cuts}`);
    fs.mkdirSync(copy);
    fs.copyFileSync(file, path.join(copy, 'hub.db'));
    fs.writeFileSync(path.join(copy, 'hub.db-wal'), state.model!.bytes);
    const reopened = new Database(path.join(copy, 'hub.db'));
    try {
      return (reopened.prepare('SELECT ts FROM events ORDER BY id').all() as { ts: number }[]).map((r) => r.ts);
    } finally {
      reopened.close();
    }
  };
  const close = async (): Promise<void> => {
    store.close();
    db.close();
    await watermark.close();
  };
  return {
    file,
    state,
    store,
    health,
    healthMetrics,
    redelivery,
    acknowledged,
    store1,
    afterPowerCut,
    close,
    markErrors,
    lines,
  };
}

describe('an fsync that failed, then one that succeeds', () => {
  for (const checkpointIn of ['native', 'worker'] as const) {
    it(`acknowledges nothing a power cut would lose (checkpoints: ${checkpointIn})`, async () => {
      const h = harness(checkpointIn);
      try {
        expect(await h.store1(1_000)).toBe(true);
        expect(h.afterPowerCut()).toEqual([1_000]);
        // The disk refuses the fsync: the batch is not acknowledged, storage says so.
        h.state.failing = true;
        expect(await h.store1(2_000)).toBe(false);
        expect(h.health.status().eventWrites).toBe('failing');
        // Said as what it is (the card failed a write), not `other`.
        expect(h.health.status()).toMatchObject({ lastError: 'EIO', advice: expect.stringMatching(/SD card.*fsync/) });
        // The disk takes fsyncs again: the next batch is acknowledged only once what it rests on is on the disk.
        h.state.failing = false;
        expect(await h.store1(3_000)).toBe(true);
        expect(h.health.status()).toMatchObject({ eventWrites: 'ok', state: 'ok', advice: null });
        expect(h.afterPowerCut()).toEqual(expect.arrayContaining(h.acknowledged));
        // Later batches as before; everything stored is in the database and survives a cut.
        expect(await h.store1(4_000)).toBe(true);
        expect(h.store.eventsAfter(0).map((e) => e.ts)).toEqual([1_000, 2_000, 3_000, 4_000]);
        expect(h.afterPowerCut()).toEqual([1_000, 2_000, 3_000, 4_000]);
        expect(h.markErrors).toEqual([]);
      } finally {
        await h.close();
      }
    }, 30_000);
  }

  it("leaves out a DUP copy of the failed batch's event only when that event is on the disk", async () => {
    const h = harness('native');
    try {
      expect(await h.store1(1_000)).toBe(true);
      h.state.failing = true;
      expect(await h.store1(2_000)).toBe(false);
      // Right after the failure nothing moved the mark past it: the copy is new.
      expect(h.redelivery.notYetStored([motion(2_000)])).toHaveLength(1);
      h.state.failing = false;
      expect(await h.store1(3_000)).toBe(true);
      // The sender of the failed batch sends it again (DUP) after the next batch was acknowledged.
      const fresh = h.redelivery.notYetStored([motion(2_000)]);
      if (fresh.length === 0) expect(h.afterPowerCut()).toContain(2_000);
      else expect(await h.store1(2_000)).toBe(true);
      expect(h.afterPowerCut()).toEqual(expect.arrayContaining(h.acknowledged));
    } finally {
      await h.close();
    }
  }, 30_000);

  it('acknowledges nothing when a failed frame no longer reads as SQLite wrote it (it left the page cache)', async () => {
    const h = harness('native');
    try {
      expect(await h.store1(1_000)).toBe(true);
      const before = fs.readFileSync(`${h.file}-wal`);
      h.state.failing = true;
      expect(await h.store1(2_000)).toBe(false);
      // What a page read back from a disk that never took it holds: not the frame's bytes.
      const after = fs.readFileSync(`${h.file}-wal`);
      let changed = 0;
      while (after[changed] === before[changed]) changed++;
      const fd = fs.openSync(`${h.file}-wal`, 'r+');
      try {
        fs.writeSync(fd, Buffer.from([after[changed]! ^ 0xff]), 0, 1, changed);
      } finally {
        fs.closeSync(fd);
      }
      h.state.failing = false;
      expect(await h.store1(3_000)).toBe(false);
      expect(h.health.status().eventWrites).toBe('failing');
      expect(h.lines).toContain(
        'the WAL could not be written again after a failed fsync: nothing acknowledged until it can be',
      );
      expect(h.acknowledged).toEqual([1_000]);
      expect(h.afterPowerCut()).toEqual([1_000]);
    } finally {
      await h.close();
    }
  }, 30_000);

  it('while the disk keeps refusing, writes the log again at most once per WRITE_PROBE_MS, not at every batch', async () => {
    const h = harness('native');
    try {
      expect(await h.store1(1_000)).toBe(true);
      h.state.failing = true;
      // The first failure: nothing written again yet.
      expect(await h.store1(2_000)).toBe(false);
      expect(h.state.model!.headerWrites).toBe(0);
      // The next fsync writes the log again first, and is refused.
      expect(await h.store1(3_000)).toBe(false);
      expect(h.state.model!.headerWrites).toBe(1);
      // Two more batches, each committed on its own turn: they wait for the next try, which carries both.
      const later = [h.store1(4_000)];
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      later.push(h.store1(5_000));
      expect(await Promise.all(later)).toEqual([false, false]);
      expect(h.state.model!.headerWrites).toBe(2);
      expect(h.acknowledged).toEqual([1_000]);
      expect(h.health.status().eventWrites).toBe('failing');
    } finally {
      await h.close();
    }
  }, 30_000);
});

describe('a disk that keeps refusing the WAL written again (review, session 31)', () => {
  it('waits twice as long before each further try, and from WRITE_PROBE_MS again once the disk takes it', async () => {
    // Each try writes the whole log again on the event loop, and the log grows while in doubt (no checkpoint): at a
    // fixed 2 s, hours of a failing card would hold the loop for a good part of every period. Fake timers for the
    // store's waits only (the fsyncs are real).
    const h = harness('native');
    const probe = EventStore.WRITE_PROBE_MS;
    const model = (): FailingDiskModel => h.state.model!;
    try {
      expect(await h.store1(1_000)).toBe(true);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      h.state.failing = true;
      expect(await h.store1(2_000)).toBe(false); // the failure: nothing written again yet
      expect(await h.store1(3_000)).toBe(false); // written again at once, refused: the next try in 2 s
      expect(model().headerWrites).toBe(1);
      const second = h.store1(4_000);
      await vi.advanceTimersByTimeAsync(probe);
      expect(await second).toBe(false); // written again, refused: the next try in 4 s
      expect(model().headerWrites).toBe(2);
      const third = h.store1(5_000);
      await vi.advanceTimersByTimeAsync(probe);
      expect(model().headerWrites).toBe(2); // not after 2 s...
      await vi.advanceTimersByTimeAsync(probe);
      expect(await third).toBe(false); // ...after 4 s
      expect(model().headerWrites).toBe(3);
      // The disk takes writes again: the next try (8 s on) carries the log, and the batch waiting is acknowledged.
      h.state.failing = false;
      const fourth = h.store1(6_000);
      await vi.advanceTimersByTimeAsync(4 * probe);
      expect(await fourth).toBe(true);
      // A new failure starts from WRITE_PROBE_MS again.
      h.state.failing = true;
      expect(await h.store1(7_000)).toBe(false);
      expect(await h.store1(8_000)).toBe(false);
      const writes = model().headerWrites;
      const again = h.store1(9_000);
      await vi.advanceTimersByTimeAsync(probe);
      expect(await again).toBe(false);
      expect(model().headerWrites).toBe(writes + 1);
      expect(h.acknowledged).toEqual([1_000, 6_000]);
    } finally {
      vi.useRealTimers();
      await h.close();
    }
  }, 30_000);
});

describe('the WAL in doubt at its hard limit (review, session 32)', () => {
  it('refuses further events at once, counted, instead of growing the log; stores again once the disk takes it', async () => {
    // While in doubt no checkpoint may run, so every commit grew the log for as long as the card failed (hours: the
    // card itself filled), and each try to carry it wrote all of it again on the loop. Now, past the hard limit, event
    // batches are refused at once (their senders keep them, unacknowledged), and the log stays as it is.
    const metrics = new Registry();
    const limit = 1536 * 1024;
    const h = harness('native', { walLimitBytes: limit, metrics });
    const logBytes = async (): Promise<number> =>
      (await metrics.getSingleMetric('telecare_store_wal_bytes')!.get()).values[0]!.value;
    const refusedEvents = async (): Promise<number> =>
      (await metrics.getSingleMetric('telecare_store_refused_events_total')!.get()).values[0]!.value;
    const turns = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    let ts = 10_000;
    /** A batch of `n` events in one commit; its outcome once settled. */
    const batch = (n: number): Promise<'stored' | 'refused' | 'failed'> => {
      const events = Array.from({ length: n }, () => motion(ts++));
      return h.store.appendToBatch(events).then(
        () => 'stored' as const,
        (err: unknown) =>
          (err as { code?: string }).code === 'WAL_IN_DOUBT_FULL' ? ('refused' as const) : ('failed' as const),
      );
    };
    try {
      expect(await h.store1(1_000)).toBe(true);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      h.state.failing = true;
      expect(await h.store1(2_000)).toBe(false); // in doubt from here
      // Batches go on coming while the disk refuses: the log grows up to the limit, then they are refused.
      const outcomes: Promise<string>[] = [];
      let refusedAt = -1;
      for (let i = 0; i < 60 && refusedAt < 0; i++) {
        let settled: string | undefined;
        const outcome = batch(1_000);
        void outcome.then((o) => (settled = o));
        outcomes.push(outcome);
        await turns();
        if (settled === 'refused') refusedAt = i;
      }
      expect(refusedAt).toBeGreaterThan(0);
      const atLimit = await logBytes();
      expect(atLimit).toBeGreaterThanOrEqual(limit);
      // Ten more batches, and a minute of a quiet home's write probes: refused at once, the log as it was.
      for (let i = 0; i < 10; i++) expect(await batch(1_000)).toBe('refused');
      // The dashboard and /api/health say what it is and what to do (not `other`): the card, and events refused.
      expect(h.health.status()).toMatchObject({
        state: 'degraded',
        lastError: 'WAL_IN_DOUBT_FULL',
        advice: expect.stringMatching(/SD card.*refuses new sensor events.*replace it/),
      });
      const failures = (await h.healthMetrics.getSingleMetric('telecare_storage_errors_total')!.get()).values;
      expect(failures.find((v) => v.labels.code === 'WAL_IN_DOUBT_FULL')?.value).toBe(11);
      expect(failures.some((v) => v.labels.code === 'other')).toBe(false);
      await vi.advanceTimersByTimeAsync(30 * EventStore.WRITE_PROBE_MS);
      await turns();
      expect(await logBytes()).toBe(atLimit);
      expect(await refusedEvents()).toBe(11 * 1_000);
      expect(h.health.status().eventWrites).toBe('failing');
      expect(
        h.lines.filter((l) => l.startsWith('the WAL reached its hard limit while in doubt after a failed fsync')),
      ).toHaveLength(1);
      // Nothing committed in doubt was acknowledged.
      expect(h.acknowledged).toEqual([1_000]);
      // The disk takes writes again: the next try carries the log, and events are stored and acknowledged again.
      h.state.failing = false;
      await vi.advanceTimersByTimeAsync(EventStore.REWRITE_MAX_MS + EventStore.WRITE_PROBE_MS);
      vi.useRealTimers();
      await vi.waitFor(() => expect(h.health.status().eventWrites).toBe('ok'), { timeout: 20_000, interval: 20 });
      expect(await h.store1(3_000)).toBe(true);
      expect(h.afterPowerCut()).toEqual(expect.arrayContaining(h.acknowledged));
      expect(h.store.eventsAfter(0, 1_000_000).map((e) => e.ts)).toContain(3_000);
      // The batches committed before the limit: failed with the disk, or carried with the log once it took it.
      const carried = new Set(h.afterPowerCut());
      const before = await Promise.all(outcomes.slice(0, refusedAt));
      expect(before.filter((o) => o !== 'failed' && o !== 'stored')).toEqual([]);
      before.forEach((o, i) => {
        if (o === 'stored') expect(carried.has(10_000 + i * 1_000)).toBe(true);
      });
    } finally {
      vi.useRealTimers();
      await h.close();
    }
  }, 60_000);
});
