// `telecare hub` as a process: settings from options and environment (SPEC 2), signals, a clear message on a bad config.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { ConfigError, configPath, loadHubConfig } from './config.js';
import { configAdvice } from './coverage.js';
import type { AlertReach } from './responder-advice.js';
import type { RunningHub } from './hub.js';
import { createLogger } from './logger.js';
import { CHATTER_MAX_SETTING, CHATTER_MIN_SETTING } from './chatter.js';
import { brokerUrl, flag, origins, port } from './env-values.js';
import { DatabaseCheckError } from './migrations.js';
import { releaseFilePagesOnce, startMallocTrim } from './malloc-trim.js';
import { scheduleV8Release } from './v8-release.js';
import { scryptAddonUnavailable } from './scrypt-thread.js';
import { testHashCost } from './passwords.js';
import { looseFileAdvice } from './private-files.js';
import { PemFileError, readCertificatePair, type CertificatePair } from './pem-files.js';
import { holderWords, portHolder, type PortHolder } from './port-holder.js';
import type { HubConfig } from './config-types.js';
import { readUplinkCa, uplinkSettingsFromEnv, type UplinkSettings } from './uplink-settings.js';
import { onStopSignals } from './stop-signals.js';

export interface HubSettings {
  config: string;
  /** True when the path was given explicitly (then a missing file is an error). */
  configRequired: boolean;
  dataDir: string;
  mqttPort: number;
  httpPort: number;
  mqttUrl: string | undefined;
  adminPassword: string | undefined;
  host: string | undefined;
  /** MQTT over TLS: PEM files given by HUB_MQTT_TLS_CERT and HUB_MQTT_TLS_KEY, port HUB_MQTT_TLS_PORT (8883). */
  mqttTls: { port: number; certFile: string; keyFile: string } | undefined;
  /** HUB_HTTPS_CERT and HUB_HTTPS_KEY: PEM files; the dashboard is served over HTTPS when both are set. */
  https: { certFile: string; keyFile: string } | undefined;
  /** HUB_TRUSTED_ORIGINS (comma-separated): other origins whose pages may change state, e.g. a TLS proxy's. */
  trustedOrigins: string[];
  /** HUB_SECURE_COOKIES=1: `Secure` session cookies although the hub itself serves HTTP (behind a TLS proxy). */
  secureCookies: boolean | undefined;
  /** HUB_TRUST_PROXY=1: a reverse proxy on the Pi forwards the clients; logins are counted per forwarded address. */
  trustProxy: boolean | undefined;
  retentionDays: number | undefined;
  /** HUB_CHATTER_MAX_PER_MINUTE: 0 (no bound) or 30 to 1,000,000 reports a device may make in a minute (hub/chatter.ts). */
  chatterMaxPerMinute: number | undefined;
  /** HUB_FIRST_REVIEW_AFTER_S: seconds from the start (or a reload) to the routine review's first round (default 60). */
  firstReviewAfterS: number | undefined;
  /** HUB_UPLINK_URL, HUB_ID, HUB_UPLINK_USER, HUB_UPLINK_PASSWORD, HUB_UPLINK_CA, HUB_COUNCIL_KEY (SPEC 10). */
  uplink: UplinkSettings | undefined;
}

function httpsFiles(env: NodeJS.ProcessEnv, cwd: string): HubSettings['https'] {
  const cert = env.HUB_HTTPS_CERT || undefined;
  const key = env.HUB_HTTPS_KEY || undefined;
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new Error('HUB_HTTPS_CERT and HUB_HTTPS_KEY go together: set both (PEM files) or neither');
  return { certFile: path.resolve(cwd, cert), keyFile: path.resolve(cwd, key) };
}

