// The console's test set-up: a private PostgreSQL, one nats-server by pid, the console over HTTP, a stand-in hub.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { connect, StringCodec, type NatsConnection, type Subscription } from 'nats';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { startLocalPostgres, type LocalPostgres } from '../../central/postgres.js';
import { seedPostgresData } from '../support/pg-template.js';
import { ALERT_CHANNEL, COMMAND_RESULT_CHANNEL, HUB_CHANNEL, migrateCentral } from '../../central/schema.js';
import { createOperator, startConsole, type ConsoleOptions, type RunningConsole } from '../../central/console/index.js';
import { LISTEN_APPLICATION_NAME } from '../../central/console/live.js';
import { silentLogger } from '../../hub/logger.js';
import { freePort, tempDir } from '../hub/helpers.js';

export const NATS_SERVER = '/usr/sbin/nats-server';

/** Why the console tests cannot run here, or undefined when they can (CI installs both: `.ci/run`). */
export function missingForConsole(): string | undefined {
  if (!fs.existsSync(NATS_SERVER)) return `no ${NATS_SERVER} (apt-get install nats-server)`;
  if (!fs.existsSync('/usr/lib/postgresql')) return 'no PostgreSQL server binaries (apt-get install postgresql)';
  return undefined;
}

export interface NatsServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** `nats-server -a 127.0.0.1 -p <free port>`, waited for until a client connects; stopped by pid with SIGKILL. */
export async function startNatsServer(): Promise<NatsServer> {
  const port = await freePort();
  const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = `nats://127.0.0.1:${port}`;
  const probe = await connect({ servers: url, waitOnFirstConnect: true, timeout: 15_000 });
  await probe.close();
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface ConsoleEnv {
  dir: string;
  postgres: LocalPostgres;
  pool: pg.Pool;
  nats: NatsServer;
  nc: NatsConnection;
  console: RunningConsole;
  url: string;
  hub: StandInHub;
  /** Starts PostgreSQL again on the same folder and port after a test stopped it (`postgres` is then the new one). */
  restartPostgres(): Promise<void>;
  stop(): Promise<void>;
}

export async function startConsoleEnv(options: Partial<ConsoleOptions> = {}): Promise<ConsoleEnv> {
  const dir = tempDir('console');
  await seedPostgresData(dir);
  const postgres = await startLocalPostgres({ dir, port: await freePort(), unsafeFast: true });
  const pool = new pg.Pool({ connectionString: postgres.url, max: 10 });
  // A connection still closing when the server stops at the end of a file reports 57P01 on the pool: not a failure.
  pool.on('error', () => undefined);
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  const client = await pool.connect();
  await migrateCentral(client);
  client.release();
  const hub = await StandInHub.start(nats.url, pool);
  const running = await startConsole({
    pool,
    nc,
    host: '127.0.0.1',
    port: 0,
    log: silentLogger,
    adminPassword: ADMIN_PASSWORD,
    commands: { resendMs: 150, timeoutMs: 5_000 },
    sseHeartbeatSeconds: 1,
    ...options,
  });
  const env: ConsoleEnv = {
    dir,
    postgres,
    pool,
    nats,
    nc,
    console: running,
    url: running.url,
    hub,
    async restartPostgres() {
      env.postgres = await startLocalPostgres({ dir, port: env.postgres.port, unsafeFast: true });
    },
    async stop() {
      await running.close();
      await hub.stop();
      await nc.close().catch(() => undefined);
      await pool.end();
      await nats.stop();
      await env.postgres.stop();
      spawnSync('rm', ['-rf', dir]);
    },
  };
  return env;
}

/**
 * The server pids of the console's LISTEN connections: by the name the console gives them, and any connection whose
 * last query was a LISTEN (one a regression opened elsewhere). Not by the last query alone: the console asks its LISTEN
 * connection `SELECT 1` every 5 s (session 64), after which it no longer reads as a LISTEN (session 68: the count read
 * 0 whenever a loaded run took 5 s to get there).
 */
export async function listenBackends(pool: pg.Pool): Promise<number[]> {
  const rows = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = $1 OR query LIKE 'LISTEN %' ORDER BY pid`,
    [LISTEN_APPLICATION_NAME],
  );
  return rows.rows.map((r) => r.pid);
}

/** Cuts the console's LISTEN connection from the server's side (as a PostgreSQL restart would); returns its pids. */
export async function cutListen(pool: pg.Pool): Promise<number[]> {
  const pids = await listenBackends(pool);
  if (pids.length === 0) throw new Error('no LISTEN connection to cut');
  await pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
  return pids;
}

/** A SPEC 5 alert as a hub sends it up, with the fields the console shows. */
export function hubAlert(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    homeId: 'home-7',
    residentId: 'r1',
    kind: 'inactivity',
    severity: 'high',
    state: 'raised',
    raisedAt: '2026-11-30T03:00:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    outcome: null,
    note: null,
    escalationLevel: 0,
    room: 'bedroom',
    detail: { silenceMinutes: 190, thresholdMinutes: 180, thresholdSource: 'learned', lastRoom: 'bedroom' },
    count: 1,
    lastSeenAt: '2026-11-30T03:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

/** Stores an alert version as the workers do (every version, the newest per alert, hub row), then NOTIFYs. */
export async function storeAlert(
  pool: pg.Pool,
  hubId: string,
  alert: Record<string, unknown>,
  origin: 'hub' | 'centre' = 'hub',
): Promise<void> {
  const alertId = alert.id as string;
  const version = alert.version as number;
  await pool.query(
    `INSERT INTO central_alert_versions (hub_id, alert_id, version, payload) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [hubId, alertId, version, { hubId, alertId, version, alert }],
  );
  await pool.query(
    `INSERT INTO central_alerts (hub_id, alert_id, origin, version, type, severity, state, home_id, raised_at, alert)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (hub_id, alert_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state,
       severity = EXCLUDED.severity, alert = EXCLUDED.alert, updated_at = now()
     WHERE central_alerts.version < EXCLUDED.version`,
    [
      hubId,
      alertId,
      origin,
      version,
      alert.kind,
      alert.severity,
      alert.state,
      alert.homeId ?? null,
      alert.raisedAt,
      alert,
    ],
  );
  await pool.query(
    `INSERT INTO central_hubs (hub_id) VALUES ($1) ON CONFLICT (hub_id) DO UPDATE SET last_seen_at = now()`,
    [hubId],
  );
  await pool.query('SELECT pg_notify($1, $2)', [ALERT_CHANNEL, JSON.stringify({ hubId, alertId, version })]);
}

