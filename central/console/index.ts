// startConsole(): the centre's console on a PostgreSQL pool and a NATS connection (wired into `telecare central`).
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { NatsConnection } from 'nats';
import type pg from 'pg';
import { pino } from 'pino';
import type { Clock } from '../../hub/clock.js';
import { isKnownTimeZone } from '../../rules/local-time.js';
import { migrateCentral } from '../schema.js';
import { buildConsoleApp } from './app.js';
import { CommandSender, DEFAULT_COMMAND_SETTINGS, type CommandSettings } from './commands.js';
import { DEFAULT_LIVE_CHECK, LiveFeed, type LiveCheckSettings } from './live.js';
import { ensureAdmin, OperatorStore } from './operators.js';
import { migrateConsole } from './schema.js';

export { createOperator } from './operators.js';
export { migrateConsole } from './schema.js';

export interface ConsoleOptions {
  pool: pg.Pool;
  nc: NatsConnection;
  host: string;
  /** 0 for any free port (tests). */
  port: number;
  log?: FastifyBaseLogger;
  /** The first admin's password; default `CENTRAL_ADMIN_PASSWORD`. Without either, one is generated and shown once. */
  adminPassword?: string;
  /** Where a generated admin password is shown (never through the logger); default stderr. */
  announce?: (line: string) => void;
  commands?: Partial<CommandSettings>;
  /** How often the LISTEN connection is asked for an answer, and how long it has (tests); DEFAULT_LIVE_CHECK. */
  liveCheck?: Partial<LiveCheckSettings>;
  sessionHours?: number;
  /** Served over HTTPS (behind a TLS proxy): `Secure` session cookies and `Strict-Transport-Security`. */
  secureCookies?: boolean;
  sseHeartbeatSeconds?: number;
  /** Origins besides the console's own allowed to send state-changing requests (a TLS proxy's public name). */
  trustedOrigins?: readonly string[];
  /** A reverse proxy on this machine names the operators in X-Forwarded-For: the login throttle's address. */
  trustProxy?: boolean;
  /** What the council report takes as now (tests); the system clock by default. */
  clock?: Pick<Clock, 'now'>;
  /**
   * The council's IANA timezone: the council report's days and weeks (`CENTRAL_REPORT_TIMEZONE`; default UTC). The
   * centre cannot know the homes' zones (none leaves a hub), and the hub's own report counts in its homes' local days.
   */
  reportTimezone?: string;
}

export interface RunningConsole {
  url: string;
  /** The console's Fastify app (its route table: the route × role test reads it, session 73). */
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  if (options.reportTimezone !== undefined && !isKnownTimeZone(options.reportTimezone)) {
    throw new Error(`reportTimezone: '${options.reportTimezone}' is not a known IANA timezone (e.g. Europe/London)`);
  }
  const log = options.log ?? pino({ level: 'info' });
  // An idle pooled connection that PostgreSQL ends (a restart, an administrator) emits 'error' on the pool: without a
  // listener that would end the process; the pool replaces the connection on the next query.
  const onPoolError = (err: Error): void =>
    log.warn({ err: err.message }, 'console: an idle PostgreSQL connection failed');
  options.pool.on('error', onPoolError);
  // A connection in use between two queries when PostgreSQL ends it emits 'error' on itself, not on the pool (which
  // listens only while it is idle): the query that follows fails and is answered 503; the process carries on.
  const onConnect = (client: pg.PoolClient): void => {
    client.on('error', onPoolError);
  };
  options.pool.on('connect', onConnect);
  const client = await options.pool.connect();
  try {
    // The workers' tables too: the console may start before any worker has.
    await migrateCentral(client);
    await migrateConsole(client);
  } finally {
    client.release();
  }
  const { generatedPassword, replaced } = await ensureAdmin(
    options.pool,
    options.adminPassword ?? process.env.CENTRAL_ADMIN_PASSWORD ?? undefined,
  );
  const live = new LiveFeed(options.pool, log, { ...DEFAULT_LIVE_CHECK, ...options.liveCheck });
  await live.start();
  const commands = new CommandSender(
    options.pool,
    options.nc,
    live,
    { ...DEFAULT_COMMAND_SETTINGS, ...options.commands },
    log,
  );
  commands.start();
  const sessionHours = options.sessionHours ?? 12;
  const app = await buildConsoleApp({
    pool: options.pool,
    operators: new OperatorStore(options.pool, sessionHours * 3_600_000),
    live,
    commands,
    log,
    sessionHours,
    secureCookies: options.secureCookies ?? false,
    sseHeartbeatSeconds: options.sseHeartbeatSeconds ?? 15,
    ...(options.trustedOrigins ? { trustedOrigins: options.trustedOrigins } : {}),
    trustProxy: options.trustProxy ?? false,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.reportTimezone !== undefined ? { reportTimezone: options.reportTimezone } : {}),
  });
  let url: string;
  try {
    url = await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await commands.stop();
    await live.stop();
    throw err;
  }
  if (generatedPassword) {
    // Shown once the console answers, to whoever starts the centre, never through the logger (not in log files). A
    // start that fails before this shows nothing; the next start makes and shows a new one until someone logs in.
    const line = `Console operator "admin" ${replaced ? 'not logged in yet: new' : 'created with'} password: ${generatedPassword} (log in at ${url}; shown until first used; set CENTRAL_ADMIN_PASSWORD to choose it)`;
    if (options.announce) options.announce(line);
    else process.stderr.write(`${line}\n`);
  }
  return {
    url,
    app,
    async close() {
      await app.close();
      await commands.stop();
      await live.stop();
      options.pool.off('error', onPoolError);
      options.pool.off('connect', onConnect);
    },
  };
}
