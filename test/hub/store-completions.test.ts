// How the store's fsync completions reach the loop: acknowledged from an immediate (after an alert aedes is about to
// write), one fsync per new commit and none for commits already on disk, an fsync failure failing only what it left.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import { motion, tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('store-completions');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The real fsync, whose completions are held until `release(err)` calls them, in the caller's turn. */
function heldSync(): {
  syncFile: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;
  started: () => number;
  held: () => number;
  release: (err?: NodeJS.ErrnoException) => void;
} {
  let started = 0;
  let held: ((err?: NodeJS.ErrnoException) => void)[] = [];
  return {
    syncFile: (fd, done) => {
      started += 1;
      fs.fsync(fd, (err) => held.push((failure) => done(failure ?? err)));
    },
    started: () => started,
    held: () => held.length,
    release: (err) => {
      const waiting = held;
      held = [];
      for (const finish of waiting) finish(err);
    },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("the store's fsync completions", () => {
  it('acknowledge after the immediates queued before the completion (an alert aedes is about to write)', async () => {
    const sync = heldSync();
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, new FakeClock(), undefined, { syncFile: sync.syncFile });
    const order: string[] = [];
    const stored = store.appendToBatch([motion(1)]).then(() => order.push('acknowledged'));
    await vi.waitFor(() => expect(sync.held()).toBe(1), { timeout: 15_000, interval: 5 });
    // One turn: a press read (its alert's delivery queued as an immediate, as aedes does), then the fsync completes.
    setImmediate(() => order.push('alert written'));
    sync.release();
    await stored;
    expect(order).toEqual(['alert written', 'acknowledged']);
    store.close();
    db.close();
  });

  it('start the next fsync from that immediate too, not in the completion (it wakes a pool thread)', async () => {
    const sync = heldSync();
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, new FakeClock(), undefined, { syncFile: sync.syncFile });
    const stored = store.appendToBatch([motion(1)]);
    await vi.waitFor(() => expect(sync.held()).toBe(1), { timeout: 15_000, interval: 5 });
    // An alert change committed meanwhile: it needs the next fsync.
    store.saveRuleState('rules-engine', { v: 1 }, 1);
    for (let i = 0; i < 4; i++) await turn();
    expect(sync.started()).toBe(1);
    const startedAtAlert: number[] = [];
    setImmediate(() => startedAtAlert.push(sync.started()));
    sync.release();
    await stored;
    await vi.waitFor(() => expect(sync.started()).toBe(2), { timeout: 15_000, interval: 5 });
    expect(startedAtAlert).toEqual([1]);
    // Released once its fsync has ended and is held (started is counted before): a completion never called would
    // keep the store's WAL descriptor open after close.
    await vi.waitFor(() => expect(sync.held()).toBe(1), { timeout: 15_000, interval: 5 });
    sync.release();
    store.close();
    db.close();
  });

  it('start no fsync for commits already on disk whose acknowledgement is queued', async () => {
    const sync = heldSync();
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, new FakeClock(), undefined, { syncFile: sync.syncFile });
    const stored = store.appendToBatch([motion(1)]);
    await vi.waitFor(() => expect(sync.held()).toBe(1), { timeout: 15_000, interval: 5 });
    sync.release();
    expect(await stored).toBe(1);
    for (let i = 0; i < 4; i++) await turn();
    expect(sync.started()).toBe(1);
    // A new commit (an alert change) gets its own.
    store.saveRuleState('rules-engine', { v: 1 }, 1);
    await vi.waitFor(() => expect(sync.started()).toBe(2), { timeout: 15_000, interval: 5 });
    await vi.waitFor(() => expect(sync.held()).toBe(1), { timeout: 15_000, interval: 5 });
    sync.release();
    store.close();
    db.close();
  });

  it('a failed fsync fails only the commits it was to carry, not those an earlier one carried', async () => {
    const sync = heldSync();
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, new FakeClock(), undefined, { syncFile: sync.syncFile });
    const first = store.appendToBatch([motion(1)]);
    await vi.waitFor(() => expect(sync.held()).toBe(1), { timeout: 15_000, interval: 5 });
    const second = store.appendToBatch([motion(2)]);
    // The first fsync ends well; in the same turn, before its acknowledgement runs, the second one fails.
    sync.release();
    await vi.waitFor(() => expect(sync.held()).toBe(1), { timeout: 15_000, interval: 1 });
    const eio = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    sync.release(eio);
    expect(await first).toBe(1);
    await expect(second).rejects.toThrow('EIO');
    store.close();
    db.close();
  });
});
