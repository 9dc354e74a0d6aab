// The hub process composed: config → store → broker → ingest → rules → alerts → dashboard; in-process for tests and bench.
// First: mqtt-packet's loggers are made when it loads (hub/mqtt-debug.ts).
import './mqtt-debug.js';
import type { Database as Db } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import mqttPacket from 'mqtt-packet';
import { Counter, Gauge, type Registry } from 'prom-client';
import { createDashboardAnalytics } from '../analytics/dashboard.js';
import { ActivityWorker } from '../analytics/offloop.js';
import { buildApp } from '../dashboard/app.js';
import type { HttpIngestResult } from '../dashboard/deps.js';
import { DashboardError, STORAGE_RETRY_AFTER_S } from '../dashboard/errors.js';
import type { RuleDecision, SensorEvent } from '../rules/types.js';
import { BridgeWatch } from './bridge-watch.js';
import type { HubConfig } from './config-types.js';
import { AlertService } from './alerts/service.js';
import { toldOnFall } from './alerts/lifecycle.js';
import { newestAlertSeenAt } from './alerts/query.js';
import { EmbeddedBroker, type HubBroker, type SensorIntake } from './broker.js';
import type { ClientIdHomeTimes } from './client-id-homes.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { DeviceIndex } from './config.js';
import { DatabaseFileWatch } from './database-file-watch.js';
import { keepCopyBeforeUpgrade } from './database-upgrade.js';
import { Ingest } from './ingest.js';
import { createLogger, type Logger } from './logger.js';
import { testHashCost } from './passwords.js';
import { createMetricsRegistry } from './metrics.js';
import { MqttAccess, MqttCredentials } from './mqtt-auth.js';
import { preparePrivateDataDir } from './private-files.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { RoutineReview } from './routine-review.js';
import { RulesRunner } from './rules-runner.js';
import { AckWatermark, type LostEvents } from './ack-watermark.js';
import { RedeliveryCheck } from './redelivery.js';
import { checkFormat, checkIntegrity, DEFAULT_INTEGRITY_CHECK_MS, markFormat, openForStart } from './startup-checks.js';
import { DEFAULT_RETENTION_DAYS, Retention } from './retention.js';
import { StorageHealth } from './storage-health.js';
import { CHATTER_MAX_PER_WINDOW, CHATTER_WINDOW_MS, ChatterLimit } from './chatter.js';
import { EventStore } from './store.js';
import { pressStages } from './press-stages.js';
import { parseAlertAckTopic } from './topics.js';
import type { UplinkOptions } from './uplink.js';

export interface HubOptions {
  config: HubConfig;
  /** Folder of hub.db (created when missing). */
  dataDir: string;
  /** Embedded broker port; 0 picks a free one. Ignored when `mqttUrl` is set. */
  mqttPort?: number;
  httpPort?: number;
  /** Interface to listen on (default all). */
  host?: string;
  /** Use this existing broker instead of the embedded one (HUB_MQTT_URL). */
  mqttUrl?: string;
  /** MQTT over TLS on the embedded broker (HUB_MQTT_TLS_CERT, HUB_MQTT_TLS_KEY, HUB_MQTT_TLS_PORT). */
  mqttTls?: { port: number; cert: Buffer | string; key: Buffer | string };
  /** HUB_ADMIN_PASSWORD. */
  adminPassword?: string;
  clock?: Clock;
  logger?: Logger;
  metrics?: Registry;
  /** Raw events and delivered notifications older than this are pruned (HUB_RETENTION_DAYS, default 400). */
  retentionDays?: number;
  /**
   * Reports one device may make in a minute over MQTT before its repeats of the value it holds are stored as counts
   * instead of rows (HUB_CHATTER_MAX_PER_MINUTE, default CHATTER_MAX_PER_WINDOW; 0: no bound). See hub/chatter.ts.
   */
  chatterMaxPerMinute?: number;
  /** From the start, and from each reload, to the routine review's first round (HUB_FIRST_REVIEW_AFTER_S; 60 s). */
  firstReviewAfterMs?: number;
  /** How long a serial bridge may say offline before its receiver's device is unavailable (BRIDGE_OFFLINE_GRACE_MS). */
  bridgeOfflineGraceMs?: number;
  /** Bound of the database integrity check at start. */
  integrityCheckMs?: number;
  /** Client ids the embedded broker's registry holds before it forgets unused claims (default 10,000; tests). */
  mqttClientIdBound?: number;
  /** How long an address holds an MQTT client id before it is the id's home (hub/client-id-homes.ts; tests). */
  mqttClientIdHomeAfter?: ClientIdHomeTimes;
  /** Shows a generated secret to the person starting the hub, once (console, never the log). Default: stderr. */
  announce?: (line: string) => void;
  /** Serve the dashboard over HTTPS with this certificate and key (PEM; HUB_HTTPS_CERT, HUB_HTTPS_KEY, hub/main.ts). */
  https?: { cert: Buffer | string; key: Buffer | string };
  /** Origins besides the hub's own whose pages may change state (HUB_TRUSTED_ORIGINS). */
  trustedOrigins?: string[];
  /** `Secure` session cookies behind a TLS proxy (HUB_SECURE_COOKIES=1); default: when serving HTTPS. */
  secureCookies?: boolean;
  /** A reverse proxy on the Pi names the clients in X-Forwarded-For (HUB_TRUST_PROXY=1): the login throttle's address. */
  trustProxy?: boolean;
  /** Forward alerts and daily features to an alarm receiving centre (HUB_UPLINK_URL, HUB_ID...; SPEC 10). */
  uplink?: UplinkOptions;
}

