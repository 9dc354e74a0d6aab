// A disk whose fsync fails (a worn SD card: writes land in the page cache, fsync says EIO): storage stays degraded
// until a write is on the disk again, not "back" at each commit (or write probe) that only reached the page cache.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { createLogger } from '../../hub/logger.js';
import { StorageHealth } from '../../hub/storage-health.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import { motion, tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('store-fsync-fault');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The real fsync, reported as failed (EIO) while `failing` is set. */
function faultySync(): {
  syncFile: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;
  failing: boolean;
  calls: number;
} {
  const state = {
    failing: true,
    calls: 0,
    syncFile: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => {
      state.calls += 1;
      fs.fsync(fd, (err) => {
        if (err || !state.failing) {
          done(err);
          return;
        }
        const eio: NodeJS.ErrnoException = new Error('EIO: i/o error, fsync');
        eio.code = 'EIO';
        done(eio);
      });
    },
  };
  return state;
}

/** The storage health's log lines, by message. */
function logLines(): { logger: ReturnType<typeof createLogger>; messages: () => string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push((JSON.parse(line) as { msg: string }).msg);
      callback();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), messages: () => lines };
}

describe('a disk whose fsync fails', () => {
  it('keeps storage degraded through commits that only reach the page cache, and says back once fsync works', async () => {
    const sync = faultySync();
    const { logger, messages } = logLines();
    const clock = new FakeClock();
    const health = new StorageHealth(new Registry(), logger, () => clock.now());
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, clock, undefined, { syncFile: sync.syncFile, writeHealth: health });
    try {
      // Three batches, one after the other: each commit lands in SQLite, each fsync fails; none is acknowledged.
      for (let i = 0; i < 3; i++) {
        await expect(store.appendToBatch([motion(1_000 + i)])).rejects.toThrow(/EIO/);
        expect(health.status().eventWrites).toBe('failing');
      }
      expect(messages().filter((m) => m.startsWith('storage back'))).toEqual([]);
      // The write probe after a quiet WRITE_PROBE_MS: its write reaches the page cache only, as the commits did. The
      // next fsync may instead be the WAL's rewrite, whose wait doubles from WRITE_PROBE_MS with each one refused (16 s
      // after three): waited for up to the longest such wait and more, not 20 s (session 67).
      const callsBefore = sync.calls;
      await vi.waitFor(() => expect(sync.calls).toBeGreaterThan(callsBefore), {
        timeout: EventStore.REWRITE_MAX_MS + 30_000,
        interval: 50,
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(health.status()).toMatchObject({ state: 'degraded', eventWrites: 'failing' });
      expect(messages().filter((m) => m.startsWith('storage back'))).toEqual([]);
      expect(messages().filter((m) => m.startsWith('storage degraded'))).toHaveLength(1);
      // The disk takes fsyncs again: the next batch is acknowledged and storage is back, said once.
      sync.failing = false;
      await store.appendToBatch([motion(2_000)]);
      expect(health.status()).toMatchObject({ state: 'ok', eventWrites: 'ok' });
      expect(messages().filter((m) => m.startsWith('storage back'))).toHaveLength(1);
    } finally {
      store.close();
      db.close();
    }
    // Real timers are the test: the commits wait for the WAL's rewrites (2, 4, 8 s...) and the probe's, 6 to 14 s on
    // a quiet machine, 14 s of the former 30 s budget at load 10 (docs/testing.md, session 67).
  }, 180_000);
});