function days(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number of days, at least 1, not '${value}'`);
  return n;
}

/**
 * HUB_CHATTER_MAX_PER_MINUTE: 0 turns the bound off; below 30 a working sensor's repeats would become counts (a PIR
 * in a busy room); past a million a minute no device is bounded in practice. Digits only: `1e3`, `0x80` are mistakes.
 */
function chatterBound(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = /^\s*\d{1,7}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || (n !== 0 && (n < CHATTER_MIN_SETTING || n > CHATTER_MAX_SETTING)))
    throw new Error(
      `HUB_CHATTER_MAX_PER_MINUTE must be 0 (no bound) or a whole number from ${CHATTER_MIN_SETTING} to ${CHATTER_MAX_SETTING}, not '${value}'`,
    );
  return n;
}

/** The routine review runs every hour: a first round later than that would only be a missed round. */
const FIRST_REVIEW_AFTER_MAX_S = 3600;

/**
 * HUB_FIRST_REVIEW_AFTER_S: whole seconds, 0 to 3,600, digits only. Default 60: the hub has its start-up's other work
 * first. A smaller value lets a bench or a test see the review's first round without waiting a minute for it.
 */
function firstReviewAfter(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = /^\s*\d{1,4}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n > FIRST_REVIEW_AFTER_MAX_S)
    throw new Error(
      `HUB_FIRST_REVIEW_AFTER_S must be a whole number of seconds from 0 to ${FIRST_REVIEW_AFTER_MAX_S}, not '${value}'`,
    );
  return n;
}

// The dashboard asks this many characters of every password it sets (POST /api/users, /api/me/password).
const MIN_ADMIN_PASSWORD_LENGTH = 10;

function adminPassword(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.length < MIN_ADMIN_PASSWORD_LENGTH)
    throw new Error(`HUB_ADMIN_PASSWORD must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters`);
  return value;
}

/** Command-line options win over the environment, which wins over the defaults. */
/** Who hears of an alert beyond the file's responders, as these settings run the hub (`unheardHomeAdvice`). */
export function alertReach(settings: Pick<HubSettings, 'uplink' | 'mqttUrl'>): AlertReach {
  return { uplink: settings.uplink !== undefined, externalBroker: settings.mqttUrl !== undefined };
}

export function resolveSettings(
  cli: { config?: string; dataDir?: string; mqttPort?: string; httpPort?: string; mqttUrl?: string; host?: string },
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): HubSettings {
  if ((env.TELECARE_TEST_LOW_HASH_COST ?? '') !== '' && !testHashCost(env)) {
    throw new Error(
      'TELECARE_TEST_LOW_HASH_COST is for the test suite only (=1 with NODE_ENV=test): unset it, a hub hashes passwords at its own cost',
    );
  }
  const explicitConfig = cli.config ?? (env.HUB_CONFIG || undefined);
  const certFile = env.HUB_MQTT_TLS_CERT || undefined;
  const keyFile = env.HUB_MQTT_TLS_KEY || undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error(
      'HUB_MQTT_TLS_CERT and HUB_MQTT_TLS_KEY must be set together (PEM certificate chain and its private key)',
    );
  }
  return {
    config: configPath({ HUB_CONFIG: explicitConfig }, cwd),
    configRequired: explicitConfig !== undefined,
    dataDir: path.resolve(cwd, cli.dataDir ?? (env.HUB_DATA_DIR || 'data')),
    // A bad value is named as it was given: `--mqtt-port 99999` was told "HUB_MQTT_PORT must be ..." (session 67).
    mqttPort: port(
      cli.mqttPort ?? env.HUB_MQTT_PORT,
      cli.mqttPort !== undefined ? '--mqtt-port' : 'HUB_MQTT_PORT',
      1883,
    ),
    httpPort: port(
      cli.httpPort ?? env.HUB_HTTP_PORT,
      cli.httpPort !== undefined ? '--http-port' : 'HUB_HTTP_PORT',
      8080,
    ),
    mqttUrl:
      cli.mqttUrl !== undefined
        ? brokerUrl(cli.mqttUrl, '--mqtt-url')
        : brokerUrl(env.HUB_MQTT_URL || undefined, 'HUB_MQTT_URL'),
    adminPassword: adminPassword(env.HUB_ADMIN_PASSWORD),
    host: cli.host ?? (env.HUB_HOST || undefined),
    mqttTls:
      certFile && keyFile
        ? {
            port: port(env.HUB_MQTT_TLS_PORT, 'HUB_MQTT_TLS_PORT', 8883),
            certFile: path.resolve(cwd, certFile),
            keyFile: path.resolve(cwd, keyFile),
          }
        : undefined,
    https: httpsFiles(env, cwd),
    trustedOrigins: origins(env.HUB_TRUSTED_ORIGINS, 'HUB_TRUSTED_ORIGINS'),
    secureCookies: flag(env.HUB_SECURE_COOKIES, 'HUB_SECURE_COOKIES'),
    trustProxy: flag(env.HUB_TRUST_PROXY, 'HUB_TRUST_PROXY'),
    retentionDays: days(env.HUB_RETENTION_DAYS, 'HUB_RETENTION_DAYS'),
    chatterMaxPerMinute: chatterBound(env.HUB_CHATTER_MAX_PER_MINUTE),
    firstReviewAfterS: firstReviewAfter(env.HUB_FIRST_REVIEW_AFTER_S),
    uplink: uplinkSettingsFromEnv(env, cwd),
  };
}

/**
 * On glibc without `MALLOC_MMAP_THRESHOLD_`, each password hash's 8 MB block may stay resident in a threadpool
 * thread's arena after the first (up to 32 MB for four threads; `hub/passwords.ts`): `npm start` sets it, a hub
 * started another way (a service unit) should too. The advice to log, or undefined when there is nothing to say.
 */
export function glibcMallocAdvice(env: NodeJS.ProcessEnv): string | undefined {
  if (process.platform !== 'linux' || env.MALLOC_MMAP_THRESHOLD_ !== undefined) return undefined;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  if (header?.glibcVersionRuntime === undefined) return undefined;
  return (
    'MALLOC_MMAP_THRESHOLD_ is not set: each password hash may leave 8 MB resident per libuv thread; ' +
    'start the hub with MALLOC_MMAP_THRESHOLD_=131072 in its environment (as npm start does)'
  );
}

/** Webhook secrets or MQTT password hashes: a file every user may read would hand them out. */
export function configHoldsSecrets(config: HubConfig): boolean {
  return config.mqttUsers.length > 0 || config.responders.some((r) => r.webhook !== undefined);
}

/** Warnings for the configuration file and TLS keys when other users of the machine may change or read them. */
function fileAdvice(settings: HubSettings, config: HubConfig): string[] {
  const advice = [looseFileAdvice(settings.config, 'configuration file', configHoldsSecrets(config))];
  if (settings.https) advice.push(looseFileAdvice(settings.https.keyFile, 'HTTPS key', true));
  if (settings.mqttTls) advice.push(looseFileAdvice(settings.mqttTls.keyFile, 'MQTT TLS key', true));
  return advice.filter((a) => a !== undefined);
}

/**
 * What a reload leaves for the next start: the `hub` section's fields changed from those the hub started with (the
 * reload applies homes, devices, rules, responders and MQTT users; hub/hub.ts). An installer told only "configuration
 * reloaded" after setting the Zigbee2MQTT base topic had every Zigbee2MQTT sensor unheard, and nothing said why.
 */
function restartOnlyChanges(started: HubConfig['hub'], next: HubConfig['hub']): string[] {
  const advice: string[] = [];
  if (next.zigbeeBaseTopic !== started.zigbeeBaseTopic)
    advice.push(
      `hub.zigbeeBaseTopic "${next.zigbeeBaseTopic}" takes effect at the next start: restart the hub to apply it ` +
        `(until then Zigbee2MQTT is heard under "${started.zigbeeBaseTopic}/", and devices publishing under ` +
        `"${next.zigbeeBaseTopic}/" are not)`,
    );
  if (next.name !== started.name)
    advice.push(`hub.name "${next.name}" takes effect at the next start: restart the hub to apply it`);
  return advice;
}

/**
 * A port another program holds, said as what to do: on a Pi the MQTT port is most often Mosquitto's (installed with
 * Zigbee2MQTT) and 8080 another web server's. Before, the start ended on Node's `listen EADDRINUSE: address already in
 * use :::1883`, which named neither the part, nor the setting that moves it, nor the choice of using that broker
 * (review, session 65). The program there is named when /proc says (`holderOf`, hub/port-holder.ts): another telecare
 * hub, on another data folder, had been told as "most often a Mosquitto" with the advice to use its broker through
 * HUB_MQTT_URL, a hub's own (review, session 68). Undefined for any other failure.
 */
export function portInUse(
  err: unknown,
  settings: Pick<HubSettings, 'mqttPort' | 'httpPort' | 'mqttUrl' | 'mqttTls'>,
  holderOf: (port: number) => PortHolder | undefined = portHolder,
): string | undefined {
  const failure = err as NodeJS.ErrnoException & { port?: unknown };
  if (failure?.code !== 'EADDRINUSE' || typeof failure.port !== 'number') return undefined;
  const port = failure.port;
  const holder = holderOf(port);
  const who = holder === undefined ? 'another program' : holderWords(holder);
  // Another hub is stopped by its pid, or this one moved: its broker and dashboard are its own, not to share.
  const stopIt = holder?.hub ? `stop that hub first (kill ${holder.pid}) if this one is to take its place` : 'stop it';
  if (settings.mqttUrl === undefined && port === settings.mqttPort) {
    const moveIt =
      `give the hub's broker another port with HUB_MQTT_PORT (or --mqtt-port) ` +
      `(e.g. HUB_MQTT_PORT=${port === 1883 ? 1884 : port + 1}; sensors, Zigbee2MQTT, telecare bridge --mqtt and ` +
      `telecare simulate --mqtt then use that port)`;
    if (holder?.hub)
      return (
        `the MQTT port ${port} is already in use by ${who}: two hubs on one machine each need ports of their own. ` +
        `Either ${stopIt}, or ${moveIt}, and its dashboard another with HUB_HTTP_PORT (or --http-port)`
      );
    const what =
      holder === undefined
        ? `${who} (on a Pi most often a Mosquitto broker: systemctl status mosquitto)`
        : `${who}${holder.program === 'mosquitto' ? ' (systemctl status mosquitto)' : ''}`;
    return (
      `the MQTT port ${port} is already in use by ${what}. Either ${stopIt}, or ${moveIt}, ` +
      `or keep that broker and use it instead of the embedded one: HUB_MQTT_URL=mqtt://127.0.0.1:${port}`
    );
  }
  if (settings.mqttTls !== undefined && port === settings.mqttTls.port) {
    return `the MQTT over TLS port ${port} is already in use by ${who}: ${stopIt}, or choose another with HUB_MQTT_TLS_PORT`;
  }
  if (port === settings.httpPort) {
    return (
      `the dashboard port ${port} is already in use by ${who}: ${stopIt}, or give the dashboard another ` +
      `port with HUB_HTTP_PORT or --http-port (e.g. HUB_HTTP_PORT=${port === 8080 ? 8081 : port + 1}, then open http://<hub>:<that port>)`
    );
  }
  return `port ${port} is already in use by ${who} (${failure.message})`;
}

