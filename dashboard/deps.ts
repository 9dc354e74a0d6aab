// What the dashboard needs from the hub, as small interfaces, so tests can build the app around real parts.
import type { Database } from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { Logger } from '../hub/logger.js';
import type { AlertServiceApi } from '../hub/alerts/api.js';
import type { HubConfig } from '../rules/types.js';

/** Result of taking one HTTP-posted event (SPEC 4.4) through ingest. */
export type HttpIngestResult =
  | { ok: true; accepted: number }
  | { ok: false; reason: string; message: string };

export interface DashboardDeps {
  /** The hub's SQLite database (the dashboard keeps its users, sessions and tokens there). */
  db: Database;
  config: HubConfig;
  logger: Logger;
  metrics: Registry;
  /** Takes `{ homeId, deviceId, type, value, ts? }` (or an array of them) through ingest; resolves once stored. */
  ingestHttp(body: unknown): Promise<HttpIngestResult>;
  /** Extra fields for GET /api/health (broker, store, uptime...). */
  health(): Record<string, unknown>;
  alerts?: AlertServiceApi;
}
