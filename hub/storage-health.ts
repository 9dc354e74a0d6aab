// Storage health: counts SQLite failures by code and place, and says whether the hub is running on memory (SPEC 11).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger.js';

export interface StorageStatus {
  state: 'ok' | 'degraded';
  /** Epoch ms of the first failure of the current degraded spell. */
  since: number | null;
  /**
   * Code of the latest failure: SQLite's (`SQLITE_FULL`, `SQLITE_BUSY`...), the store's own (`WAL_IN_DOUBT_FULL`) or
   * the system's for the disk (`EIO`...: `STORAGE_CODES`); `other` for anything else.
   */
  lastError: string | null;
  /**
   * While degraded by a failure whose cause is known: what it is and what to do, for the dashboard and the installer
   * (`STORAGE_ADVICE`); null otherwise.
   */
  advice: string | null;
  /** Alert changes delivered from memory and still waiting to be stored. */
  alertsHeldInMemory: number;
  /** Start-up writes that failed (a hub started on a full disk), retried until they succeed. */
  pendingStartupWrites: string[];
  /**
   * `failing` while sensor events cannot be stored (a failed commit or fsync, or the write lock held by another
   * process for `EventStore.BUSY_REPORT_MS`): they are not acknowledged, their senders send them again. `ok` again
   * once a write is on the disk (its commit, and the WAL's fsync after it, succeeded).
   */
  eventWrites: 'ok' | 'failing';
  /** The database file was deleted or replaced under the running hub (see `databaseFileLost`); null otherwise. */
  databaseFile: null | { lost: string; restoredTo: string | null };
}

/** A failure of the same place is logged again (at error) at most this often while it goes on; counted every time. */
export const STORAGE_LOG_REPEAT_MS = 10 * 60_000;

/** The SQLite error code of `err` (`SQLITE_FULL`...), or undefined when it is not a database error. */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Codes beside SQLite's that the health names (a metric label: a fixed set): the store's refusal while the WAL is in
 * doubt at its hard limit, and the system's for a disk that fails or is full (a failed fsync of the WAL is `EIO`).
 */
const STORAGE_CODES: ReadonlySet<string> = new Set(['WAL_IN_DOUBT_FULL', 'EIO', 'ENOSPC', 'EROFS']);

/** The code a failure is counted and shown under: `sqliteCode`, one of `STORAGE_CODES`, or `other`. */
export function storageCode(err: unknown): string {
  const sqlite = sqliteCode(err);
  if (sqlite !== undefined) return sqlite;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.has(code) ? code : 'other';
}

const FAILING_CARD =
  "the card is failing: have the installer replace it (the hub's data folder copied onto the new card); alerts still go out meanwhile";
const DISK_FULL =
  "the hub's disk is full: free space on it (or give it a larger card); sensor events that cannot be stored are not acknowledged, their senders keep and resend them";