/** The Monday-to-Sunday week of 6 July 2026, the council report tests' usual period. */
export const JULY_WEEK = [
  '2026-07-06',
  '2026-07-07',
  '2026-07-08',
  '2026-07-09',
  '2026-07-10',
  '2026-07-11',
  '2026-07-12',
];

/** `count` homes' pseudonyms of one hub: `<hubId>-000`, `<hubId>-001`... */
export function numberedHomes(hubId: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${hubId}-${String(i).padStart(3, '0')}`);
}

/** Stores each home's day of features for each day, as the features worker does (`activeMinutes` 300 unless given). */
export async function storeDays(
  pool: pg.Pool,
  hubId: string,
  homes: readonly string[],
  days: readonly string[],
  features: Record<string, unknown> = { activeMinutes: 300 },
): Promise<void> {
  for (const home of homes) {
    for (const day of days) {
      await pool.query(`INSERT INTO central_features (hub_id, home, day, features) VALUES ($1, $2, $3, $4)`, [
        hubId,
        home,
        day,
        features,
      ]);
    }
  }
}

/**
 * Council `council` given the hubs by the admin, and its analyst (`nora`) made and logged in: the council report's
 * reader in the council tests.
 */
export async function councilAnalyst(
  env: ConsoleEnv,
  hubIds: readonly string[],
  council = 'North',
): Promise<ConsoleClient> {
  const admin = new ConsoleClient(env.url);
  expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
  for (const hubId of hubIds) {
    expect((await admin.json('PUT', `/api/hubs/${hubId}/council`, { council })).status).toBe(200);
  }
  const made = await admin.json('POST', '/api/operators', {
    username: 'nora',
    role: 'analyst',
    password: 'a-long-password-1',
    council,
  });
  expect(made.status).toBe(201);
  const nora = new ConsoleClient(env.url);
  expect((await nora.login('nora', 'a-long-password-1')).status).toBe(200);
  return nora;
}

/**
 * `falls[w]` falls in the week beginning `mondays[w]` (epoch ms), each of a flat of its own (`flat-1`, `flat-2`...),
 * an hour apart from the Tuesday: the weekly counts the council tests publish.
 */
export async function storeWeeklyFalls(
  pool: pg.Pool,
  hubId: string,
  mondays: readonly number[],
  falls: readonly number[],
): Promise<void> {
  let n = 0;
  for (const [week, count] of falls.entries()) {
    for (let i = 0; i < count; i++) {
      n += 1;
      const raisedAt = new Date((mondays[week] ?? NaN) + 86_400_000 + i * 3_600_000).toISOString();
      await storeAlert(
        pool,
        hubId,
        hubAlert(`f${String(n)}`, { kind: 'fall', severity: 'critical', homeId: `flat-${String(n)}`, raisedAt }),
      );
    }
  }
}

export async function storeHub(
  pool: pg.Pool,
  hubId: string,
  fields: { status: 'online' | 'offline'; lastSeenAt: Date; heartbeat?: Record<string, unknown> },
): Promise<void> {
  await pool.query(
    `INSERT INTO central_hubs (hub_id, last_seen_at, last_heartbeat, status, offline_since)
     VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'offline' THEN $2::timestamptz END)
     ON CONFLICT (hub_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, last_heartbeat = EXCLUDED.last_heartbeat,
       status = EXCLUDED.status, offline_since = EXCLUDED.offline_since`,
    [hubId, fields.lastSeenAt, fields.heartbeat ?? null, fields.status],
  );
  await pool.query('SELECT pg_notify($1, $2)', [HUB_CHANNEL, JSON.stringify({ hubId, status: fields.status })]);
}

export interface ReceivedCommand {
  subject: string;
  hubId: string;
  alertId: string;
  body: Record<string, unknown>;
}

/**
 * The hub's side of a command, with the worker's: subscribed on NATS as the MQTT gateway would deliver, it applies
 * acknowledge/resolve to the stored alert (a new version, NOTIFYed), answers `alreadyDone` to a repeat, and stores its
 * result in `central_command_results` with a NOTIFY. `ignore` makes it drop the next commands of an alert (a hub
 * offline for a moment) or all of them.
 */
export class StandInHub {
  readonly received: ReceivedCommand[] = [];
  /** Alert id → how many of its next commands to drop (Infinity: never answer). */
  readonly ignore = new Map<string, number>();
  private constructor(
    private readonly nc: NatsConnection,
    private readonly sub: Subscription,
    private readonly pool: pg.Pool,
  ) {}

  static async start(url: string, pool: pg.Pool): Promise<StandInHub> {
    const nc = await connect({ servers: url });
    const sub = nc.subscribe('telecare-down.>');
    const hub = new StandInHub(nc, sub, pool);
    void hub.run();
    await nc.flush();
    return hub;
  }

  private async run(): Promise<void> {
    const codec = StringCodec();
    for await (const message of this.sub) {
      const [, hubId = '', , alertId = ''] = message.subject.split('.');
      const body = JSON.parse(codec.decode(message.data)) as Record<string, unknown>;
      this.received.push({ subject: message.subject, hubId, alertId, body });
      const drop = this.ignore.get(alertId) ?? 0;
      if (drop > 0) {
        this.ignore.set(alertId, drop - 1);
        continue;
      }
      await this.apply(hubId, alertId, body);
    }
  }

  private async apply(hubId: string, alertId: string, body: Record<string, unknown>): Promise<void> {
    const row = (
      await this.pool.query<{ alert: Record<string, unknown> }>(
        'SELECT alert FROM central_alerts WHERE hub_id = $1 AND alert_id = $2',
        [hubId, alertId],
      )
    ).rows[0];
    const commandId = body.commandId as string;
    const action = body.action as string;
    let result: Record<string, unknown>;
    if (!row) {
      result = { hubId, alertId, action, commandId, ok: false, code: 'not-found', message: 'no such alert' };
    } else {
      const alert = row.alert;
      const wanted = action === 'acknowledge' ? 'acknowledged' : 'resolved';
      if (alert.state === wanted) {
        result = {
          hubId,
          alertId,
          action,
          commandId,
          ok: true,
          alreadyDone: true,
          state: alert.state,
          version: alert.version,
        };
      } else {
        const by = `centre:${String(body.operator)}`;
        const next: Record<string, unknown> = { ...alert, version: (alert.version as number) + 1, state: wanted };
        if (action === 'acknowledge')
          Object.assign(next, { acknowledgedAt: new Date().toISOString(), acknowledgedBy: by });
        else
          Object.assign(next, { resolvedAt: new Date().toISOString(), outcome: body.outcome, note: body.note ?? null });
        await storeAlert(this.pool, hubId, next);
        result = { hubId, alertId, action, commandId, ok: true, state: wanted, version: next.version };
      }
    }
    await this.pool.query(
      `INSERT INTO central_command_results (hub_id, alert_id, command_id, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [hubId, alertId, commandId, result],
    );
    await this.pool.query('SELECT pg_notify($1, $2)', [
      COMMAND_RESULT_CHANNEL,
      JSON.stringify({ hubId, alertId, commandId }),
    ]);
  }

  async stop(): Promise<void> {
    this.sub.unsubscribe();
    await this.nc.close();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from real answers: the tests' assertions check it.
export type Json = any;

/** An HTTP client with the console's session cookie. */
export class ConsoleClient {
  cookie = '';
  constructor(readonly base: string) {}

  async login(username: string, password: string): Promise<Response> {
    const res = await this.request('POST', '/api/login', { username, password });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
    return res;
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: 'manual',
    });
  }

  async json(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const res = await this.request(method, path, body);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /** Opens the SSE stream and collects its events (`event` and parsed `data`) as they come. */
  async stream(): Promise<{ events: { event: string; data: Json }[]; ended: () => boolean; close(): void }> {
    const controller = new AbortController();
    const res = await fetch(`${this.base}/api/alerts/stream`, {
      headers: { cookie: this.cookie },
      signal: controller.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`stream: ${res.status}`);
    const events: { event: string; data: Json }[] = [];
    let ended = false;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            ended = true;
            return;
          }
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data !== undefined) events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // Aborted by close().
      }
    })();
    return { events, ended: () => ended, close: () => controller.abort() };
  }
}

/**
 * Opens `path` of the console on `page`, logs in on the login page it is sent to, and waits until it is back on `path`:
 * the way every browser test of the console gets in when the login is not its subject.
 */
export async function logInAt(
  page: Page,
  env: Pick<ConsoleEnv, 'url'>,
  username = 'admin',
  password = ADMIN_PASSWORD,
  path = '/alerts',
): Promise<void> {
  await page.goto(`${env.url}${path}`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${env.url}${path}`);
}

/** `startConsoleEnv(options)` with a supervisor `sam` (password `password`) made and logged in through the console. */
export async function consoleWithSupervisor(
  options: Partial<ConsoleOptions>,
  password: string,
): Promise<{ env: ConsoleEnv; supervisor: ConsoleClient }> {
  const env = await startConsoleEnv(options);
  await createOperator(env.pool, { username: 'sam', role: 'supervisor', password });
  const supervisor = new ConsoleClient(env.url);
  const login = await supervisor.login('sam', password);
  if (login.status !== 200) throw new Error(`the supervisor's login answered ${String(login.status)}`);
  return { env, supervisor };
}
