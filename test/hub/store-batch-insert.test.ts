// The group commit's inserts: four events' rows a statement, the rest one a statement, on a real SQLite file.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import type { SensorEvent } from '../../rules/types.js';
import { tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('store-batch-insert');
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The n-th event of a varied stream: every field, optional ones present or not, unassigned devices, a sensor ts. */
function event(n: number): SensorEvent {
  const base = { homeId: `h${(n % 3) + 1}`, deviceId: `d${n % 5}`, ts: 1_767_600_000_000 + n * 1_000 };
  switch (n % 5) {
    case 0:
      return {
        ...base,
        type: 'motion',
        value: n % 2 === 0,
        source: 'mqtt',
        room: 'hall',
        kind: 'motion',
        assigned: true,
      };
    case 1:
      return { ...base, type: 'temperature', value: 20 + n / 10, source: 'zigbee', kind: 'climate', assigned: true };
    case 2:
      return { ...base, type: 'contact', value: false, source: 'http', assigned: false };
    case 3:
      return { ...base, type: 'pendant', value: true, source: 'mqtt', room: 'bedroom', assigned: true, sensorTs: n };
    default:
      return { ...base, type: 'power', value: n * 3, source: 'mqtt', kind: 'appliance', assigned: false, sensorTs: 7 };
  }
}

describe('the group commit', () => {
  it('stores batches of every size whole and in id order, each event as given, with its unassigned device and sensor ts', async () => {
    const clock = new FakeClock(1_767_700_000_000);
    const store = new EventStore(openHubDatabase(path.join(dir, 'hub.db')), clock);
    const sent: SensorEvent[] = [];
    let n = 0;
    // Batches of 1 to 13 events: a remainder of 0 to 3 after the groups of four.
    for (let size = 1; size <= 13; size++) {
      const batch = Array.from({ length: size }, () => event(n++));
      sent.push(...batch);
      await store.append(batch);
    }
    const stored = store.eventsAfter(0);
    expect(stored.map((e) => e.id)).toEqual(sent.map((_, i) => i + 1));
    expect(
      stored.map(({ id: _id, receivedAt, ...rest }) => ({ ...rest, receivedAt: receivedAt === clock.now() })),
    ).toEqual(sent.map(({ sensorTs: _sensorTs, ...rest }) => ({ ...rest, receivedAt: true })));
    sent.forEach((e, i) => expect(store.sensorTsOf(i + 1)).toBe(e.sensorTs));
    const unassigned = sent.filter((e) => !e.assigned);
    expect(
      store
        .unassignedDevices()
        .map((u) => [u.homeId, u.deviceId, u.count])
        .sort(),
    ).toEqual(
      [...new Set(unassigned.map((e) => `${e.homeId} ${e.deviceId}`))]
        .map((key) => {
          const [homeId, deviceId] = key.split(' ');
          return [homeId, deviceId, unassigned.filter((e) => e.homeId === homeId && e.deviceId === deviceId).length];
        })
        .sort(),
    );
    store.close();
  });

  it('writes four events a statement: a batch of 11 is five inserts into events, not 11', async () => {
    const store = new EventStore(openHubDatabase(path.join(dir, 'hub.db')), new FakeClock());
    const statementProto = Object.getPrototypeOf(store.db.prepare('SELECT 1')) as Database.Statement;
    const run = vi.spyOn(statementProto, 'run');
    const batch = Array.from({ length: 11 }, (_, i) => ({ ...event(i * 5), assigned: true }));
    await store.append(batch);
    const valuesBound = run.mock.calls
      .filter((_, i) => (run.mock.contexts[i] as Database.Statement).source.includes('INSERT INTO events'))
      .map((args) => args.length);
    // Two statements of four rows (11 values each), then the three left one a statement.
    expect(valuesBound).toEqual([44, 44, 11, 11, 11]);
    expect(store.eventsAfter(0)).toHaveLength(11);
    store.close();
  });
});