/**
 * A data folder the hub cannot make or write, said as what to do: before, Node's words alone
 * (`EACCES: permission denied, mkdir '/opt/telecare/data'`), which named neither the user nor the setting that moves
 * the folder (review, session 67). Undefined for any other failure.
 */
export function dataDirProblem(failure: unknown, dataDir: string): string | undefined {
  // The system's error itself, or the one a wrapper names as its cause (`cannot make the data folder ...`).
  const own = (failure ?? {}) as NodeJS.ErrnoException;
  const { code, path: where } = own.code === undefined ? ((own.cause ?? {}) as NodeJS.ErrnoException) : own;
  if (where === undefined || code === undefined) return undefined;
  const related =
    where === dataDir || where.startsWith(`${dataDir}${path.sep}`) || dataDir.startsWith(`${where}${path.sep}`);
  if (!related) return undefined;
  const move = 'choose another data folder with HUB_DATA_DIR or --data-dir';
  if (code === 'EACCES' || code === 'EPERM') {
    let user: string;
    try {
      user = userInfo().username;
    } catch {
      user = `uid ${String(process.getuid?.() ?? '?')}`;
    }
    return (
      `the data folder ${dataDir} cannot be made or written by the user running the hub (${user}): ${code} on ` +
      `${where}. Give that user the folder (sudo mkdir -p ${dataDir} && sudo chown ${user} ${dataDir}), or ${move}`
    );
  }
  if (code === 'EROFS') return `the data folder ${dataDir} is on a read-only file system (${where}): ${move}`;
  if (code === 'ENOTDIR') {
    // The file in the way: the longest part of the path that exists and is not a folder.
    let blocker = where;
    while (path.dirname(blocker) !== blocker && !existsSync(blocker)) blocker = path.dirname(blocker);
    return `the data folder ${dataDir} cannot be made: ${blocker} is a file, not a folder. Move it, or ${move}`;
  }
  return undefined;
}