/** What a failure of a known code is and what to do about it (`StorageStatus.advice`). */
const STORAGE_ADVICE: Readonly<Record<string, string>> = {
  WAL_IN_DOUBT_FULL: `the SD card (or disk) failed a write (fsync) and the database's write-ahead log has reached its limit: the hub refuses new sensor events (their senders keep and resend them) until a write reaches the disk again; ${FAILING_CARD}`,
  EIO: `the SD card (or disk) failed a write (fsync, I/O error): sensor events are not acknowledged (their senders keep and resend them) until a write reaches the disk again; ${FAILING_CARD}`,
  EROFS: `the hub's disk has become read-only (the system does this to a card that fails): sensor events are not stored; ${FAILING_CARD}`,
  ENOSPC: DISK_FULL,
  SQLITE_FULL: DISK_FULL,
};

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export class StorageHealth {
  private since: number | null = null;
  private lastError: string | null = null;
  private heldInMemory = 0;
  private eventsFailing = false;
  private fileLost: { lost: string; restoredTo: string | null } | null = null;
  /** When each place's failure was last logged at error, in the current episode (see STORAGE_LOG_REPEAT_MS). */
  private readonly loggedAt = new Map<string, number>();
  /** Start-up writes that failed, by place, retried by `retryDeferred`. */
  private readonly deferred = new Map<string, () => unknown>();
  private readonly errors: Counter<'code' | 'where'>;
  private readonly degradedGauge: Gauge;
  private readonly heldGauge: Gauge;
  private readonly log: Logger;

  constructor(
    registry: Registry,
    logger: Logger,
    private readonly now: () => number,
  ) {
    this.log = logger.child({ ns: 'storage' });
    this.errors = metric(
      registry,
      'telecare_storage_errors_total',
      () =>
        new Counter({
          name: 'telecare_storage_errors_total',
          help: 'Database operations that failed, by SQLite code and place',
          labelNames: ['code', 'where'],
          registers: [registry],
        }),
    );
    this.degradedGauge = metric(
      registry,
      'telecare_storage_degraded',
      () =>
        new Gauge({
          name: 'telecare_storage_degraded',
          help: '1 while alert changes cannot be stored and are held in memory',
          registers: [registry],
        }),
    );
    this.heldGauge = metric(
      registry,
      'telecare_alerts_held_in_memory',
      () =>
        new Gauge({
          name: 'telecare_alerts_held_in_memory',
          help: 'Alerts delivered from memory, waiting for storage',
          registers: [registry],
        }),
    );
  }

  /**
   * Count and log one failure; `err` of none of the codes known (`storageCode`) is counted as `other`. Logged at error once per
   * place and episode (again after STORAGE_LOG_REPEAT_MS while it goes on), otherwise at debug: a disk full for an
   * hour is not a line every 2 s from each retry.
   */
  failed(where: string, err: unknown): void {
    const code = storageCode(err);
    this.errors.inc({ code, where });
    this.lastError = code;
    const now = this.now();
    const last = this.loggedAt.get(where);
    const repeat = last !== undefined && now - last < STORAGE_LOG_REPEAT_MS;
    if (!repeat) this.loggedAt.set(where, now);
    this.log[repeat ? 'debug' : 'error'](
      { where, code, err: err instanceof Error ? err.message : String(err) },
      'storage operation failed',
    );
  }

  /**
   * A commit (or fsync) of sensor events failed, or waited too long for another process's write lock: the events are
   * not acknowledged. Counted each time (`where="events"`); storage is degraded until `eventsStored`.
   */
  eventWriteFailed(err: unknown): void {
    this.failed('events', err);
    if (this.eventsFailing) return;
    this.eventsFailing = true;
    this.update();
  }

  /** A commit of sensor events landed: ends an episode of `eventWriteFailed`. Cheap when there is none. */
  eventsStored(): void {
    if (!this.eventsFailing) return;
    this.eventsFailing = false;
    this.update();
  }

  /**
   * The database file was deleted or replaced under the running hub: what the hub writes from now would go to a file
   * nobody can open again. Degraded until the hub is restarted (it cannot reopen its database in place).
   */
  databaseFileLost(lost: string, restoredTo: string | null): void {
    this.fileLost = { lost, restoredTo };
    this.lastError = 'DATABASE_FILE_LOST';
    this.update();
  }

  /** Alert changes are being held in memory (`count` of them) because storage fails. */
  holding(count: number): void {
    this.heldInMemory = count;
    this.heldGauge.set(count);
    this.update();
  }

  /**
   * A write the hub makes at start (its format mark, the installer credential...): made now when storage takes it,
   * otherwise counted, kept, and made by a later `retryDeferred`. Until then storage is degraded: a hub started on
   * a full disk says so from its first moment, not only once an alert has to be held.
   */
  async deferUntilWritable(where: string, write: () => unknown): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.failed(where, err);
      this.deferred.set(where, write);
      this.update();
    }
  }

  /** Try the start-up writes that failed again, in order (a timer calls this while any wait); true when none waits. */
  async retryDeferred(): Promise<boolean> {
    for (const [where, write] of this.deferred) {
      try {
        await write();
      } catch (err) {
        this.failed(where, err);
        break;
      }
      this.deferred.delete(where);
    }
    this.update();
    return this.deferred.size === 0;
  }

  private update(): void {
    const degraded = this.heldInMemory > 0 || this.deferred.size > 0 || this.eventsFailing || this.fileLost !== null;
    this.degradedGauge.set(degraded ? 1 : 0);
    if (degraded && this.since === null) {
      this.since = this.now();
      this.log.error(
        { code: this.lastError, pendingStartupWrites: [...this.deferred.keys()], eventWrites: this.eventWritesState() },
        'storage degraded: alerts are delivered from memory and stored when storage returns; sensor events that cannot be stored are not acknowledged',
      );
    } else if (!degraded && this.since !== null) {
      this.log.warn({ degradedMs: this.now() - this.since }, 'storage back: alerts held in memory are stored');
      this.since = null;
      // The next episode logs its first failure of each place again.
      this.loggedAt.clear();
    }
  }

  status(): StorageStatus {
    const degraded = this.since !== null;
    return {
      state: degraded ? 'degraded' : 'ok',
      since: this.since,
      lastError: this.lastError,
      advice: (degraded && this.lastError !== null && STORAGE_ADVICE[this.lastError]) || null,
      alertsHeldInMemory: this.heldInMemory,
      pendingStartupWrites: [...this.deferred.keys()],
      eventWrites: this.eventWritesState(),
      databaseFile: this.fileLost,
    };
  }

  private eventWritesState(): 'ok' | 'failing' {
    return this.eventsFailing ? 'failing' : 'ok';
  }

  /** Run a deferred or timer callback that touches the database: a failure is counted and logged, never thrown. True when it ran. */
  guard(where: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.failed(where, err);
      return false;
    }
  }
}
