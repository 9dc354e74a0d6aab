// The hub process composed: config → store → broker → ingest → rules → alerts → dashboard; in-process for tests and bench.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createDashboardAnalytics } from '../analytics/dashboard.js';
import { ActivityWorker } from '../analytics/offloop.js';
import { buildApp } from '../dashboard/app.js';
import type { HttpIngestResult } from '../dashboard/deps.js';
import type { HubConfig, RuleDecision, SensorEvent } from '../rules/types.js';
import { AlertService } from './alerts/service.js';
import { EmbeddedBroker, type HubBroker, type SensorIntake } from './broker.js';
import { systemClock, type Clock } from './clock.js';
import { DeviceIndex } from './config.js';
import { Ingest } from './ingest.js';
import { createLogger, type Logger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';
import { MqttCredentials } from './mqtt-auth.js';
import { RoutineReview } from './routine-review.js';
import { RulesRunner } from './rules-runner.js';
import { EventStore, openHubDatabase } from './store.js';
import { parseAlertAckTopic } from './topics.js';

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
  /** HUB_ADMIN_PASSWORD. */
  adminPassword?: string;
  clock?: Clock;
  logger?: Logger;
  metrics?: Registry;
  /** Shows a generated secret to the person starting the hub, once (console, never the log). Default: stdout. */
  announce?: (line: string) => void;
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
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger();
  const log = logger.child({ ns: 'hub' });
  const metrics = options.metrics ?? createMetricsRegistry({ processMetrics: true });
  const announce = options.announce ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const { config } = options;

  mkdirSync(options.dataDir, { recursive: true });
  const db = openHubDatabase(path.join(options.dataDir, 'hub.db'));
  const store = new EventStore(db, clock, metrics, { logger });
  const ingest = new Ingest({ config, index: new DeviceIndex(config), clock, logger, metrics });
  const credentials = new MqttCredentials(db, config);
  // Features of weeks of events take a good part of a second per home: computed in a worker thread, off this loop.
  const activityWorker = new ActivityWorker(db, config);

  // Events waiting for storage or rules; a graceful stop waits for them.
  const inFlight = new Set<Promise<void>>();
  let rules: RulesRunner | undefined;
  let routineReview: RoutineReview | undefined;

  const storeAndRun = (events: SensorEvent[]): Promise<void> => {
    const done = store.append(events).then(() => undefined);
    // The rules see the events now, before the batch's fsync, so an emergency is raised (and its alert stored and
    // published) without waiting for the disk; the sender's acknowledgement still waits for `done`.
    // A rules fault must not fail the intake: failing here would withhold the PUBACK and make the sender send the
    // events again, forever.
    try {
      rules?.feed(events, store.lastReservedId);
    } catch (err) {
      log.error({ err }, 'rules engine failed on new events');
    }
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done)).catch(() => undefined);
    return done;
  };

  const intake: SensorIntake = (topic, payload) => {
    const outcome = ingest.fromMqtt(topic, payload);
    // Nothing to store (a rejection, or only keys ingest ignores): acknowledged at once.
    return outcome.events.length > 0 ? storeAndRun(outcome.events) : undefined;
  };

  // mqtt.js is loaded only in external broker mode: about 6 MB of resident memory the embedded hub does not need.
  const broker: HubBroker = options.mqttUrl
    ? new (await import('./broker-client.js')).ExternalBroker({
        url: options.mqttUrl,
        clientId: `telecare-hub-${config.hub.name}`,
        zigbeeBaseTopic: config.hub.zigbeeBaseTopic,
        intake,
        logger,
      })
    : new EmbeddedBroker({ port: options.mqttPort ?? 1883, host: options.host, credentials, intake, logger });

  const alertService = new AlertService({ db, publisher: broker, config, clock, logger, metrics });
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
  alertService.subscribe(() => store.syncSoon());

  broker.subscribe('telecare/+/alerts/+/ack', (topic, payload, context) => {
    if (parseAlertAckTopic(topic)) alertService.handleAckMessage(topic, payload, context.username);
  });

  const startedAt = clock.now();
  const app = await buildApp({
    db,
    config,
    logger,
    metrics,
    clock,
    adminPassword: options.adminPassword,
    announce,
    alerts: alertService,
    analytics: createDashboardAnalytics(db, config, clock, activityWorker),
    async ingestHttp(body: unknown): Promise<HttpIngestResult> {
      const outcome = ingest.fromHttp(body);
      const first = outcome.rejections[0];
      if (first) return { ok: false, reason: first.reason, message: first.message };
      await storeAndRun(outcome.events);
      return { ok: true, accepted: outcome.events.length };
    },
    health: () => ({ uptimeS: Math.round((clock.now() - startedAt) / 1000), homes: config.homes.length, mqtt: broker.describe() }),
    unassignedDevices: () =>
      store.unassignedDevices().map((d) => ({
        homeId: d.homeId === '' ? null : d.homeId,
        deviceId: d.deviceId,
        firstSeenAt: d.firstSeen,
        lastSeenAt: d.lastSeen,
        source: d.source,
        count: d.count,
      })),
  });

  try {
    const installer = await credentials.ensureInstallerCredential(clock.now());
    if (installer) {
      announce(
        `MQTT installer credential created (shown once, stored only as a hash): username "${installer.username}" password "${installer.password}"`,
      );
    }
    await alertService.start();
    rules = new RulesRunner({
      homes: config.homes,
      store,
      clock,
      logger,
      decide,
      alreadyRaised: (d) => alertService.list({ homeId: d.homeId, from: d.at }).some((a) => a.kind === d.kind),
    });
    rules.start();
    routineReview = new RoutineReview({ db, config, clock, logger, decide, worker: activityWorker });
    routineReview.start();
    await broker.start();
    await app.listen({ port: options.httpPort ?? 8080, host: options.host ?? '0.0.0.0' });
    // From now on a write lock held by another process fails a write at once instead of freezing the loop for up
    // to 5 s: event batches wait in memory, unacknowledged, and are retried (see EventStore.flush).
    db.pragma('busy_timeout = 0');
  } catch (err) {
    routineReview?.stop();
    activityWorker.stop();
    rules?.stop();
    await broker.stop().catch(() => undefined);
    await app.close().catch(() => undefined);
    await alertService.stop().catch(() => undefined);
    store.close();
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
      await app.close();
      await broker.stop();
      await Promise.allSettled([...inFlight]);
      routineReview?.stop();
      activityWorker.stop();
      rules?.stop();
      await alertService.stop();
      store.close();
      db.close();
      log.info('hub stopped');
    })();
    return stopping;
  };

  return { ports: { mqtt: mqttPort, http: httpPort }, config, db, store, broker, alerts: alertService, metrics, app, stop };
}
