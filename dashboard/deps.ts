// What the dashboard needs from the hub, as small interfaces, so tests can build the app around real parts.
import type { Database } from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { Logger } from '../hub/logger.js';
import type { AlertServiceApi } from '../hub/alerts/api.js';
import type { Clock } from '../hub/clock.js';
import type { HubConfig } from '../hub/config-types.js';
import type { DailyFeatures } from '../analytics/types.js';
import type { DeviceLiveness } from '../rules/engine.js';

/** Result of taking one HTTP-posted event (SPEC 4.4) through ingest. */
/** A refused event of a `POST /api/events` body: its position in the array, ingest's reason and message. */
export interface HttpRejection {
  index: number;
  reason: string;
  message: string;
}

/** All or nothing: every event stored, or none (a refusal names the bad events, the first ten of them). */
export type HttpIngestResult =
  { ok: true; accepted: number } | { ok: false; reason: string; message: string; rejected?: HttpRejection[] };

/** A device seen by the hub but absent from the configuration (SPEC 3), as shown to installers. */
export interface UnassignedDevice {
  homeId: string | null;
  deviceId: string;
  /** Epoch ms of first and last sighting. */
  firstSeenAt: number;
  lastSeenAt: number;
  /** Where it was seen: native topic, Zigbee2MQTT friendly name, serial... */
  source: string;
  /** Events received from it. */
  count: number;
}

/** The preventive analytics the dashboard serves (SPEC 7); dates are local `YYYY-MM-DD`. */
export interface DashboardAnalytics {
  homeActivity(homeId: string, fromDate: string, toDate: string): DailyFeatures[] | Promise<DailyFeatures[]>;
  /**
   * The council report: aggregated, residents only as keyed pseudonyms. With `knownBy`, only what the hub knew before
   * that instant (alerts raised, acknowledged and closed before it).
   */
  preventionReport(fromDate: string, toDate: string, knownBy?: number): unknown;
  preventionCsv(report: unknown): string;
}

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
  /** `HUB_ADMIN_PASSWORD`: the password of user `admin`; when absent a random one is made on first start. */
  adminPassword?: string;
  /**
   * Shows one line to the person starting the hub (the console, never the log): the generated admin password,
   * when the dashboard starts listening. Without it the password is written to stderr.
   */
  announce?(line: string): void;
  /** Session expiry, login slow-down (default: the system clock). */
  clock?: Clock;
  /** Analytics for the home view and the council report (default: analytics/ on this hub's database). */
  analytics?: DashboardAnalytics;
  /**
   * What the rules know of each device of a home (`RulesEngine.deviceLiveness`): last heard, offline, battery. The
   * devices page shows it; absent (a dashboard without rules), `/api/homes` says nothing of it.
   */
  deviceLiveness?(homeId: string): ReadonlyMap<string, DeviceLiveness> | undefined;
  /** Seconds between SSE heartbeats (default 15). */
  sseHeartbeatSeconds?: number;
  /** Session lifetime in hours (default 12). */
  sessionHours?: number;
  /**
   * Origins (`https://care.example.org`) whose pages may change state besides the hub's own host, e.g. when a
   * reverse proxy rewrites the Host header. Default none.
   */
  trustedOrigins?: readonly string[];
  /**
   * A reverse proxy on the Pi forwards the clients (`HUB_TRUST_PROXY=1`): a login try from loopback is counted under
   * the last `X-Forwarded-For` address, not under loopback shared by everyone. Default off.
   */
  trustProxy?: boolean;
  /** Serve over HTTPS with this certificate and key (PEM); the session cookie is then `Secure`. */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** Set the `Secure` flag on the session cookie (when served over HTTPS behind a proxy; default: with `https`). */
  secureCookies?: boolean;
}

/** Whether browsers reach the dashboard over HTTPS (its own, or a TLS proxy's: `HUB_SECURE_COOKIES`). */
export function servedOverHttps(deps: Pick<DashboardDeps, 'https' | 'secureCookies'>): boolean {
  return deps.secureCookies ?? deps.https !== undefined;
}
