// The event store's read functions (hub/event-reads) on a real SQLite file, as analytics and the dashboard use them.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { homeEvents, homeHasEvents, unassignedDevices } from '../../hub/event-reads.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import type { SensorEvent } from '../../rules/types.js';
import { tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('event-reads');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function motion(homeId: string, ts: number, deviceId = 'pir'): SensorEvent {
  return { homeId, deviceId, type: 'motion', value: true, ts, source: 'mqtt', kind: 'motion', assigned: true };
}

describe('event reads', () => {
  it('pages through a home in (ts, id) order, equal times across a page boundary included, bad rows skipped', async () => {
    const file = path.join(dir, 'hub.db');
    const store = new EventStore(openHubDatabase(file), new FakeClock(), undefined, { syncOffLoop: false });
    await store.append([motion('h1', 10, 'a'), motion('h1', 20, 'b'), motion('h2', 15), motion('h1', 20, 'c')]);
    await store.append([motion('h1', 20, 'd'), motion('h1', 30, 'e'), motion('h1', 40, 'f')]);
    // A value that is not JSON (written by hand, as a damaged row would be): skipped, not fatal.
    store.db.prepare("UPDATE events SET value = '{not json' WHERE device_id = 'e'").run();

    // Page size 2 puts the three events at ts 20 on two pages.
    const read = [...homeEvents(store.db, 'h1', 10, 40, 2)].map((e) => `${e.ts}${e.deviceId}`);
    expect(read).toEqual(['10a', '20b', '20c', '20d']);
    expect([...homeEvents(store.db, 'h1', 20, 41)].map((e) => e.deviceId)).toEqual(['b', 'c', 'd', 'f']);
    expect(homeHasEvents(store.db, 'h2', 15, 16)).toBe(true);
    expect(homeHasEvents(store.db, 'h2', 16, 100)).toBe(false);
    store.db.close();

    // A reader's own read-only connection (the analytics worker's) reads the same.
    const reader = new Database(file, { readonly: true, fileMustExist: true });
    expect([...homeEvents(reader, 'h1', 0, 100)]).toHaveLength(5);
    reader.close();
  });

  it('answers nothing on a database the event store never opened', () => {
    const db = new Database(path.join(dir, 'empty.db'));
    expect([...homeEvents(db, 'h1', 0, Number.MAX_SAFE_INTEGER)]).toEqual([]);
    expect(homeHasEvents(db, 'h1', 0, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(unassignedDevices(db)).toEqual([]);
    db.close();
  });
});
