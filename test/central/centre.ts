// Test set-up of a real centre: PostgreSQL (unsafeFast) and a 3-node NATS cluster with the MQTT gateway on free
// ports in a temp folder, hub users, worker processes; every process stopped by pid. Skips when either is missing.
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { silentLogger } from '../../hub/logger.js';
import { NATS_SERVER, createLayout, startCluster, withHubs, type NatsCluster } from '../../central/nats-cluster.js';
import { hashPassword, type ClusterLayout } from '../../central/nats-config.js';
import { postgresBinDir, startLocalPostgres, type LocalPostgres } from '../../central/postgres.js';
import { seedPostgresData } from '../support/pg-template.js';
import { migrateCentral } from '../../central/schema.js';
import { DURABLE, STREAM } from '../../central/stream.js';
import { startWorkerPool, type WorkerPool, type WorkerSettings } from '../../central/workers.js';
import { startWorker, type RunningWorker } from '../../central/worker.js';
import { freePort } from '../hub/helpers.js';
import { DEFAULT_UPLINK_MAX_QUEUE } from '../../hub/uplink-settings.js';
import type { UplinkOptions } from '../../hub/uplink.js';

/** Why the centre's tests cannot run here, or undefined. CI installs both (`.ci/run`). */
export function centreMissing(): string | undefined {
  if (!fs.existsSync(NATS_SERVER))
    return `nats-server is not installed at ${NATS_SERVER} (apt-get install nats-server)`;
  try {
    postgresBinDir();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return undefined;
}

/** Test hubs' passwords (bcrypt cost 4 in tests: the lowest, so connects stay cheap). */
export const hubPassword = (hubId: string): string => `password-of-${hubId}-for-tests`;

/** A hub's uplink to the test centre's MQTT gateway (its first node) as `hubId`, with that hub's own credential. */
export function centreUplink(centre: TestCentre, hubId = 'hub1', more: Partial<UplinkOptions> = {}): UplinkOptions {
  return {
    url: `mqtt://127.0.0.1:${String(centre.cluster.layout.nodes[0]?.mqtt ?? 0)}`,
    hubId,
    username: hubId,
    password: hubPassword(hubId),
    caFile: undefined,
    councilKey: undefined,
    maxQueue: DEFAULT_UPLINK_MAX_QUEUE,
    reconnectMs: 200,
    ...more,
  };
}

/** `hubId`'s MQTT connection to the first node's gateway, as its uplink makes it (clean session, no reconnection). */
export async function hubOverMqtt(centre: TestCentre, hubId: string): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync({
    host: '127.0.0.1',
    port: centre.cluster.layout.nodes[0]?.mqtt ?? 0,
    username: hubId,
    password: hubPassword(hubId),
    clientId: `telecare-uplink-${hubId}`,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
}

/** A NATS connection to the cluster as the workers' user (to look at or change their consumer). */
export async function workerNats(centre: TestCentre): Promise<NatsConnection> {
  return connect({
    servers: centre.cluster.natsUrls,
    user: centre.workerSettings.natsUser,
    pass: centre.workerSettings.natsPassword,
  });
}

/** A new pendant call `alertId` (version 1, raised now) from `hubId` over its MQTT connection, QoS 1. */
export async function callOverMqtt(hub: mqtt.MqttClient, hubId: string, alertId: string): Promise<void> {
  await hub.publishAsync(
    `telecare-up/${hubId}/alerts/${alertId}`,
    JSON.stringify({
      hubId,
      alertId,
      version: 1,
      alert: { kind: 'pendant', severity: 'critical', state: 'raised', raisedAt: new Date().toISOString() },
    }),
    { qos: 1 },
  );
}

/** A centre with one worker in this process, `hubId` over MQTT and a NATS connection as the workers' user. */
export interface CentreWithWorker {
  centre: TestCentre;
  worker: RunningWorker;
  hub: mqtt.MqttClient;
  nc: NatsConnection;
  /** Stops all four, the hub's connection first. */
  stop(): Promise<void>;
}

export async function centreWithWorker(
  dir: string,
  hubId: string,
  options: { silenceMs?: number; sweepEveryMs?: number } = {},
): Promise<CentreWithWorker> {
  const centre = await startTestCentre(dir, [hubId], options);
  let worker: RunningWorker | undefined;
  let hub: mqtt.MqttClient | undefined;
  let nc: NatsConnection | undefined;
  const stop = async (): Promise<void> => {
    await hub?.endAsync();
    await nc?.close();
    await worker?.stop();
    await centre.stop();
  };
  try {
    worker = await startWorker({ ...centre.workerSettings, log: silentLogger });
    hub = await hubOverMqtt(centre, hubId);
    nc = await workerNats(centre);
    return { centre, worker, hub, nc, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** One heartbeat from `hubId` over the first node's MQTT gateway, as its uplink sends it; then a clean leave (no will). */
export async function heartbeatOverMqtt(centre: TestCentre, hubId: string): Promise<void> {
  const hub = await hubOverMqtt(centre, hubId);
  await hub.publishAsync(
    `telecare-up/${hubId}/heartbeat`,
    JSON.stringify({ hubId, at: new Date().toISOString(), uptimeS: 1, queue: 0, openAlerts: 0 }),
    { qos: 1 },
  );
  await hub.endAsync();
}

/**
 * Messages of the workers' consumer not yet acknowledged (waiting undelivered, and delivered but not acknowledged), and
 * how many it has delivered again.
 */
export async function consumerBacklog(
  centre: TestCentre,
): Promise<{ pending: number; ackPending: number; redelivered: number }> {
  const nc = await connect({
    servers: centre.cluster.natsUrls,
    user: centre.cluster.layout.centreUser,
    pass: centre.centrePassword,
  });
  try {
    const info = await (await nc.jetstreamManager()).consumers.info(STREAM, DURABLE);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
  } finally {
    await nc.close();
  }
}

export interface TestCentre {
  dir: string;
  postgres: LocalPostgres;
  cluster: NatsCluster;
  centrePassword: string;
  pool: pg.Pool;
  workerSettings: WorkerSettings;
  workers?: WorkerPool;
  startWorkers(count: number): Promise<WorkerPool>;
  stop(): Promise<void>;
}

export async function startTestCentre(
  dir: string,
  hubIds: readonly string[],
  options: { silenceMs?: number; sweepEveryMs?: number } = {},
): Promise<TestCentre> {
  await seedPostgresData(path.join(dir, 'pg'));
  const postgres = await startLocalPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), unsafeFast: true });
  let cluster: NatsCluster | undefined;
  try {
    // Ports are chosen free, then bound by nats-server a moment later: a test file running beside this one can take
    // one in between. A cluster that does not start is started again on other ports (three tries).
    let layout: ClusterLayout | undefined;
    let centrePassword = '';
    for (let attempt = 1; !cluster; attempt++) {
      ({ layout, centrePassword } = await createLayout({
        dir: path.join(dir, `nats-${String(attempt)}`),
        bcryptCost: 4,
      }));
      try {
        cluster = await startCluster(
          withHubs(
            layout,
            hubIds.map((hubId) => ({ hubId, passwordHash: hashPassword(hubPassword(hubId), 4) })),
          ),
        );
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
    if (!layout) throw new Error('no cluster layout');
    const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
    pool.on('error', () => undefined);
    const client = await pool.connect();
    await migrateCentral(client);
    client.release();
    const workerSettings: WorkerSettings = {
      natsUrls: cluster.natsUrls,
      natsUser: layout.centreUser,
      natsPassword: centrePassword,
      databaseUrl: postgres.url,
      mqttUrls: cluster.mqttUrls,
      silenceMs: options.silenceMs,
      sweepEveryMs: options.sweepEveryMs,
      logLevel: 'error',
    };
    const runningCluster = cluster;
    const centre: TestCentre = {
      dir,
      postgres,
      cluster: runningCluster,
      centrePassword,
      pool,
      workerSettings,
      async startWorkers(count) {
        const workers = startWorkerPool(count, workerSettings, silentLogger);
        centre.workers = workers;
        await workers.ready();
        return workers;
      },
      async stop() {
        await centre.workers?.stop();
        await pool.end().catch(() => undefined);
        await runningCluster.stop();
        await postgres.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
    return centre;
  } catch (err) {
    await cluster?.stop();
    await postgres.kill();
    throw err;
  }
}