export interface RunningHub {
  ports: { mqtt: number | null; http: number };
  config: HubConfig;
  db: Db;
  store: EventStore;
  broker: HubBroker;
  alerts: AlertService;
  metrics: Registry;
  app: FastifyInstance;
  /** Graceful stop: stop input, finish writes, publish offline, close the database. */
  stop(): Promise<void>;
  /**
   * Apply a validated configuration without stopping (SIGHUP): homes, devices, rule parameters, responders,
   * ladders and MQTT users. Ports, data folder and the hub section take effect at the next start.
   */
  reload(config: HubConfig): void;
}

/** How often start-up writes refused by a full disk are tried again. */
const STARTUP_WRITES_RETRY_MS = 2_000;

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const logger = options.logger ?? createLogger();
  const dbFile = preparePrivateDataDir(options.dataDir);
  // Before anything is read or written: a second hub on the folder stops here (hub/data-dir-lock.ts).
  const lock = lockDataDir(options.dataDir, logger.child({ ns: 'hub' }));
  try {
    return await startHubHolding(options, logger, dbFile, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startHubHolding(
  options: HubOptions,
  logger: Logger,
  dbFile: string,
  lock: DataDirLock,
): Promise<RunningHub> {
  const clock = options.clock ?? systemClock;
  const log = logger.child({ ns: 'hub' });
  const metrics = options.metrics ?? createMetricsRegistry({ processMetrics: true });
  // stderr, not stdout: the log stream (pino) is stdout and may be collected; a secret must not end up there.
  const announce = options.announce ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const { config } = options;
  // The configuration in force; replaced as a whole by reload().
  let current = config;
  // The homes' time zones by id, for the uplink (each alert version it queues, inside the version's transaction): made
  // again only when a reload puts another configuration in force, not a scan of the homes per alert.
  let zones: { of: HubConfig; byHome: ReadonlyMap<string, string> } | undefined;
  const homeZones = (): ReadonlyMap<string, string> => {
    if (zones?.of !== current) zones = { of: current, byHome: new Map(current.homes.map((h) => [h.id, h.timezone])) };
    return zones.byHome;
  };

  if (testHashCost()) {
    log.warn(
      'passwords hashed at the test suite cost (TELECARE_TEST_LOW_HASH_COST=1, NODE_ENV=test): not for a real install',
    );
  }
  await checkIntegrity(dbFile, options.integrityCheckMs ?? DEFAULT_INTEGRITY_CHECK_MS, log);
  keepCopyBeforeUpgrade(dbFile, log);
  const { db, exclusive } = openForStart(dbFile, log);
  const storage = new StorageHealth(metrics, logger, () => clock.now());
  const fileWatch = new DatabaseFileWatch({ db, file: dbFile, storage, logger, now: () => clock.now() });
  let store: EventStore;
  try {
    checkFormat(db, dbFile);
    // Opened exclusive (a full disk at start): no worker's connection can checkpoint the WAL; this one does.
    store = new EventStore(db, clock, metrics, {
      logger,
      writeHealth: storage,
      ...(exclusive ? { syncOffLoop: false } : {}),
    });
  } catch (err) {
    db.close();
    throw err;
  }
  await storage.deferUntilWritable('format-mark', () => markFormat(db));
  const watermark = new AckWatermark(`${dbFile}.acked`, (err) => storage.failed('ack-watermark', err));
  const lostEvents: LostEvents | undefined = watermark.check(store.lastReservedId);
  if (lostEvents) {
    log.error(
      { ...lostEvents, lost: lostEvents.acknowledgedUpTo - lostEvents.storedUpTo },
      'the database lost events it had acknowledged (a truncated or deleted WAL, or an older copy restored)',
    );
  }
  const index = new DeviceIndex(config);
  const ingest = new Ingest({ config, index, clock, logger, metrics });
  const mqttAccess = new MqttAccess(index, config.hub.zigbeeBaseTopic);
  const credentials = new MqttCredentials(db, config);
  for (const user of config.mqttUsers) {
    if ((user.role === 'device' || user.role === 'bridge') && user.homes === undefined) {
      log.warn(
        { username: user.username },
        'MQTT credential without "homes": it may publish no sensor data (give its homes, or "*")',
      );
    }
  }
  // Features of weeks of events take a good part of a second per home: computed in a worker thread, off this loop.
  const activityWorker = new ActivityWorker(db, config);

  // Events waiting for storage or rules; a graceful stop waits for them.
  const inFlight = new Set<Promise<void>>();
  let rules: RulesRunner | undefined;
  let routineReview: RoutineReview | undefined;

  // The appends of one batch share the store's promise: its watermark write and in-flight entry are made once per
  // batch, not once per message (at tens of thousands of messages a second that garbage was a fifth of the CPU).
  const durableBatches = new WeakMap<Promise<number>, Promise<void>>();
  const advanceMark = (lastId: number): Promise<void> => watermark.advance(lastId);
  /** The promise a sender's acknowledgement waits for: the batch on disk, and the acknowledgement mark after it. */
  const durable = (batch: Promise<number>): Promise<void> => {
    let done = durableBatches.get(batch);
    if (done === undefined) {
      const settled = batch.then(advanceMark);
      durableBatches.set(batch, settled);
      inFlight.add(settled);
      // One reaction, either way (a `finally` and its `catch` made four promises and their closures per batch).
      const forget = (): void => {
        inFlight.delete(settled);
      };
      settled.then(forget, forget);
      done = settled;
    }
    return done;
  };
  const storeAndRun = (events: SensorEvent[]): Promise<void> => {
    const batch = store.appendToBatch(events);
    pressStages?.mark('rules');
    // The rules see the events now, before the batch's fsync, so an emergency is raised (and its alert stored and
    // published) without waiting for the disk; the sender's acknowledgement still waits for `durable(batch)`.
    // A rules fault must not fail the intake: failing here would withhold the PUBACK and make the sender send the
    // events again, forever.
    try {
      rules?.feed(events, store.lastReservedId);
    } catch (err) {
      log.error({ err }, 'rules engine failed on new events');
    }
    // The acknowledgement's bookkeeping (two promises, the batch's entries) after the rules, so that a press's alert
    // is on the wire first; the batch cannot settle before this turn ends, so nothing is missed (session 66).
    return durable(batch);
  };

  const redelivery = new RedeliveryCheck(db, () => watermark.durableUpTo, metrics);
  const chatterMax = options.chatterMaxPerMinute ?? CHATTER_MAX_PER_WINDOW;
  const chatter =
    chatterMax > 0 ? new ChatterLimit({ windowMs: CHATTER_WINDOW_MS, maxPerWindow: chatterMax }) : undefined;
  const repeatsCounted = new Counter({
    name: 'telecare_ingest_repeats_counted_total',
    help: "A chattering device's repeats of the value it holds, past its bound a minute: stored as a count per device, value and minute (event_repeats) instead of a row each, acknowledged after the same fsync",
    registers: [metrics],
  });
  if (chatter)
    new Gauge({
      name: 'telecare_ingest_chattering_devices',
      help: 'Devices whose repeats were stored as counts in the current or the previous minute (which ones: /api/health ingest.chattering)',
      registers: [metrics],
      collect(this: Gauge) {
        this.set(chatter.chattering(clock.now(), Infinity).length);
      },
    });
  let chatterWarnedAt = -Infinity;
  let chatterUnlogged = 0;
  /** Repeats of a chattering device stored as counts: counted; one warning a minute at most (device id and count). */
  const chatterCounted = (device: string, counted: number): void => {
    repeatsCounted.inc(counted);
    const now = clock.now();
    if (now - chatterWarnedAt < CHATTER_WINDOW_MS && now >= chatterWarnedAt) {
      chatterUnlogged += counted;
      return;
    }
    chatterWarnedAt = now;
    log.warn(
      { device, counted: counted + chatterUnlogged, maxPerMinute: chatterMax },
      'chattering device: repeats of the value it holds past the bound stored as counts, not rows (changes of state kept; logged once a minute)',
    );
    chatterUnlogged = 0;
  };
  /** `redelivered`: the broker says it may have sent this message before (DUP), as the external broker's client does. */
  const intake = (topic: string, payload: Buffer, redelivered = false): ReturnType<SensorIntake> => {
    const outcome = ingest.fromMqtt(topic, payload);
    pressStages?.mark('ingested');
    // Events already stored (sent again after a lost PUBACK) are acknowledged, not stored or acted on twice.
    const fresh = redelivered && outcome.events.length > 0 ? redelivery.notYetStored(outcome.events) : outcome.events;
    // A chattering device's repeats past its bound go to a count in the same batch (hub/chatter.ts): stored, not
    // rows, and not run through the rules (a repeat of the value held is no change). Emergencies and changes of state
    // are always rows.
    let events = fresh;
    if (chatter !== undefined && fresh.length > 0) {
      events = chatter.admit(fresh, clock.now(), store);
      if (chatter.lastCounted > 0) {
        chatterCounted(chatter.lastDevice!, chatter.lastCounted);
        // Every report counted: acknowledged once the batch that holds the count is on disk.
        if (events.length === 0) return durable(store.batchDurable());
      }
    }
    // Nothing to store (a rejection, or only keys ingest ignores): acknowledged at once.
    return events.length > 0 ? storeAndRun(events) : undefined;
  };

  // mqtt-packet (aedes' and mqtt.js's writer) otherwise builds a 2-byte Buffer for each of the 65,536 packet ids on
  // its first write and keeps them for the life of the process: 6.7 MB of old space, a quarter of a one-flat hub's
  // heap. Without the cache each id written allocates its 2 bytes.
  mqttPacket.writeToStream.cacheNumbers = false;

  // mqtt.js is loaded only in external broker mode: about 6 MB of resident memory the embedded hub does not need.
  const broker: HubBroker = options.mqttUrl
    ? new (await import('./broker-client.js')).ExternalBroker({
        url: options.mqttUrl,
        clientId: `telecare-hub-${config.hub.name}`,
        zigbeeBaseTopic: config.hub.zigbeeBaseTopic,
        intake,
        logger,
        onRetainedSensorMessage: () => ingest.countRejected('retained'),
        // Every (re)connection: a broker that restarted without persistence has lost the open alerts' retained copies.
        onConnect: () => alertService.restateOpen(),
      })
    : new EmbeddedBroker({
        port: options.mqttPort ?? 1883,
        host: options.host,
        credentials,
        access: mqttAccess,
        intake,
        logger,
        metrics,
        onOversizedPacket: () => ingest.countRejected('too-large'),
        ...(options.mqttTls ? { tls: options.mqttTls } : {}),
        ...(options.mqttClientIdBound === undefined ? {} : { clientIdBound: options.mqttClientIdBound }),
        ...(options.mqttClientIdHomeAfter === undefined ? {} : { clientIdHomeAfter: options.mqttClientIdHomeAfter }),
      });

  // The uplink (and mqtt.js with it) is loaded only when one is configured (HUB_UPLINK_URL): a hub without a centre
  // does not carry it.
  const uplink =
    options.uplink &&
    new (await import('./uplink.js')).Uplink({
      db,
      clock,
      logger,
      metrics,
      options: options.uplink,
      features: { worker: activityWorker, homes: () => current.homes },
      homeZone: (homeId) => homeZones().get(homeId),
    });
  const alertService = new AlertService({
    db,
    publisher: broker,
    config,
    clock,
    logger,
    metrics,
    storage,
    onAlertVersion: uplink && ((message) => uplink.queueAlertVersion(message)),
    onAlertVersionFromMemory: uplink && ((message) => uplink.sendFromMemory(message)),
  });
  const decide = (decisions: RuleDecision[]): void => {
    for (const decision of decisions) {
      try {
        alertService.apply(decision);
      } catch (err) {
        log.error({ err, kind: decision.kind, homeId: decision.homeId }, 'could not carry out a rule decision');
      }
    }
  };

  // Alert changes commit without waiting for the disk (see openHubDatabase); the store's next fsync, off the loop,
  // carries them to it right after their publication, even in a quiet home where no event batch would do it.
  alertService.subscribe(() => storage.guard('wal-sync', () => store.syncSoon()));

  broker.subscribe('telecare/+/alerts/+/ack', (topic, payload, context) => {
    if (parseAlertAckTopic(topic))
      alertService.handleAckMessage(topic, payload, context.username, Boolean(options.mqttUrl));
  });

  // A serial bridge saying offline past its grace (its receiver unplugged, or the bridge lost) makes its receiver's
  // device unavailable, so sensor-offline calls it in minutes rather than after 25 h of silence (hub/bridge-watch.ts).
  const bridgeWatch = new BridgeWatch({
    clock,
    logger,
    ...(options.bridgeOfflineGraceMs !== undefined ? { graceMs: options.bridgeOfflineGraceMs } : {}),
    mayReportFor: (homeId, username) => credentials.maySendFor(username, homeId),
    homesServedBy: (name) => current.homes.filter((h) => h.devices.some((d) => d.id === name)).map((h) => h.id),
    report: (homeId, deviceId, online) => {
      const outcome = ingest.receiverAvailability(homeId, deviceId, online);
      if (outcome.events.length === 0) return;
      storeAndRun(outcome.events).catch((err: unknown) =>
        log.error({ err, homeId }, "could not store a serial receiver's availability"),
      );
    },
  });
  broker.subscribe('telecare/bridge/+/status', (topic, payload, context) =>
    bridgeWatch.onStatus(topic, payload, context.username),
  );

  const retention = new Retention({
    db,
    clock,
    logger,
    storage,
    retentionDays: options.retentionDays ?? DEFAULT_RETENTION_DAYS,
  });

  const startRules = (forConfig: HubConfig, reload = false): RulesRunner => {
    const runner = new RulesRunner({
      reload,
      homes: forConfig.homes,
      store,
      clock,
      logger,
      decide,
      storageFailed: (where, err) => storage.failed(where, err),
      // A pendant press's alert is stored and published first; the rules' bookkeeping of the press (a fifth of the
      // press's turn: activity, learned normal, every rule's timers) runs after it went out. Two immediates: aedes
      // delivers from an immediate of its own, queued by the publish's promise chain after this turn.
      deferRest: (finish) => setImmediate(() => setImmediate(finish)),
      // Raised or repeated since: a press merged into the open alert (pressed again) was carried out too, by moving
      // its last seen, not its raise; taken for news, it was counted again, or raised anew once the alert was resolved
      // (review, session 58).
      // A silence told on the home's open fall alert (`laterSilence`, session 66) was carried out by that fall's merge.
      alreadyRaised: (d) =>
        alertService
          .list({ homeId: d.homeId, seenFrom: d.at })
          .some((a) => a.kind === d.kind || toldOnFall(a, d.kind, d.at)),
      // What the rules decided before this start reached the newest alert's last sighting (a silence called after the
      // last event stored): brought that far at a start on a clock that reads behind (review, session 67).
      reachedAt: () => newestAlertSeenAt(db),
      // Alerts stamped while the clock reads behind get their times corrected when it steps forward (docs/time.md).
      clockInDoubt: (inDoubt, leadMs) => alertService.clockInDoubt(inDoubt, leadMs),
      // Pre-alert changes wait for their window (hub/alerts/prealerts.ts): stored before a snapshot that knows of them.
      beforeSnapshot: () => alertService.storePrealertsNow(),
    });
    runner.start();
    return runner;
  };
  /** The routine review for `forConfig`, started: at the start and at each reload. */
  const startRoutineReview = (forConfig: HubConfig): RoutineReview => {
    const review = new RoutineReview({
      db,
      config: forConfig,
      clock,
      logger,
      decide,
      worker: activityWorker,
      firstAfterMs: options.firstReviewAfterMs,
    });
    review.start();
    return review;
  };

  const startedAt = clock.now();
  const appDeps: Parameters<typeof buildApp>[0] = {
    db,
    config,
    logger,
    metrics,
    clock,
    adminPassword: options.adminPassword,
    announce,
    https: options.https,
    trustedOrigins: options.trustedOrigins,
    secureCookies: options.secureCookies,
    trustProxy: options.trustProxy,
    alerts: alertService,
    // The configuration in force at each request: a reload's homes are counted in the council report.
    analytics: createDashboardAnalytics(db, () => appDeps.config, clock, activityWorker),
    deviceLiveness: (homeId) => rules?.deviceLiveness(homeId),
    async ingestHttp(body: unknown): Promise<HttpIngestResult> {
      const outcome = ingest.fromHttp(body);
      const first = outcome.rejections[0];
      if (first) {
        // The emergencies of a refused body are taken all the same (ingest.fromHttp, review session 65): raised at once;
        // storage failing costs their rows, not their alerts (counted by the storage health), and the 400 stands.
        const taken = outcome.events.length;
        if (taken > 0) await storeAndRun(outcome.events).catch(() => undefined);
        const rejected = outcome.rejections
          .slice(0, 10)
          .map((r) => ({ index: r.index ?? 0, reason: r.reason, message: r.message }));
        const message =
          `event ${first.index ?? 0}: ${first.message}` +
          (outcome.rejections.length > 1 ? ` (and ${outcome.rejections.length - 1} more refused)` : '') +
          (taken > 0
            ? `; ${taken} emergency event${taken > 1 ? 's' : ''} of it (pendant, fall, smoke, co, gas, water) taken at ` +
              'once, nothing else stored: send the body again without the refused events (an emergency sent again ' +
              'with its own ts is known as a copy)'
            : '; nothing stored: send the body again without the refused events');
        return { ok: false, reason: first.reason, message, rejected };
      }
      try {
        await storeAndRun(outcome.events);
      } catch {
        // The rules saw the events (an alert they raise goes out); the sender is told to send them again, as an MQTT
        // sender is by the missing PUBACK. Counted and logged once per episode by the storage health, not per request.
        throw new DashboardError('STORAGE_UNAVAILABLE', undefined, STORAGE_RETRY_AFTER_S);
      }
      return { ok: true, accepted: outcome.events.length };
    },
    health: () => {
      const storageStatus = storage.status();
      const centreLink = uplink?.centreLink();
      return {
        // An uplink refused (mqtt:// to another machine) forwards nothing to the centre: said, not silent.
        // So is one whose centre refuses what it publishes (kept queued; session 75), and alerts not reaching the
        // centre for any reason the console's banner says (out of reach for minutes with alerts waiting, held under an
        // earlier HUB_ID; review, session 76: a monitor reading `status` saw "ok" while the banner said otherwise).
        ...(storageStatus.state === 'degraded' ||
        options.uplink?.refused ||
        uplink?.refusing() ||
        centreLink?.reaching === false
          ? { status: 'degraded' }
          : {}),
        uptimeS: Math.round((clock.now() - startedAt) / 1000),
        homes: current.homes.length,
        mqtt: broker.describe(),
        storage: { ...storageStatus, ...(lostEvents ? { lostAcknowledgedEvents: lostEvents } : {}) },
        ...(uplink ? { uplink: uplink.describe(), centreLink } : {}),
        ...(chatter && chatter.counted > 0
          ? { ingest: { repeatsCounted: chatter.counted, chattering: chatter.chattering(clock.now()) } }
          : {}),
        ...(alertService.describe().escalationsRerouted ? { alerts: alertService.describe() } : {}),
      };
    },
  };
  const app = await buildApp(appDeps);

  try {
    // Open alerts are restated once the broker is up (below, or on each connection to an external broker).
    await alertService.start({ restate: false });
    uplink?.start(alertService);
    rules = startRules(config);
    routineReview = startRoutineReview(config);
    await broker.start();
    if (broker instanceof EmbeddedBroker) alertService.restateOpen();
    await app.listen({ port: options.httpPort ?? 8080, host: options.host ?? '0.0.0.0' });
    // Made and shown only once the hub serves: a start that fails before (a port taken) stores no credential that
    // the next start would not show again. On a full disk it is made (and shown) once the disk takes writes again.
    await storage.deferUntilWritable('installer-credential', async () => {
      const installer = await credentials.ensureInstallerCredential(clock.now());
      if (installer) {
        announce(
          installer.replaced
            ? `MQTT installer credential given a new password (nobody has logged in with the one an earlier start ` +
                `showed, which no longer works; stored only as a hash; shown at each start until someone logs in ` +
                `with it): username "${installer.username}" password "${installer.password}"`
            : `MQTT installer credential created (stored only as a hash; shown at each start until someone logs in ` +
                `with it): username "${installer.username}" password "${installer.password}"`,
        );
      }
    });
    // From now on a write lock held by another process fails a write at once instead of freezing the loop for up
    // to 5 s: event batches wait in memory, unacknowledged, and are retried (see EventStore.flush).
    db.pragma('busy_timeout = 0');
    retention.start();
    fileWatch.start();
  } catch (err) {
    await retention.stop();
    routineReview?.stop();
    await activityWorker.stop();
    rules?.stop();
    await uplink?.stop().catch(() => undefined);
    await broker.stop().catch(() => undefined);
    await app.close().catch(() => undefined);
    await alertService.stop().catch(() => undefined);
    store.close();
    await watermark.close();
    db.close();
    throw err;
  }
  const address = app.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : (options.httpPort ?? 8080);
  const mqttPort = broker instanceof EmbeddedBroker ? broker.port : null;
  log.info({ httpPort, mqttPort, homes: config.homes.length }, 'hub started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('hub stopping');
      if (startupWritesRetry) clock.clearTimer(startupWritesRetry);
      fileWatch.stop();
      await retention.stop();
      await app.close();
      await broker.stop();
      await uplink?.stop();
      await Promise.allSettled([...inFlight]);
      routineReview?.stop();
      bridgeWatch.stop();
      await activityWorker.stop();
      rules?.stop();
      await alertService.stop();
      store.close();
      await watermark.close();
      // A write-back of a lost database file reads from this connection: it ends first.
      await fileWatch.restored;
      db.close();
      lock.release();
      log.info('hub stopped');
    })();
    return stopping;
  };

  // Start-up writes a full disk refused are made once it takes writes again; storage is degraded until then.
  let startupWritesRetry: TimerHandle | undefined;
  const retryStartupWrites = (): void => {
    startupWritesRetry = undefined;
    if (stopping || storage.status().pendingStartupWrites.length === 0) return;
    startupWritesRetry = clock.setTimer(clock.now() + STARTUP_WRITES_RETRY_MS, () => {
      void storage.retryDeferred().then(() => retryStartupWrites());
    });
  };
  retryStartupWrites();

  const reload = (next: HubConfig): void => {
    if (stopping) return;
    const nextIndex = new DeviceIndex(next);
    ingest.setConfig(next, nextIndex);
    mqttAccess.setIndex(nextIndex);
    const changedCredentials = credentials.setConfig(next);
    // A connection keeps the rights it logged in with: one whose credential was removed or changed is closed.
    if (broker instanceof EmbeddedBroker) broker.disconnectUsers(changedCredentials);
    alertService.setConfig(next);
    activityWorker.setConfig(next);
    appDeps.config = next;
    // The rules restart as after a restart: from their snapshot (saved by stop), with the new homes and parameters.
    routineReview?.stop();
    rules?.stop();
    rules = startRules(next, true);
    routineReview = startRoutineReview(next);
    current = next;
    log.info({ homes: next.homes.length, responders: next.responders.length }, 'configuration reloaded');
  };

  return {
    ports: { mqtt: mqttPort, http: httpPort },
    get config() {
      return current;
    },
    db,
    store,
    broker,
    alerts: alertService,
    metrics,
    app,
    stop,
    reload,
  };
}
