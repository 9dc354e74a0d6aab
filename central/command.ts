// `telecare central` (SPEC 10): runs the centre's workers (child processes, restarted when one dies) and the console,
// `telecare central hub add` gives a hub its credential at the centre's NATS cluster, and `hub remove` retires one.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { flag, origins } from '../hub/env-values.js';
import { createLogger, type Logger } from '../hub/logger.js';
import { readCaOrCause } from '../hub/pem-files.js';
import { onStopSignals } from '../hub/stop-signals.js';
import { plaintextAcrossNetwork } from '../hub/uplink-settings.js';
import { isKnownTimeZone } from '../rules/local-time.js';
import { changeLayout, layoutPath, loadLayout, mqttUrls, withHubs } from './nats-cluster.js';
import { assertHubId, hashPassword, newPassword } from './nats-config.js';
import { DEFAULT_HUB_BUDGET_BYTES, MAX_HUB_BUDGET_BYTES, reloadNodes } from './quarantine.js';
import { DEFAULT_SILENCE_MS, DEFAULT_SWEEP_MS } from './offline.js';
import { USERNAME_PATTERN, assertAdminPassword } from './console/operators.js';
import { migrateConsole } from './console/schema.js';
import { retireHubAtCentre, type RetiredAtCentre } from './retire.js';
import { migrateCentral } from './schema.js';
import { startWorkerPool } from './workers.js';

export interface CentralOptions {
  nats: string;
  mqtt: string;
  database: string;
  workers: string;
  user: string;
  silenceS: string;
  host: string;
  port: string;
  /** Default `DEFAULT_HUB_BUDGET_BYTES` in MiB (commander gives it). */
  hubBudgetMib?: string;
  clusterDir?: string;
}

class UsageError extends Error {}

function urls(flag: string, value: string, schemes: readonly string[]): string[] {
  const list = value
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError(`${flag}: give at least one URL`);
  for (const u of list) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new UsageError(`${flag}: '${u}' is not a URL`);
    }
    if (!schemes.includes(parsed.protocol.replace(/:$/, ''))) {
      throw new UsageError(`${flag}: '${u}' must start with ${schemes.map((s) => `${s}://`).join(' or ')}`);
    }
    if (parsed.username || parsed.password) {
      throw new UsageError(`${flag}: no credentials in URLs (they end up in logs); use CENTRAL_NATS_PASSWORD`);
    }
  }
  return list;
}

function positiveInt(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`${flag}: '${value}' is not a whole number 1-${String(max)}`);
  return n;
}

interface Settings {
  natsUrls: string[];
  mqttUrls: string[];
  databaseUrl: string;
  workers: number;
  user: string;
  password: string;
  silenceMs: number;
  host: string;
  port: number;
  /** Each hub's byte budget an hour before it is quarantined (docs/central.md, session 38). */
  hubBudgetBytes: number;
  /** The cluster layout's folder, when the NATS nodes run here: quarantined hubs' users are left out of it. */
  clusterDir: string | undefined;
  /** The console behind a TLS proxy (CENTRAL_SECURE_COOKIES, CENTRAL_TRUST_PROXY, CENTRAL_TRUSTED_ORIGINS). */
  secureCookies: boolean;
  trustProxy: boolean;
  trustedOrigins: string[];
  /** The council report's days and weeks (CENTRAL_REPORT_TIMEZONE, an IANA zone; default UTC). */
  reportTimezone: string | undefined;
}

/** A setting read by the hub's own parsers, its mistake a usage error (exit 2) like every other here. */
function usage<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * CENTRAL_MQTT_CA read and checked as the workers will read it: before session 73 only its existence was, and a folder
 * (or a key, a DER file) given for it passed, the workers then failing on "EISDIR: illegal operation on a directory,
 * read" or on every gateway's "self-signed certificate", which names neither the variable nor the file.
 */
function checkMqttCa(file: string): void {
  const got = readCaOrCause(file, 'the centre');
  if ('cause' in got) {
    throw new UsageError(
      `CENTRAL_MQTT_CA ${file} cannot be used: ${got.cause}. Give the PEM file of the gateways' certificate authority ` +
        "(-----BEGIN CERTIFICATE-----), or unset CENTRAL_MQTT_CA to trust the system's CAs",
    );
  }
}

