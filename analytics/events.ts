// Reads a home's stored events (hub/store's `events` table) in time order, page by page, for the analytics.
import type { Database } from 'better-sqlite3';
import type { SensorEvent } from '../rules/types.js';
import { toStored, type EventRow, type StoredEvent } from '../hub/store.js';

export function hasEventsTable(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get() !== undefined;
}

/** Events of `homeId` with `fromMs <= ts < toMs`, oldest first; rows whose value is not JSON are skipped. */
export function* homeEvents(
  db: Database,
  homeId: string,
  fromMs: number,
  toMs: number,
  pageSize = 5_000,
): Generator<SensorEvent> {
  if (!hasEventsTable(db)) return;
  // Keyset paging on (ts, id): starting at (fromMs, -1) takes every event at fromMs too.
  const page = db.prepare(
    `SELECT * FROM events
     WHERE home_id = ? AND (ts > ? OR (ts = ? AND id > ?)) AND ts < ? ORDER BY ts, id LIMIT ?`,
  );
  let lastTs = fromMs;
  let lastId = -1;
  for (;;) {
    const rows = page.all(homeId, lastTs, lastTs, lastId, toMs, pageSize) as EventRow[];
    for (const row of rows) {
      const event = toEvent(row);
      if (event) yield event;
    }
    if (rows.length < pageSize) return;
    lastTs = rows[rows.length - 1].ts;
    lastId = rows[rows.length - 1].id;
  }
}

/** Whether `homeId` has any stored event with `fromMs <= ts < toMs`. */
export function homeHasEvents(db: Database, homeId: string, fromMs: number, toMs: number): boolean {
  if (!hasEventsTable(db)) return false;
  return (
    db.prepare('SELECT 1 FROM events WHERE home_id = ? AND ts >= ? AND ts < ? LIMIT 1').get(homeId, fromMs, toMs) !==
    undefined
  );
}

/** The stored event of a row, or undefined when its value is not JSON (skipped rather than failing a report). */
function toEvent(row: EventRow): StoredEvent | undefined {
  try {
    return toStored(row);
  } catch {
    return undefined;
  }
}
