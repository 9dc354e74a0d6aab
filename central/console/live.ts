// Live updates for every browser from one PostgreSQL LISTEN connection: the workers' NOTIFYs become console events.
import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import { ALERT_CHANNEL, COMMAND_RESULT_CHANNEL, HUB_CHANNEL } from '../schema.js';
import { HUB_QUARANTINED } from '../quarantine.js';
import { alertsByKey, openAlertsOfHubs, type CommandView, type ConsoleAlert } from './alerts.js';

export type LiveEvent =
  | { type: 'alert'; alert: ConsoleAlert }
  | { type: 'command'; command: CommandView }
  /** Notifications may have been missed (the LISTEN connection was lost): every stream sends its list afresh. */
  | { type: 'resync' }
  /** The LISTEN connection is lost (the database is down or restarting): nothing live until a `resync`. */
  | { type: 'unavailable' };

const RECONNECT_MS = 1_000;

/**
 * The `application_name` of the LISTEN connection, so that it can be told apart in `pg_stat_activity` (an operator
 * looking for it, a test counting it). Its last query is no mark: from session 64 it is the `SELECT 1` of `watch`
 * every DEFAULT_LIVE_CHECK.everyMs, not its `LISTEN` (session 68). A connection URL that names an application keeps
 * its own.
 */
export const LISTEN_APPLICATION_NAME = 'telecare-console-live';

/**
 * How often the LISTEN connection is asked for an answer, and how long it has to give one before it is taken for dead
 * and replaced (session 64). It only ever receives, so a connection whose path died without a word (a firewall or load
 * balancer that forgot it while the night was quiet, the database's host losing power) was never noticed: TCP keepalive
 * sends its first probe after the system's 2 hours, and meanwhile every NOTIFY was lost while the operators' screens
 * said "Live: connected". Ten seconds: far above a `SELECT 1` on a loaded machine, so that a slow answer does not make
 * every screen list its alerts afresh.
 */
export const DEFAULT_LIVE_CHECK: LiveCheckSettings = { everyMs: 5_000, timeoutMs: 10_000 };

/** How often the LISTEN connection is asked for an answer, and how long it has to give it (DEFAULT_LIVE_CHECK). */
export interface LiveCheckSettings {
  everyMs: number;
  timeoutMs: number;
}

/** Closes the socket under a node-postgres client at once (`end()` waits for a server that may never answer). */
function destroySocket(client: pg.Client): void {
  // The connection's stream is not in node-postgres's types; it is a net.Socket (or a TLS one).
  const { connection } = client as unknown as { connection?: { stream?: { destroy?: () => void } } };
  connection?.stream?.destroy?.();
}

/**
 * One LISTEN connection for the whole console, not one per browser: notifications are batched (one query per
 * batch, not per alert) and fanned out to every open stream.
 */
export class LiveFeed {
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private client: pg.Client | undefined;
  private stopped = false;
  private pendingAlerts = new Map<string, { hubId: string; alertId: string }>();
  private pendingHubs = new Set<string>();
  /** A notified alert went back to an earlier version (a restored hub's): every stream lists afresh after the flush. */
  private pendingResync = false;
  private flushing = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  /** Told when a hub's answer to a command arrives (the command sender checks it at once). */
  onCommandResult: (commandId: string) => void = () => undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: FastifyBaseLogger,
    private readonly check: LiveCheckSettings = DEFAULT_LIVE_CHECK,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.checkTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Asks the LISTEN connection for an answer every `check.everyMs`; one without an answer in time is replaced. */
  private watch(client: pg.Client): void {
    clearInterval(this.checkTimer);
    let asking = false;
    this.checkTimer = setInterval(() => {
      if (asking || this.client !== client) return;
      asking = true;
      const deadline = setTimeout(() => {
        if (this.client !== client) return;
        this.log.warn({ afterMs: this.check.timeoutMs }, 'console LISTEN connection does not answer: reconnecting');
        destroySocket(client);
        this.lost(client);
      }, this.check.timeoutMs);
      client
        .query('SELECT 1')
        .catch(() => undefined)
        .finally(() => {
          clearTimeout(deadline);
          asking = false;
        });
    }, this.check.everyMs);
  }

  private async connect(): Promise<void> {
    // The pool's own settings (host, port, user, password, ssl), on a connection of its own that is never returned;
    // TCP keepalive (the system's: after hours), and `watch` (seconds), so that a connection cut without a word is
    // noticed and replaced.
    const client = new pg.Client({ ...this.pool.options, keepAlive: true, application_name: LISTEN_APPLICATION_NAME });
    client.on('notification', (message) => this.notified(message.channel, message.payload));
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'console LISTEN connection lost: reconnecting');
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${ALERT_CHANNEL}; LISTEN ${HUB_CHANNEL}; LISTEN ${COMMAND_RESULT_CHANNEL}`);
    this.client = client;
    this.watch(client);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (!this.stopped) this.publish({ type: 'unavailable' });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped) return;
      this.connect().then(
        // Whatever was notified while we were away is lost: every stream lists the open alerts afresh.
        () => this.publish({ type: 'resync' }),
        (err: unknown) => {
          this.log.warn({ err: (err as Error).message }, 'console LISTEN reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, RECONNECT_MS);
  }

  private notified(channel: string, payload: string | undefined): void {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(payload ?? '') as Record<string, unknown>;
    } catch {
      this.log.warn({ channel }, 'console: a notification that is not JSON, ignored');
      return;
    }
    const hubId = typeof body.hubId === 'string' ? body.hubId : undefined;
    if (hubId === undefined) return;
    if (channel === ALERT_CHANNEL && typeof body.alertId === 'string') {
      this.pendingAlerts.set(`${hubId}\u0000${body.alertId}`, { hubId, alertId: body.alertId });
      // A restored hub's alert gone back to an earlier version (central/ingest.ts `applyFork`, session 69): every
      // stream and page lists afresh, since each keeps an alert's highest version and would take no lower one.
      if (body.fork === true) this.pendingResync = true;
    } else if (channel === HUB_CHANNEL) {
      this.pendingHubs.add(hubId);
    } else if (channel === COMMAND_RESULT_CHANNEL && typeof body.commandId === 'string') {
      this.onCommandResult(body.commandId);
      return;
    } else return;
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Everything notified since the last flush, in one query per kind; notifications during the query wait for the next. */
  private async flush(): Promise<void> {
    try {
      while (this.pendingAlerts.size > 0 || this.pendingHubs.size > 0) {
        const keys = [...this.pendingAlerts.values()];
        const hubs = [...this.pendingHubs];
        this.pendingAlerts = new Map();
        this.pendingHubs = new Set();
        // The notified versions first (an operator waits for them), then the cards of hubs whose status changed: one
        // query for all of them, as a mass outage or its end changes hundreds at once.
        for (const alert of await alertsByKey(this.pool, keys)) {
          this.publish({ type: 'alert', alert });
          // A quarantine raised or lifted changes what the hub's other cards say (session 59): cut off, or not.
          if (alert.type === HUB_QUARANTINED && alert.origin === 'centre' && !hubs.includes(alert.hubId)) {
            hubs.push(alert.hubId);
          }
        }
        for (const alert of await openAlertsOfHubs(this.pool, hubs)) this.publish({ type: 'alert', alert });
        if (this.pendingResync) {
          this.pendingResync = false;
          this.publish({ type: 'resync' });
        }
      }
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'console: reading notified alerts failed');
      this.publish({ type: 'resync' });
    } finally {
      this.flushing = false;
    }
  }
}
