// Builds the dashboard around real parts for tests: a temp SQLite file, the real AlertService, a recording publisher.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../dashboard/app.js';
import type { DashboardAnalytics, DashboardDeps, HttpIngestResult } from '../../dashboard/deps.js';
import type { DailyFeatures } from '../../analytics/types.js';
import { AlertService } from '../../hub/alerts/service.js';
import { FakeClock, type Clock } from '../../hub/clock.js';
import { silentLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import type { Publisher } from '../../hub/publisher.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { AlertKind, Role, Severity } from '../../rules/vocabulary.js';
import { testHome } from '../alerts/helpers.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';
export const USER_PASSWORD = 'a-long-enough-password';

export function testConfig(): HubConfig {
  return {
    hub: { name: 'test-hub', zigbeeBaseTopic: 'zigbee2mqtt' },
    homes: [
      testHome('h1', 'r1', [
        { id: 'p1', kind: 'pendant', room: 'living', residentId: 'r1' },
        { id: 'hall-pir', zigbee: 'hall_pir', kind: 'motion', room: 'hall' },
      ]),
      testHome('h2', 'r2', [{ id: 'p2', kind: 'pendant', room: 'bedroom' }]),
    ],
    responders: [],
    escalation: {},
    mqttUsers: [],
  };
}

export interface Dashboard {
  app: FastifyInstance;
  deps: DashboardDeps;
  alerts: AlertService;
  /** Every line the app asked the hub to show its operator. */
  announced: string[];
  /** Every body POST /api/events took in. */
  ingested: unknown[];
  dir: string;
  close(): Promise<void>;
}

/**
 * `from`: a hub database to start on (copied into the dashboard's own temp folder; usersOnce makes one). The dashboard
 * then starts as a hub restarted without HUB_ADMIN_PASSWORD: its admin keeps the password the copy holds, and no
 * password is hashed at start.
 */
export async function startDashboard(
  overrides: Partial<DashboardDeps> & { clock?: Clock; dir?: string; from?: string } = {},
): Promise<Dashboard> {
  const dir = overrides.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-dashboard-'));
  if (overrides.from !== undefined) fs.copyFileSync(overrides.from, path.join(dir, 'hub.db'));
  const db = new Database(path.join(dir, 'hub.db'));
  db.pragma('journal_mode = WAL');
  const clock = overrides.clock ?? new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
  const metrics = createMetricsRegistry();
  const config = testConfig();
  const publisher: Publisher = { publish: async () => {} };
  const alerts = new AlertService({ db, publisher, config, clock, logger: silentLogger, metrics });
  await alerts.start();
  const announced: string[] = [];
  const ingested: unknown[] = [];
  const deps: DashboardDeps = {
    db,
    config,
    logger: silentLogger,
    metrics,
    health: () => ({ store: 'ok' }),
    ingestHttp: async (body): Promise<HttpIngestResult> => {
      const events = Array.isArray(body) ? body : [body];
      if (events.some((e) => typeof e !== 'object' || e === null || !('homeId' in e))) {
        return { ok: false, reason: 'missing-home', message: 'homeId is required' };
      }
      ingested.push(...events);
      return { ok: true, accepted: events.length };
    },
    alerts,
    adminPassword: overrides.from === undefined ? ADMIN_PASSWORD : undefined,
    announce: (line) => announced.push(line),
    clock,
    ...overrides,
  };
  let app: FastifyInstance;
  try {
    app = await buildApp(deps);
  } catch (err) {
    await alerts.stop();
    db.close();
    if (!overrides.dir) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    app,
    deps,
    alerts,
    announced,
    ingested,
    dir,
    async close() {
      await app.close();
      await alerts.stop();
      db.close();
      if (!overrides.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Logs in and returns the Cookie header to send with later requests. */
export async function login(app: FastifyInstance, username: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login of ${username} failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'telecare_session');
  if (!cookie) throw new Error('no session cookie');
  return `telecare_session=${cookie.value}`;
}

/**
 * A hub database made once for a file's tests (session 38): the admin logged in and each user of `users` ([role,
 * username]) created and logged in through the API, as userWithRole does, on a dashboard at `clock`'s time, then
 * closed. Each test starts a dashboard on a copy (`startDashboard({ from: made.db })`), fresh but for these users and
 * their sessions, which `made.cookies` holds by username, `admin` too (valid until 12 h after `clock`'s time). Every
 * password is hashed and checked once per file instead of once per test. `made.remove()` in the file's afterAll.
 */
export async function usersOnce(
  users: [Role, string][],
  clock: Clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0)),
): Promise<{ db: string; cookies: Record<string, string>; remove(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-dashboard-users-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const cookies: Record<string, string> = {};
  try {
    const made = await startDashboard({ clock, dir });
    try {
      cookies.admin = await login(made.app, 'admin', ADMIN_PASSWORD);
      for (const [role, username] of users) {
        cookies[username] = await userWithRole(made.app, role, username, cookies.admin);
      }
    } finally {
      // Closing the last connection writes the WAL back into hub.db: the one file holds everything.
      await made.close();
    }
  } catch (err) {
    remove();
    throw err;
  }
  return { db: path.join(dir, 'hub.db'), cookies, remove };
}

/**
 * The council report of `from..to` (local dates) as `cookie`'s user asks it through the real route (`inject`), in JSON
 * or CSV; a status other than 200 throws with the answer's body.
 */
export async function askReport(
  app: FastifyInstance,
  cookie: string,
  from: string,
  to: string,
  format: 'json' | 'csv' = 'json',
): Promise<LightMyRequestResponse> {
  const res = await app.inject({
    url: `/api/reports/prevention?from=${from}&to=${to}&format=${format}`,
    headers: { cookie },
  });
  if (res.statusCode !== 200) throw new Error(`report ${from}..${to} (${format}): ${res.statusCode} ${res.body}`);
  return res;
}

/** Admin (logged in now, or with `adminCookie`) creates a user with `role` and that user logs in: their Cookie header. */
export async function userWithRole(
  app: FastifyInstance,
  role: Role,
  username: string = role + '1',
  adminCookie?: string,
): Promise<string> {
  const admin = adminCookie ?? (await login(app, 'admin', ADMIN_PASSWORD));
  const res = await app.inject({
    method: 'POST',
    url: '/api/users',
    headers: { cookie: admin },
    payload: { username, password: USER_PASSWORD, role },
  });
  if (res.statusCode !== 201) throw new Error(`creating ${username} failed: ${res.statusCode} ${res.body}`);
  return login(app, username, USER_PASSWORD);
}

export function raiseAlert(
  alerts: AlertService,
  clock: Clock,
  options: {
    kind?: AlertKind;
    severity?: Severity;
    homeId?: string;
    room?: string;
    detail?: Record<string, unknown>;
  } = {},
) {
  const alert = alerts.apply({
    type: 'raise',
    homeId: options.homeId ?? 'h1',
    residentId: 'r1',
    kind: options.kind ?? 'pendant',
    severity: options.severity ?? 'critical',
    at: clock.now(),
    room: options.room ?? 'living',
    detail: options.detail ?? { deviceId: 'p1' },
  });
  if (!alert) throw new Error('alert service raised nothing');
  return alert;
}

/**
 * A stand-in for the analytics module in tests of the HTTP layer: one day of features per date and a fixed
 * report, so that routes, roles and charts can be checked; the analytics have their own tests.
 */
export function cannedAnalytics(): DashboardAnalytics & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    homeActivity(homeId, fromDate, toDate) {
      calls.push(`activity ${homeId} ${fromDate} ${toDate}`);
      const days: DailyFeatures[] = [];
      for (let ms = Date.parse(fromDate); ms <= Date.parse(toDate); ms += 86_400_000) {
        const i = days.length;
        days.push({
          homeId,
          date: new Date(ms).toISOString().slice(0, 10),
          risingTime: `07:${String(10 + (i % 40)).padStart(2, '0')}`,
          bedtime: i % 5 === 0 ? null : '22:30',
          activeMinutes: 300 + i * 3,
          roomTransitions: 40,
          bathroomVisitsDay: 4,
          bathroomVisitsNight: i % 3,
          nightActivityMinutes: 12,
          minutesOut: 60,
          kitchenUses: 6,
          meanIndoorTempC: 19.5,
          alerts: 0,
        });
      }
      return days;
    },
    preventionReport(fromDate, toDate) {
      calls.push(`report ${fromDate} ${toDate}`);
      return {
        from: fromDate,
        to: toDate,
        residentsMonitored: 40,
        alertsByKind: { pendant: 15, fall: '*', inactivity: 10 },
        outcomes: { 'false-alarm': 20, ambulance: '*' },
        routineChanges: [{ resident: 'p-3f9a2c', feature: 'bathroomVisitsNight', followedBy: 'carer-visit' }],
      };
    },
    preventionCsv(report) {
      const r = report as { from: string; to: string };
      return `section,key,value\nperiod,from,${r.from}\nperiod,to,${r.to}\n`;
    },
  };
}

/** Starts `app` listening on a free port of 127.0.0.1; returns the port. */
export async function listenLocally(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}
