// The event store on a real SQLite file: group commit, per-home time ranges, unassigned devices, rules snapshots.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { EventStore, fullSync, openHubDatabase } from '../../hub/store.js';
import type { SensorEvent } from '../../rules/types.js';
import { tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('store');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function motion(homeId: string, ts: number, deviceId = 'pir', assigned = true): SensorEvent {
  return { homeId, deviceId, type: 'motion', value: true, ts, source: 'mqtt', room: 'hall', kind: 'motion', assigned };
}

function open(clock = new FakeClock()): EventStore {
  return new EventStore(openHubDatabase(path.join(dir, 'hub.db')), clock);
}

describe('event store', () => {
  it('uses WAL; event batches commit with a full fsync, other writes without waiting for one', () => {
    const store = open();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
    const during = fullSync(store.db, () => store.db.pragma('synchronous', { simple: true }));
    expect(during).toBe(2);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
    store.close();
    store.db.close();
  });

  it('reserves ids at append time, in order, before the batch is written', async () => {
    const store = open();
    const first = store.append([motion('h1', 1), motion('h1', 2)]);
    expect(store.lastReservedId).toBe(2);
    const second = store.append([motion('h1', 3)]);
    expect(store.lastReservedId).toBe(3);
    expect(store.eventsAfter(0)).toHaveLength(0);
    expect(await first).toBe(2);
    expect(await second).toBe(3);
    expect(store.eventsAfter(0).map((e) => [e.id, e.ts])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    store.close();
    store.db.close();
  });

  it('stores appends made in the same tick together, each resolving with the id of its last event', async () => {
    const store = open();
    const results = await Promise.all([
      store.append([motion('h1', 1), motion('h1', 2)]),
      store.append([motion('h2', 3)]),
      store.append([]),
    ]);
    expect(results).toEqual([2, 3, 0]);
    expect(store.eventsAfter(0).map((e) => [e.id, e.homeId, e.ts])).toEqual([
      [1, 'h1', 1],
      [2, 'h1', 2],
      [3, 'h2', 3],
    ]);
    store.close();
    store.db.close();
  });

  it("appendToBatch: the appends of one turn share one promise, resolved with the batch's last id once stored", async () => {
    const store = open();
    const first = store.appendToBatch([motion('h1', 1), motion('h1', 2)]);
    const own = store.append([motion('h1', 3)]);
    const second = store.appendToBatch([motion('h2', 4)]);
    expect(second).toBe(first);
    expect(store.lastReservedId).toBe(4);
    expect(store.eventsAfter(0)).toHaveLength(0);
    expect(await first).toBe(4);
    expect(await own).toBe(3);
    const next = store.appendToBatch([motion('h1', 5)]);
    expect(next).not.toBe(first);
    expect(await next).toBe(5);
    expect(store.eventsAfter(0).map((e) => [e.id, e.homeId, e.ts])).toEqual([
      [1, 'h1', 1],
      [2, 'h1', 2],
      [3, 'h1', 3],
      [4, 'h2', 4],
      [5, 'h1', 5],
    ]);
    store.close();
    store.db.close();
  });

  it('appendToBatch: a batch that cannot be written rejects the shared promise and stores none of it', async () => {
    const store = open();
    // A row already holding the id the second append will get: the batch's commit fails as a whole.
    store.db
      .prepare(
        `INSERT INTO events (id, home_id, device_id, type, value, ts, received_at, source, assigned)
         VALUES (?, 'x', 'x', 'motion', 'true', 0, 0, 'mqtt', 1)`,
      )
      .run(store.lastReservedId + 2);
    const first = store.appendToBatch([motion('h1', 1)]);
    const second = store.appendToBatch([motion('h1', 2)]);
    await expect(first).rejects.toThrow(/UNIQUE|constraint/i);
    await expect(second).rejects.toThrow(/UNIQUE|constraint/i);
    expect(store.eventsAfter(0).map((e) => e.homeId)).toEqual(['x']);
    store.close();
    store.db.close();
  });

  it('after a batch that cannot be written, the next batch starts at the next id (a gap) and is stored whole', async () => {
    const store = open();
    store.db
      .prepare(
        `INSERT INTO events (id, home_id, device_id, type, value, ts, received_at, source, assigned)
         VALUES (?, 'x', 'x', 'motion', 'true', 0, 0, 'mqtt', 1)`,
      )
      .run(store.lastReservedId + 3);
    const failed = store.append([motion('h1', 1), motion('h1', 2), motion('h1', 3)]);
    await expect(failed).rejects.toThrow(/UNIQUE|constraint/i);
    const own = store.append([motion('h2', 4), motion('h2', 5)]);
    const shared = store.appendToBatch([motion('h3', 6)]);
    // Ids 1 and 2 stay unused: the sender, never acknowledged, sends its events again.
    expect(await own).toBe(5);
    expect(await shared).toBe(6);
    expect(store.eventsAfter(0).map((e) => [e.id, e.homeId, e.ts])).toEqual([
      [3, 'x', 0],
      [4, 'h2', 4],
      [5, 'h2', 5],
      [6, 'h3', 6],
    ]);
    store.close();
    store.db.close();
  });

  it('keeps the value types: booleans, numbers, accel samples', async () => {
    const store = open();
    await store.append([
      { ...motion('h1', 1), type: 'temperature', value: 18.25 },
      { ...motion('h1', 2), type: 'accel', value: { rate: 50, samples: [[0, 0, 1]] } },
    ]);
    expect(store.eventsOfHome('h1', 0, 10).map((e) => e.value)).toEqual([18.25, { rate: 50, samples: [[0, 0, 1]] }]);
    store.close();
    store.db.close();
  });

  it('answers the events of one home in a time range, in time order', async () => {
    const store = open();
    await store.append([motion('h1', 300), motion('h2', 150), motion('h1', 100), motion('h1', 200)]);
    expect(store.eventsOfHome('h1', 100, 300).map((e) => e.ts)).toEqual([100, 200]);
    const plan = store.db
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM events WHERE home_id = 'h1' AND ts >= 0 AND ts < 9")
      .all();
    expect(JSON.stringify(plan)).toContain('events_home_ts');
    store.close();
    store.db.close();
  });

  it('records devices that are not configured, for installers: first and last seen, count', async () => {
    const clock = new FakeClock(1_000);
    const store = open(clock);
    await store.append([motion('h1', 1, 'stranger', false)]);
    clock.advanceBy(5_000);
    await store.append([motion('h1', 2, 'stranger', false), motion('h1', 3, 'pir', true)]);
    expect(store.unassignedDevices()).toEqual([
      { homeId: 'h1', deviceId: 'stranger', source: 'mqtt', firstSeen: 1_000, lastSeen: 6_000, count: 2 },
    ]);
    store.close();
    store.db.close();
  });

  it('keeps the rules snapshot and the last event it had seen across a reopen', async () => {
    const store = open();
    store.saveRuleState('rules-engine', { version: 1, clockMs: 42 }, 7);
    store.close();
    store.db.close();
    const again = open();
    expect(again.loadRuleState('rules-engine')).toEqual({ state: { version: 1, clockMs: 42 }, lastEventId: 7 });
    expect(again.loadRuleState('other')).toBeUndefined();
    again.close();
    again.db.close();
  });

  it('refuses appends once closed, after writing what was waiting', async () => {
    const store = open();
    const waiting = store.append([motion('h1', 1)]);
    store.close();
    await expect(waiting).resolves.toBe(1);
    await expect(store.append([motion('h1', 2)])).rejects.toThrow(/closed/);
    store.db.close();
  });
});
