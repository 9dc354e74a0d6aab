// History for the bench's routine-review phase: simulated days of every flat written into a hub database before start.
import Database from 'better-sqlite3';
import { DeviceIndex, parseHubConfig } from '../hub/config.js';
import { systemClock } from '../hub/clock.js';
import { EventStore, openHubDatabase } from '../hub/store.js';
import { RulesEngine } from '../rules/engine.js';
import type { SensorEvent } from '../rules/types.js';
import { simulate } from '../simulate/generator.js';
import { BENCH_TZ, benchConfig } from './configs.js';
import { DAY_MS } from '../rules/time.js';

// Events handed to the store at once: it commits them in groups of its own batch size.
const CHUNK_EVENTS = 50_000;

export interface HistorySummary {
  events: number;
  seconds: number;
}

/**
 * Writes `days` days of history, ending yesterday, for each of `flats` flats into the hub database `dbFile`:
 * the first flat's simulated days through the event store's own batch insert (group commit), then the same rows
 * copied inside SQLite for every other flat (simulating 200 flats one by one, event by event, takes minutes; the
 * routine review's work per flat is the same either way). The rules engine's saved state is a fresh engine's with
 * every row counted as seen, so the hub starts as one that was running (nothing re-fed, no old alerts raised).
 */
export async function writeHistory(dbFile: string, flats: number, days: number, seed: number): Promise<HistorySummary> {
  const started = performance.now();
  const config = parseHubConfig(benchConfig(flats));
  const [first, ...others] = config.homes;
  if (!first) throw new Error('no flats to write a history for');
  const index = new DeviceIndex(config);
  const db = openHubDatabase(dbFile);
  const store = new EventStore(db, systemClock);
  const start = new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);
  let chunk: SensorEvent[] = [];
  try {
    for (const sim of simulate({ homes: 1, days, start, seed, timeZone: BENCH_TZ })) {
      const ref = index.device(first.id, sim.deviceId);
      const event: SensorEvent = { ...sim, homeId: first.id, source: 'mqtt', assigned: ref !== undefined };
      if (ref) {
        if (ref.device.room !== undefined) event.room = ref.device.room;
        event.kind = ref.device.kind;
      }
      chunk.push(event);
      if (chunk.length >= CHUNK_EVENTS) {
        await store.append(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await store.append(chunk);
  } finally {
    store.close();
    db.close();
  }

  // A fixture written before the hub starts: no fsync per commit, one checkpoint at the end.
  const copy = new Database(dbFile);
  try {
    copy.pragma('synchronous = OFF');
    const columns = (copy.pragma('table_info(events)') as { name: string }[])
      .map((c) => c.name)
      .filter((name) => name !== 'id' && name !== 'home_id');
    const list = columns.join(', ');
    const insert = copy.prepare(
      `INSERT INTO events (home_id, ${list}) SELECT ?, ${list} FROM events WHERE home_id = ? ORDER BY id`,
    );
    for (const home of others) copy.transaction(() => insert.run(home.id, first.id))();
    const { events, lastId } = copy.prepare('SELECT count(*) AS events, max(id) AS lastId FROM events').get() as {
      events: number;
      lastId: number;
    };
    copy.pragma('wal_checkpoint(TRUNCATE)');
    copy.close();
    const reopened = openHubDatabase(dbFile);
    const rules = new EventStore(reopened, systemClock, undefined, { syncOffLoop: false });
    try {
      rules.saveRuleState('rules-engine', new RulesEngine(config.homes).exportState(), lastId);
    } finally {
      rules.close();
      reopened.close();
    }
    return { events, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (copy.open) copy.close();
  }
}
