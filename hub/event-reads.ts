// Read-only queries over the event store's tables (events, unassigned devices) for analytics and the dashboard.
// They take any connection (a worker's read-only one too) and answer "nothing" on a database the hub never started on.
import type { Database } from 'better-sqlite3';
import type { EventSource } from '../rules/vocabulary.js';
import { toStored, type EventRow, type StoredEvent, type UnassignedDevice } from './store.js';

const DEFAULT_PAGE_SIZE = 5_000;

/** True when the database has a table called `name`. */
export function hasTable(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** True when the event store's tables exist. */
export function hasEventsTable(db: Database): boolean {
  return hasTable(db, 'events');
}

/**
 * The events of pages of rows, `page(last)` giving the rows after the last row of the page before (`undefined` for
 * the first), until a page is short; rows whose value is not JSON are skipped.
 */
function* paged(page: (last: EventRow | undefined) => EventRow[], pageSize: number): Generator<StoredEvent> {
  for (let last: EventRow | undefined; ;) {
    const rows = page(last);
    for (const row of rows) {
      const event = decode(row);
      if (event) yield event;
    }
    last = rows.at(-1);
    if (rows.length < pageSize || last === undefined) return;
  }
}

/** Events of `homeId` with `fromMs <= ts < toMs`, oldest first, page by page; rows whose value is not JSON are skipped. */
export function* homeEvents(
  db: Database,
  homeId: string,
  fromMs: number,
  toMs: number,
  pageSize = DEFAULT_PAGE_SIZE,
): Generator<StoredEvent> {
  if (!hasEventsTable(db)) return;
  // Keyset paging on (ts, id): starting at (fromMs, -1) takes every event at fromMs too.
  const page = db.prepare<[string, number, number, number, number, number], EventRow>(
    `SELECT * FROM events
     WHERE home_id = ? AND (ts > ? OR (ts = ? AND id > ?)) AND ts < ? ORDER BY ts, id LIMIT ?`,
  );
  yield* paged((last) => {
    const [lastTs, lastId] = last ? [last.ts, last.id] : [fromMs, -1];
    return page.all(homeId, lastTs, lastTs, lastId, toMs, pageSize);
  }, pageSize);
}

/**
 * Events of `homeId` with `fromMs <= ts < toMs` in the order the hub stored them (the order its rules took them live:
 * a sensor's late or early stamp does not move an event), page by page; rows whose value is not JSON are skipped.
 */
export function* homeEventsAsStored(
  db: Database,
  homeId: string,
  fromMs: number,
  toMs: number,
  pageSize = DEFAULT_PAGE_SIZE,
): Generator<StoredEvent> {
  if (!hasEventsTable(db)) return;
  const page = db.prepare<[string, number, number, number, number], EventRow>(
    'SELECT * FROM events WHERE home_id = ? AND ts >= ? AND ts < ? AND id > ? ORDER BY id LIMIT ?',
  );
  yield* paged((last) => page.all(homeId, fromMs, toMs, last?.id ?? -1, pageSize), pageSize);
}

/** Whether `homeId` has any stored event with `fromMs <= ts < toMs`. */
export function homeHasEvents(db: Database, homeId: string, fromMs: number, toMs: number): boolean {
  if (!hasEventsTable(db)) return false;
  return (
    db
      .prepare<[string, number, number], 1>('SELECT 1 FROM events WHERE home_id = ? AND ts >= ? AND ts < ? LIMIT 1')
      .get(homeId, fromMs, toMs) !== undefined
  );
}

/**
 * The homes with an event of a configured device (stored as assigned) in `fromMs <= ts < toMs`, whether or not they are
 * configured now. One index seek per home id stored (the events_home_ts index), then one per home for the range.
 */
export function homesWithAssignedEvents(db: Database, fromMs: number, toMs: number): string[] {
  if (!hasEventsTable(db)) return [];
  const next = db.prepare<[string], { home_id: string }>(
    'SELECT home_id FROM events WHERE home_id > ? ORDER BY home_id LIMIT 1',
  );
  const assigned = db.prepare<[string, number, number], 1>(
    'SELECT 1 FROM events WHERE home_id = ? AND ts >= ? AND ts < ? AND assigned = 1 LIMIT 1',
  );
  const homes: string[] = [];
  for (let row = next.get(''); row !== undefined; row = next.get(row.home_id)) {
    if (assigned.get(row.home_id, fromMs, toMs) !== undefined) homes.push(row.home_id);
  }
  return homes;
}

/**
 * The store keeps at most this many unassigned devices per home (`''`: Zigbee names nobody configured) and in all, the
 * most recently heard, and counts those it dropped (review, session 49): a device credential may publish under any
 * device id of its home, and the list (read whole by the installers' page every 10 s) grew with each id it invented.
 */
export const MAX_UNASSIGNED_PER_HOME = 100;
export const MAX_UNASSIGNED_TOTAL = 1_000;

/** Devices the hub saw but nobody configured, most recently seen first (at most `MAX_UNASSIGNED_TOTAL`). */
export function unassignedDevices(db: Database): UnassignedDevice[] {
  if (!hasTable(db, 'unassigned_devices')) return [];
  const rows = db
    .prepare<
      [number],
      { home_id: string; device_id: string; source: string; first_seen: number; last_seen: number; count: number }
    >('SELECT * FROM unassigned_devices ORDER BY last_seen DESC, rowid DESC LIMIT ?')
    .all(MAX_UNASSIGNED_TOTAL);
  return rows.map((r) => ({
    homeId: r.home_id,
    deviceId: r.device_id,
    source: r.source as EventSource,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    count: r.count,
  }));
}

/**
 * Unassigned devices heard and not listed by `unassignedDevices`: those the store dropped to keep its caps, and any
 * beyond `MAX_UNASSIGNED_TOTAL` (a database written before the caps). A device heard again after being dropped is
 * listed again and still counted here once.
 */
export function unassignedNotListed(db: Database): number {
  if (!hasTable(db, 'unassigned_devices')) return 0;
  const rows = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM unassigned_devices').get()!.n;
  const dropped = hasTable(db, 'unassigned_dropped')
    ? (db.prepare<[], { n: number | null }>('SELECT SUM(count) AS n FROM unassigned_dropped').get()!.n ?? 0)
    : 0;
  return dropped + Math.max(0, rows - MAX_UNASSIGNED_TOTAL);
}

/** The stored event of a row, or undefined when its value is not JSON (skipped rather than failing a report). */
function decode(row: EventRow): StoredEvent | undefined {
  try {
    return toStored(row);
  } catch {
    return undefined;
  }
}
