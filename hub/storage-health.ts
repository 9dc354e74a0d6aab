// Storage health: counts SQLite failures by code and place, and says whether the hub is running on memory (SPEC 11).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger.js';

export interface StorageStatus {
  state: 'ok' | 'degraded';
  /** Epoch ms of the first failure of the current degraded spell. */
  since: number | null;
  /** SQLite error code of the latest failure (`SQLITE_FULL`, `SQLITE_BUSY`...). */
  lastError: string | null;
  /** Alert changes delivered from memory and still waiting to be stored. */
  alertsHeldInMemory: number;
}

/** The SQLite error code of `err` (`SQLITE_FULL`...), or undefined when it is not a database error. */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export class StorageHealth {
  private since: number | null = null;
  private lastError: string | null = null;
  private heldInMemory = 0;
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

  /** Count and log one failure; `err` that is not a database error is counted as `other`. */
  failed(where: string, err: unknown): void {
    const code = sqliteCode(err) ?? 'other';
    this.errors.inc({ code, where });
    this.lastError = code;
    this.log.error({ where, code, err: err instanceof Error ? err.message : String(err) }, 'storage operation failed');
  }

  /** Alert changes are being held in memory (`count` of them) because storage fails. */
  holding(count: number): void {
    if (this.since === null && count > 0) {
      this.since = this.now();
      this.log.error(
        { code: this.lastError },
        'storage degraded: alerts are delivered from memory and stored when storage returns',
      );
    }
    this.heldInMemory = count;
    this.heldGauge.set(count);
    this.degradedGauge.set(count > 0 ? 1 : 0);
    if (count === 0 && this.since !== null) {
      this.log.warn({ degradedMs: this.now() - this.since }, 'storage back: alerts held in memory are stored');
      this.since = null;
    }
  }

  status(): StorageStatus {
    return {
      state: this.heldInMemory > 0 ? 'degraded' : 'ok',
      since: this.since,
      lastError: this.lastError,
      alertsHeldInMemory: this.heldInMemory,
    };
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