export function parseCentralOptions(options: CentralOptions, env: NodeJS.ProcessEnv): Settings {
  const password = env.CENTRAL_NATS_PASSWORD;
  if (password === undefined || password === '') {
    throw new UsageError("CENTRAL_NATS_PASSWORD must be set: the password of the centre's NATS user");
  }
  const mqttCa = env.CENTRAL_MQTT_CA;
  if (mqttCa) checkMqttCa(mqttCa);
  const adminPassword = env.CENTRAL_ADMIN_PASSWORD;
  if (adminPassword) usage(() => assertAdminPassword(adminPassword));
  const database = options.database;
  if (!/^postgres(ql)?:\/\//.test(database)) throw new UsageError(`--database: '${database}' is not a postgres:// URL`);
  return {
    natsUrls: urls('--nats', options.nats, ['nats', 'tls']),
    mqttUrls: urls('--mqtt', options.mqtt, ['mqtt', 'mqtts']),
    databaseUrl: database,
    workers: positiveInt('--workers', options.workers, 64),
    user: options.user,
    password,
    silenceMs: positiveInt('--silence-s', options.silenceS, 86_400) * 1_000,
    host: options.host,
    port: Number.isInteger(Number(options.port)) ? Number(options.port) : -1,
    hubBudgetBytes:
      positiveInt(
        '--hub-budget-mib',
        options.hubBudgetMib ?? String(DEFAULT_HUB_BUDGET_BYTES / MIB),
        MAX_HUB_BUDGET_BYTES / MIB,
      ) * MIB,
    clusterDir: clusterDir(options.clusterDir),
    secureCookies: usage(() => flag(env.CENTRAL_SECURE_COOKIES, 'CENTRAL_SECURE_COOKIES')) ?? false,
    trustProxy: usage(() => flag(env.CENTRAL_TRUST_PROXY, 'CENTRAL_TRUST_PROXY')) ?? false,
    trustedOrigins: usage(() => origins(env.CENTRAL_TRUSTED_ORIGINS, 'CENTRAL_TRUSTED_ORIGINS')),
    reportTimezone: reportTimezone(env.CENTRAL_REPORT_TIMEZONE),
  };
}

const MIB = 1024 * 1024;

function reportTimezone(zone: string | undefined): string | undefined {
  if (zone === undefined || zone === '') return undefined;
  if (!isKnownTimeZone(zone)) {
    throw new UsageError(`CENTRAL_REPORT_TIMEZONE: '${zone}' is not a known IANA timezone (e.g. Europe/London)`);
  }
  return zone;
}

function clusterDir(dir: string | undefined): string | undefined {
  if (dir === undefined || dir === '') return undefined;
  if (!fs.existsSync(layoutPath(dir))) {
    throw new UsageError(`--cluster-dir: no cluster layout at ${layoutPath(dir)} (the folder of cluster.json)`);
  }
  return path.resolve(dir);
}

/** Runs until SIGTERM or SIGINT; rejects with a clear message when PostgreSQL or NATS cannot be reached. */
export async function runCentral(settings: Settings, log: Logger): Promise<void> {
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 8 });
  pool.on('error', (err) => log.warn({ err: err.message }, 'PostgreSQL connection lost'));
  try {
    const client = await pool.connect();
    try {
      await migrateCentral(client);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL at ${redact(settings.databaseUrl)}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: settings.natsUrls,
      user: settings.user,
      pass: settings.password,
      name: 'central',
      maxReconnectAttempts: -1,
    });
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`NATS at ${settings.natsUrls.join(',')}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const workers = startWorkerPool(
    settings.workers,
    {
      natsUrls: settings.natsUrls,
      mqttUrls: settings.mqttUrls,
      natsUser: settings.user,
      natsPassword: settings.password,
      databaseUrl: settings.databaseUrl,
      silenceMs: settings.silenceMs,
      sweepEveryMs: Math.min(DEFAULT_SWEEP_MS, settings.silenceMs),
      hubBudgetBytes: settings.hubBudgetBytes,
      ...(settings.clusterDir !== undefined ? { clusterDir: settings.clusterDir } : {}),
    },
    log,
  );
  await workers.ready();
  log.info({ workers: settings.workers }, 'centre workers consuming');
  // The console (and its Fastify, pages and report code) loads only here: a worker process never carries it.
  const { startConsole } = await import('./console/index.js');
  const consoleServer = await startConsole({
    pool,
    nc,
    host: settings.host,
    port: settings.port,
    log: log.child({ ns: 'console' }),
    secureCookies: settings.secureCookies,
    trustProxy: settings.trustProxy,
    trustedOrigins: settings.trustedOrigins,
    ...(settings.reportTimezone !== undefined ? { reportTimezone: settings.reportTimezone } : {}),
  });
  log.info({ url: consoleServer.url }, 'centre console listening');
  process.stdout.write(
    `telecare central: ${String(settings.workers)} workers running, console at ${consoleServer.url}\n`,
  );
  // A second Ctrl-C (npm passes its own SIGINT on too) while the centre stops is told, not Node's default mid-stop.
  await new Promise<void>((resolve) =>
    onStopSignals(
      () => resolve(),
      (signal) => log.info({ signal }, 'stop already under way'),
    ),
  );
  log.info('stopping');
  // Ctrl-C in a terminal signals every process of the group at once: NATS and PostgreSQL may already be going, so
  // no step of the shutdown may wait for them for ever.
  await boundedStep(consoleServer.close(), 'closing the console', log);
  await workers.stop();
  await boundedStep(nc.drain(), 'draining the NATS connection', log);
  if (!nc.isClosed()) await nc.close();
  await boundedStep(pool.end(), 'closing the PostgreSQL pool', log);
}

/** How long one shutdown step may take before the next one goes ahead. */
const SHUTDOWN_STEP_MS = 5_000;

async function boundedStep(step: Promise<unknown>, what: string, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), SHUTDOWN_STEP_MS);
  });
  const outcome = await Promise.race([
    step.then(
      () => 'done' as const,
      () => 'failed' as const,
    ),
    late,
  ]);
  clearTimeout(timer);
  if (outcome === 'late') log.warn({ step: what, afterMs: SHUTDOWN_STEP_MS }, 'shutdown step did not finish; going on');
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export interface HubAddResult {
  hubId: string;
  password: string;
  mqttUrls: string[];
  reloaded: number;
}

/** Adds (or with `replace`, renews) a hub's credential in the cluster at `clusterDir` and reloads its running nodes. */
export async function addHub(clusterDir: string, hubId: string, replace: boolean): Promise<HubAddResult> {
  try {
    assertHubId(hubId);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  // Hashed first (bcrypt takes a while): the layout is locked only while it is read, changed and saved.
  const password = newPassword();
  const passwordHash = hashPassword(password);
  const next = await changeLayout(clusterDir, (layout) => {
    const retired = layout.retired?.find((r) => r.hubId === hubId);
    if (retired) {
      // The centre drops whatever comes under a retired id (its alerts were closed for good): a new box needs its own.
      throw new UsageError(
        `hub ${hubId} was retired on ${retired.at} by ${retired.by}: a retired HUB_ID is not given again; give the new box another HUB_ID`,
      );
    }
    if (!replace && layout.hubs.some((h) => h.hubId === hubId)) {
      throw new UsageError(`hub ${hubId} exists already (--replace gives it a new password)`);
    }
    return withHubs(layout, [{ hubId, passwordHash }]);
  });
  // SIGHUP is nats-server's reload (what `nats-server --signal reload` sends).
  const reloaded = reloadNodes(next);
  return { hubId, password, mqttUrls: mqttUrls(next), reloaded };
}

export interface HubRemoveResult extends RetiredAtCentre {
  hubId: string;
  /** The hub had a credential in the layout (now revoked). */
  revoked: boolean;
  reloaded: number;
}

/**
 * Retires a hub for good (session 61): at the centre's database first (`retireHubAtCentre`: its open alerts closed,
 * never flagged offline again, whatever still comes under its id dropped, audited as `by`), then its credential taken
 * out of the cluster at `clusterDir` and the running nodes reloaded (its connection is closed, and it is refused as
 * any unknown user). Run again after a failure, it finishes what was left.
 */
export async function removeHub(
  clusterDir: string,
  databaseUrl: string,
  hubId: string,
  by: string,
  now: () => Date = () => new Date(),
  replacedBy?: string,
): Promise<HubRemoveResult> {
  usage(() => assertHubId(hubId));
  if (replacedBy !== undefined) {
    usage(() => assertHubId(replacedBy));
    if (replacedBy === hubId) throw new UsageError(`--replaced-by: a hub is not replaced by itself (${hubId})`);
  }
  if (!USERNAME_PATTERN.test(by)) {
    throw new UsageError(`--by: '${by}' is not a name (1 to 64 letters, digits, ".", "_", "@" or "-")`);
  }
  if (databaseUrl === '') {
    throw new UsageError(
      "no database: give the centre's PostgreSQL URL with --database postgres://user@host:5432/db (or CENTRAL_DATABASE_URL)",
    );
  }
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new UsageError(`--database: '${databaseUrl}' is not a postgres:// URL`);
  }
  const layout = loadLayout(clusterDir);
  const at = now();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => undefined);
  let atCentre: RetiredAtCentre;
  try {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw new Error(`PostgreSQL at ${redact(databaseUrl)}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    try {
      await migrateCentral(client);
      await migrateConsole(client);
      const known =
        layout.hubs.some((h) => h.hubId === hubId) ||
        layout.retired?.some((r) => r.hubId === hubId) === true ||
        (await client.query('SELECT 1 FROM central_hubs WHERE hub_id = $1', [hubId])).rowCount === 1;
      if (!known)
        throw new UsageError(`no hub ${hubId} at this centre (not in ${layoutPath(clusterDir)}, never heard)`);
    } finally {
      client.release();
    }
    atCentre = await retireHubAtCentre(pool, hubId, by, at, replacedBy);
  } finally {
    await pool.end().catch(() => undefined);
  }
  // Read again after the database's awaits, and changed and saved under the layout's lock: a worker's quarantine
  // list (central/quarantine.ts, applyQuarantine) or another command's change written meanwhile is kept, not undone by
  // the copy read before them.
  let revoked = false;
  const next = await changeLayout(clusterDir, (latest) => {
    revoked = latest.hubs.some((h) => h.hubId === hubId);
    return {
      ...latest,
      hubs: latest.hubs.filter((h) => h.hubId !== hubId),
      quarantined: (latest.quarantined ?? []).filter((id) => id !== hubId),
      retired: [
        ...(latest.retired ?? []).filter((r) => r.hubId !== hubId),
        latest.retired?.find((r) => r.hubId === hubId) ?? { hubId, at: at.toISOString(), by },
      ],
    };
  });
  // SIGHUP is nats-server's reload: the nodes close the hub's connection and refuse it from now on.
  const reloaded = reloadNodes(next);
  return { hubId, revoked, reloaded, ...atCentre };
}

export const DEFAULT_CLUSTER_DIR = path.join('.central-dev', 'nats');

interface HubRemoveOptions {
  clusterDir: string;
  database: string;
  by: string;
  replacedBy?: string;
}

export function registerCentralCommand(program: Command): void {
  const central = program
    .command('central')
    .description("run the alarm receiving centre's workers and console over a NATS cluster and PostgreSQL (SPEC 10)")
    .option(
      '--nats <urls>',
      'NATS servers of the cluster, comma-separated (nats://host:4222,...)',
      process.env.CENTRAL_NATS_URLS ?? '',
    )
    .option(
      '--mqtt <urls>',
      "the cluster's MQTT gateways hubs use, comma-separated",
      process.env.CENTRAL_MQTT_URLS ?? '',
    )
    .option('--database <url>', 'PostgreSQL URL (postgres://user@host:5432/db)', process.env.CENTRAL_DATABASE_URL ?? '')
    .option('--workers <n>', 'worker processes (each restarted when it dies)', '2')
    .option('--user <name>', "the centre's NATS user", process.env.CENTRAL_NATS_USER ?? 'centre')
    .option(
      '--silence-s <s>',
      'seconds without any message before a hub is flagged offline',
      String(DEFAULT_SILENCE_MS / 1_000),
    )
    .option('--host <host>', 'address of the console', '127.0.0.1')
    .option('--port <port>', 'port of the console', '8090')
    .option(
      '--hub-budget-mib <n>',
      'MiB a hub may have stored in an hour before it is quarantined (its alert to the operators; it cannot connect until it is resolved), 1-8192',
      String(DEFAULT_HUB_BUDGET_BYTES / (1024 * 1024)),
    )
    .option(
      '--cluster-dir <dir>',
      "folder of the cluster layout (cluster.json) when the NATS nodes run on this machine: a quarantined hub's user is left out of their configuration",
      process.env.CENTRAL_CLUSTER_DIR,
    )
    .addHelpText(
      'after',
      '\nThe NATS password comes from CENTRAL_NATS_PASSWORD (never a flag: the process list shows flags).\n' +
        'Console behind a TLS reverse proxy (docs/security.md): CENTRAL_SECURE_COOKIES=1, CENTRAL_TRUST_PROXY=1,\n' +
        'CENTRAL_TRUSTED_ORIGINS=https://console.example.org. A gateway with TLS (mqtts://): CENTRAL_MQTT_CA, its CA.\n' +
        "The council report's days and weeks: CENTRAL_REPORT_TIMEZONE=Europe/London (the council's zone; default UTC).\n" +
        'Stops on SIGTERM or Ctrl-C: workers finish the message in hand; what is not acknowledged is delivered again.\n' +
        'npm run central:dev starts a local cluster and PostgreSQL and runs this against them.',
    )
    .action(async (options: CentralOptions) => {
      const log = createLogger().child({ ns: 'central' });
      try {
        await runCentral(parseCentralOptions(options, process.env), log);
      } catch (err) {
        process.stderr.write(`telecare central: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = err instanceof UsageError ? 2 : 1;
      }
    });
  const hub = central.command('hub').description("manage hubs' credentials at the centre");
  hub
    .command('add <hubId>')
    .description('give a hub a new random password (printed once; only its bcrypt hash is kept) and reload NATS')
    .option(
      '--cluster-dir <dir>',
      'folder of the cluster layout (cluster.json)',
      process.env.CENTRAL_CLUSTER_DIR ?? DEFAULT_CLUSTER_DIR,
    )
    .option('--replace', "renew an existing hub's password")
    .action(async (hubId: string, options: { clusterDir: string; replace?: boolean }) => {
      try {
        const added = await addHub(options.clusterDir, hubId, options.replace === true);
        process.stdout.write(
          `Hub ${added.hubId} added (${String(added.reloaded)} NATS nodes reloaded). Its settings; the password is not shown again:\n` +
            `HUB_UPLINK_URL=${added.mqttUrls[0] ?? ''} HUB_ID=${added.hubId} HUB_UPLINK_USER=${added.hubId} HUB_UPLINK_PASSWORD=${added.password}\n`,
        );
        const url = added.mqttUrls[0];
        if (url !== undefined && plaintextAcrossNetwork(new URL(url))) {
          process.stdout.write(
            'The gateway speaks plain MQTT: a hub on another machine will not connect to it (alerts would cross the network in ' +
              'clear). Give the gateway a certificate (mqttTls in cluster.json, docs/central.md) and the hub mqtts://, or, over a private link (a VPN), set ' +
              'HUB_UPLINK_ALLOW_PLAINTEXT=1 on the hub.\n',
          );
        }
      } catch (err) {
        process.stderr.write(`telecare central hub add: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = err instanceof UsageError ? 2 : 1;
      }
    });
  hub
    .command('remove <hubId>')
    .alias('retire')
    .description(
      'retire a hub for good (taken out of a home, or replaced by a box with another HUB_ID): revoke its credential ' +
        'and reload NATS, close its open alerts at the centre (cancelled, "hub-retired", audited), never flag it offline',
    )
    .option(
      '--cluster-dir <dir>',
      'folder of the cluster layout (cluster.json)',
      process.env.CENTRAL_CLUSTER_DIR ?? DEFAULT_CLUSTER_DIR,
    )
    .option(
      '--database <url>',
      "the centre's PostgreSQL URL (or CENTRAL_DATABASE_URL)",
      process.env.CENTRAL_DATABASE_URL ?? '',
    )
    .requiredOption('--by <name>', 'who retires it (recorded on the closed alerts and in the console audit)')
    .option(
      '--replaced-by <hubId>',
      'the HUB_ID of the new box in the same homes: the council report counts their homes once (may be given later)',
    )
    .addHelpText(
      'after',
      '\nWhat the hub stored stays (the council report reads it). Whatever still comes under its id is dropped, and a\n' +
        'box that connects with it is refused as any unknown hub. A retired HUB_ID is not given again by `hub add`:\n' +
        'a new box gets its own. Run it again after a failure: it finishes what was left.',
    )
    .action(async (hubId: string, options: HubRemoveOptions) => {
      try {
        const { clusterDir, database, by, replacedBy } = options;
        const removed = await removeHub(clusterDir, database, hubId, by, undefined, replacedBy);
        process.stdout.write(
          removed.retired
            ? `Hub ${removed.hubId} retired by ${options.by}: ${String(removed.closedAlerts)} open alerts closed at the centre, ` +
                `${String(removed.cancelledCommands)} pending commands given up; ` +
                `its credential ${removed.revoked ? 'revoked' : 'was already gone'} (${String(removed.reloaded)} NATS nodes reloaded).\n`
            : `Hub ${removed.hubId} was retired already; its credential is gone (${String(removed.reloaded)} NATS nodes reloaded).\n`,
        );
        if (replacedBy !== undefined) {
          process.stdout.write(`Replaced by ${replacedBy}: the council report counts its homes under that hub.\n`);
        }
      } catch (err) {
        process.stderr.write(`telecare central hub remove: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = err instanceof UsageError ? 2 : 1;
      }
    });
}