/**
 * HUB_MQTT_TLS_CERT/KEY and HUB_HTTPS_CERT/KEY read and checked (hub/pem-files.ts): a file that cannot serve stops the
 * start, as a missing one always did, now with a line that names it; before session 73 a key given for the certificate,
 * a certificate given for the key or a pair that did not match stopped it with OpenSSL's words ("PEM routines::no start
 * line", "DECODER routines::unsupported", "key values mismatch") once the store and the rules had started.
 */
export function readTlsPairs(settings: HubSettings): { mqttTls?: CertificatePair; https?: CertificatePair } {
  const tls = settings.mqttTls;
  const https = settings.https;
  return {
    ...(tls && {
      mqttTls: readCertificatePair({
        certFile: tls.certFile,
        keyFile: tls.keyFile,
        certSetting: 'HUB_MQTT_TLS_CERT',
        keySetting: 'HUB_MQTT_TLS_KEY',
        remedy:
          "The hub does not start: give the hub's PEM certificate (chain) in HUB_MQTT_TLS_CERT and its private key in " +
          'HUB_MQTT_TLS_KEY, or unset both for MQTT in clear only',
      }),
    }),
    ...(https && {
      https: readCertificatePair({
        certFile: https.certFile,
        keyFile: https.keyFile,
        certSetting: 'HUB_HTTPS_CERT',
        keySetting: 'HUB_HTTPS_KEY',
        remedy:
          "The hub does not start: give the dashboard's PEM certificate (chain) in HUB_HTTPS_CERT and its private key " +
          'in HUB_HTTPS_KEY, or unset both to serve the dashboard over HTTP',
      }),
    }),
  };
}

/** Run until SIGINT/SIGTERM; exit code 1 with a message naming the field when the configuration is invalid. */
export async function runHubProcess(settings: HubSettings): Promise<void> {
  let config;
  try {
    config = loadHubConfig(settings.config, { required: settings.configRequired });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`telecare hub: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  // The TLS pairs read and checked before anything starts: one line naming the variable, the file and what to do.
  let tlsPairs: ReturnType<typeof readTlsPairs>;
  try {
    tlsPairs = readTlsPairs(settings);
  } catch (err) {
    if (err instanceof PemFileError) {
      process.stderr.write(`telecare hub: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  const logger = createLogger();
  // Every stop signal keeps its listener: a listener taken off after the first would leave the next to Node's default,
  // which ends the hub mid-stop, and one Ctrl-C on `npm start` is two SIGINTs (the terminal's to the process group and
  // the one npm passes on), as is a second Ctrl-C pressed while the hub stops (review, session 67). The listeners are
  // in place before the start: a stop asked while the hub starts (a service manager's stop, Ctrl-C on a slow first
  // start) found Node's default and ended the hub half started; it now waits for the start, then stops as any stop
  // does (review, session 68).
  let stopRequested = false;
  /** Set once the hub has started (a signal before then must find it undefined, not a const in its dead zone). */
  let stopHub: (() => void) | undefined = undefined;
  onStopSignals(
    (signal) => {
      stopRequested = true;
      logger.info({ signal }, stopHub ? 'stop requested' : 'stop requested while starting: the hub stops once started');
      stopHub?.();
    },
    (signal) => logger.info({ signal }, 'stop already under way'),
  );
  // No file where the hub looks (another folder, a file saved under another name): `--check-config` says so, and the
  // start said only `"homes":0`, while the hub watched nobody and raised no alert, a pendant press's neither (review,
  // session 67).
  if (!settings.configRequired && !existsSync(settings.config)) {
    logger.warn(
      { file: settings.config },
      `no configuration file at ${settings.config}: this hub watches no homes and raises no alert of any kind ` +
        "(devices it hears are kept as not configured, on the dashboard's Devices page). Write the configuration " +
        `there (check it with telecare hub --check-config) and reload it with kill -HUP ${String(process.pid)}, ` +
        'or name its file with --config or HUB_CONFIG',
    );
  }
  for (const advice of fileAdvice(settings, config)) logger.warn(advice);
  for (const pair of [tlsPairs.mqttTls, tlsPairs.https]) if (pair?.dateWarning) logger.warn(pair.dateWarning);
  const mallocAdvice = glibcMallocAdvice(process.env);
  if (mallocAdvice) logger.warn(mallocAdvice);
  const startAdvice = configAdvice(config, alertReach(settings));
  for (const advice of startAdvice) logger.warn(advice);
  // Over a file-size limit the kernel sends SIGXFSZ, whose default action ends the process: ignored, the write fails
  // with EFBIG instead, and the hub treats it as a full disk (alerts told from memory, stored when space returns).
  process.on('SIGXFSZ', () => undefined);
  // The hub itself (its broker, store, rules, dashboard and their packages) is loaded only to start it: `telecare hub
  // --check-config`, `--hash-password` and `--help` read this module for its settings and advice, and loaded it for
  // nothing (about 0.5 s of a core a run; docs/testing.md, session 74).
  const { startHub } = await import('./hub.js');
  let hub: RunningHub;
  try {
    const tls = settings.mqttTls;
    const uplink = settings.uplink;
    hub = await startHub({
      ...(uplink ? { uplink: { ...uplink, ...(uplink.caFile ? readUplinkCa(uplink.caFile) : {}) } } : {}),
      ...(tls && tlsPairs.mqttTls
        ? { mqttTls: { port: tls.port, cert: tlsPairs.mqttTls.cert, key: tlsPairs.mqttTls.key } }
        : {}),
      config,
      dataDir: settings.dataDir,
      mqttPort: settings.mqttPort,
      httpPort: settings.httpPort,
      mqttUrl: settings.mqttUrl,
      adminPassword: settings.adminPassword,
      host: settings.host,
      https: tlsPairs.https && { cert: tlsPairs.https.cert, key: tlsPairs.https.key },
      trustedOrigins: settings.trustedOrigins,
      secureCookies: settings.secureCookies,
      trustProxy: settings.trustProxy,
      retentionDays: settings.retentionDays,
      ...(settings.chatterMaxPerMinute === undefined ? {} : { chatterMaxPerMinute: settings.chatterMaxPerMinute }),
      ...(settings.firstReviewAfterS === undefined ? {} : { firstReviewAfterMs: settings.firstReviewAfterS * 1000 }),
      logger,
    });
  } catch (err) {
    // Ended here, not left to an empty loop: sonic-boom's retry of a log line stdout has not taken (every 100 ms while
    // stdout is full, hub/logger.ts) keeps the loop from emptying, and a hub that failed to start with a stdout nobody
    // read (a journal stalled, a terminal paused) ran on for ever, its error said on stderr (review, session 70).
    // `process.exit` flushes the lines waiting for stdout as a stop does: at most LOG_SYNC_FLUSH_MS while it takes
    // nothing, and as long again for the log's end (session 72). startHub has closed what it opened before it threw; stderr is written synchronously (a file, a pipe or
    // a terminal on Linux).
    if (err instanceof DatabaseCheckError) {
      logger.fatal({ exitCode: err.exitCode }, err.message);
      process.stderr.write(`telecare hub: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    logger.fatal({ err }, 'hub could not start');
    const said = portInUse(err, settings) ?? dataDirProblem(err, settings.dataDir) ?? (err as Error).message;
    process.stderr.write(`telecare hub: could not start: ${said}\n`);
    process.exit(1);
  }
  // The start-up's freed memory back to the kernel now, then every minute (off the loop; 1.4-4.8 MB of a flat's RSS).
  const trimmer = startMallocTrim();
  if (!trimmer.available) logger.info('freed memory is not given back to the kernel (native/malloc-trim.c not built)');
  // V8's heap pages the start-up left committed given back once, 2 s after start on an idle loop (native/v8-release.cc).
  // Then, off the loop, the file pages only the start-up read (the node binary's, the libraries', ~30 MB of a flat's
  // resident set; they stay in the page cache): hub/malloc-trim.ts.
  const heapRelease = scheduleV8Release({
    done: (result) => {
      logger.info(result, 'V8 heap pages released after start');
      const queued = releaseFilePagesOnce((pages) => {
        if ('mb' in pages) logger.info({ mappedMb: pages.mb }, 'file pages read at start dropped from resident memory');
        else logger.warn({ err: pages.error }, 'file pages read at start could not be dropped');
      });
      if (!queued) logger.info('file pages read at start stay resident (native/malloc-trim.c not built)');
    },
  });
  if (!heapRelease.available)
    logger.info("V8's heap pages are given back only when V8 chooses (native/v8-release.cc not built)");
  // Password hashes in a plain thread; without the addon, a worker thread (~10 MB more while it lives).
  const scryptMissing = scryptAddonUnavailable();
  if (scryptMissing !== undefined)
    logger.info(
      { reason: scryptMissing },
      'password hashes run in a worker thread (native/scrypt-thread.c not loaded)',
    );
  stopHub = (): void => {
    trimmer.stop();
    heapRelease.stop();
    hub.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  if (stopRequested) stopHub();
  // SIGHUP reloads the configuration instead of ending the hub; a file that does not validate changes nothing. Nor
  // does a missing one: a file moved aside or half copied is no order to drop every home (review, session 59).
  // The layout's gaps are told for each configuration once: a home added or changed by a reload is told then (the hub
  // may have started with no home at all), one unchanged is not told again (review, session 59).
  let adviceGiven = new Set(startAdvice);
  process.on('SIGHUP', () => {
    let next;
    try {
      next = loadHubConfig(settings.config, { required: true });
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
      logger.error(
        { file: settings.config, problems },
        'configuration reload refused; the configuration in force is kept',
      );
      return;
    }
    const advice = looseFileAdvice(settings.config, 'configuration file', configHoldsSecrets(next));
    if (advice) logger.warn(advice);
    try {
      hub.reload(next);
    } catch (err) {
      logger.error({ err }, 'configuration reload failed');
      return;
    }
    for (const line of restartOnlyChanges(config.hub, next.hub)) logger.warn(line);
    const layoutAdvice = configAdvice(next, alertReach(settings));
    for (const line of layoutAdvice) if (!adviceGiven.has(line)) logger.warn(line);
    adviceGiven = new Set(layoutAdvice);
  });
}
