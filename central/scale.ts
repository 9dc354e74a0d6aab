// `npm run central:scale -- --hubs N [--json]` (SPEC 11, Central): N simulated hubs through the MQTT gateways of a
// local 3-node cluster into the workers and PostgreSQL; measures hub -> stored and NOTIFYed latency, kills a NATS node
// and a worker mid-run and checks nothing is lost or duplicated, and times a silenced hub until it is flagged.
import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import type { Socket } from 'node:net';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { connect as natsConnect, type JetStreamManager } from 'nats';
import pg from 'pg';
import { createLogger } from '../hub/logger.js';
import { createOperator } from './console/index.js';
import { createLayout, startCluster, withHubs, type NatsCluster } from './nats-cluster.js';
import { hashPassword } from './nats-config.js';
import { startLocalPostgres, type LocalPostgres } from './postgres.js';
import { ALERT_CHANNEL } from './schema.js';
import { DURABLE, STREAM } from './stream.js';
import { startWorkerPool, type WorkerPool } from './workers.js';
import type { BatchTrace } from './worker.js';
import { freePort } from './nats-cluster.js';
import { readSseBlocks } from './console/sse-blocks.js';
import { fileURLToPath } from 'node:url';

/** The console's own process (next to this file in dist/). */
const CONSOLE_MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'console', 'console-main.js');

interface ScaleOptions {
  hubs: number;
  durationS: number;
  alertsPerS: number;
  workers: number;
  silenceS: number;
  json: boolean;
  /** Leave the NATS node and the worker alone (to compare the latency with and without the kills). */
  noKill: boolean;
  /** Kill the node that leads this (the stream or the workers' consumer) at the kill, instead of always `n2`. */
  killLeader?: 'stream' | 'consumer';
}

function parseArgs(argv: readonly string[]): ScaleOptions {
  const options: ScaleOptions = {
    hubs: 100,
    durationS: 60,
    alertsPerS: 20,
    workers: 2,
    silenceS: 180,
    json: false,
    noKill: false,
  };
  const numeric: Record<string, keyof ScaleOptions> = {
    '--hubs': 'hubs',
    '--duration-s': 'durationS',
    '--alerts-per-s': 'alertsPerS',
    '--workers': 'workers',
    '--silence-s': 'silenceS',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--json') options.json = true;
    else if (arg === '--no-kill') options.noKill = true;
    else if (arg === '--kill-leader') {
      const which = argv[++i];
      if (which !== 'stream' && which !== 'consumer') throw new Error('--kill-leader needs stream or consumer');
      options.killLeader = which;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        'npm run central:scale -- [--hubs 100] [--duration-s 60] [--alerts-per-s 20] [--workers 2] [--silence-s 180] [--no-kill | --kill-leader stream|consumer] [--json]\n',
      );
      process.exit(0);
    } else if (Object.hasOwn(numeric, arg)) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${arg} needs a positive number`);
      (options as unknown as Record<string, number>)[numeric[arg] as string] = value;
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  return options;
}

/** SPEC 11's targets for the centre. */
const TARGET_P99_MS = 250;
/** A hub silent for the threshold is flagged within threshold + 30 s (3.5 min for the 3 min default). */
const FLAG_MARGIN_S = 30;
const HEARTBEAT_MS = 30_000;
/** A version the client gave up (no PUBACK) is sent again after this, as the hub's uplink queue does. */
const RESEND_MS = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface SimHub {
  id: string;
  client: MqttClient;
  silent: boolean;
  /** When this hub last published anything (the centre's last contact, near enough). */
  lastSentMs: number;
  /** CONNACKs received (1 = never reconnected). */
  connects: number;
  timer?: NodeJS.Timeout;
}

/** What the simulator knows of one alert version it sent: when publish was called and when its PUBACK came. */
interface SentVersion {
  sentMs: number;
  /** The gateway port the client was using (or trying) when publish was called. */
  portAtSend: number;
  connectedAtSend: boolean;
  pubackMs?: number;
  portAtPuback?: number;
  /** The last error mqtt.js gave when it gave the message up, and how often it was sent again since. */
  error?: string;
  resends?: number;
}

/** The stream's and the consumer's state at one moment of the run (why: to see where a lost version went). */
interface JetStreamSnapshot {
  at: string;
  atS: number;
  stream?: { messages: number; firstSeq: number; lastSeq: number; deleted: number; leader?: string; replicas: string };
  consumer?: {
    numPending: number;
    ackPending: number;
    redelivered: number;
    delivered: number;
    ackFloor: number;
    leader?: string;
    replicas: string;
  };
  error?: string;
}

async function snapshotJetStream(jsm: JetStreamManager, at: string, startMs: number): Promise<JetStreamSnapshot> {
  const snap: JetStreamSnapshot = { at, atS: Math.round((Date.now() - startMs) / 100) / 10 };
  try {
    const s = await jsm.streams.info(STREAM);
    const replicas = (s.cluster?.replicas ?? []).map((r) => `${r.name}:${r.current ? 'current' : 'behind'}`).join(',');
    snap.stream = {
      messages: s.state.messages,
      firstSeq: s.state.first_seq,
      lastSeq: s.state.last_seq,
      deleted: s.state.num_deleted,
      leader: s.cluster?.leader,
      replicas,
    };
    const c = await jsm.consumers.info(STREAM, DURABLE);
    snap.consumer = {
      numPending: c.num_pending,
      ackPending: c.num_ack_pending,
      redelivered: c.num_redelivered,
      delivered: c.delivered.stream_seq,
      ackFloor: c.ack_floor.stream_seq,
      leader: c.cluster?.leader,
      replicas: (c.cluster?.replicas ?? []).map((r) => `${r.name}:${r.current ? 'current' : 'behind'}`).join(','),
    };
  } catch (err) {
    snap.error = err instanceof Error ? err.message : String(err);
  }
  return snap;
}

async function connectHub(id: string, cluster: NatsCluster, index: number, password: string): Promise<SimHub> {
  const nodes = cluster.layout.nodes;
  // Spread over the gateways; on a lost node the client goes to the next (a real site puts DNS or a balancer there).
  const servers = nodes.map((_, i) => {
    const node = nodes[(index + i) % nodes.length];
    return { host: cluster.layout.host, port: node?.mqtt ?? 0 };
  });
  const client = await mqtt.connectAsync({
    servers,
    username: id,
    password,
    clientId: `telecare-uplink-${id}`,
    clean: false,
    protocolVersion: 4,
    keepalive: 30,
    reconnectPeriod: 500,
    connectTimeout: 60_000,
    will: { topic: `telecare-up/${id}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  await client.publishAsync(`telecare-up/${id}/status`, 'online', { qos: 1, retain: true });
  const hub: SimHub = { id, client, silent: false, lastSentMs: Date.now(), connects: 1 };
  // As the hub's uplink does (hub/uplink.ts): no Nagle delay on a small publish behind an unacknowledged one.
  const noDelay = (): void => {
    (client.stream as Socket).setNoDelay?.(true);
  };
  noDelay();
  client.on('connect', () => {
    hub.connects += 1;
    noDelay();
  });
  return hub;
}

/** The legs of hub -> console, one after the other (their sum is the whole), then two seen alongside. */
const STAGES = [
  'publishToStream',
  'streamToWorker',
  'workerToBatch',
  'batchToConnection',
  'statements',
  'commit',
  'commitToConsole',
  'publishToPuback',
  'commitToNotify',
] as const;
type Stage = (typeof STAGES)[number];

/** Every alert version's time at each point it passed, in epoch ms (the hub, JetStream, a worker, the console). */
interface Passage {
  sentMs: number;
  pubackMs?: number;
  streamMs: number;
  deliveredMs: number;
  takenMs: number;
  connectedMs: number;
  commitSentMs: number;
  committedMs: number;
  notifiedMs?: number;
  consoleMs: number;
}

function stageMs(p: Passage, stage: Stage): number | undefined {
  switch (stage) {
    case 'publishToStream':
      return p.streamMs - p.sentMs;
    case 'streamToWorker':
      return p.deliveredMs - p.streamMs;
    case 'workerToBatch':
      return p.takenMs - p.deliveredMs;
    case 'batchToConnection':
      return p.connectedMs - p.takenMs;
    case 'statements':
      return p.commitSentMs - p.connectedMs;
    case 'commit':
      return p.committedMs - p.commitSentMs;
    case 'commitToConsole':
      return p.consoleMs - p.committedMs;
    case 'publishToPuback':
      return p.pubackMs === undefined ? undefined : p.pubackMs - p.sentMs;
    case 'commitToNotify':
      return p.notifiedMs === undefined ? undefined : p.notifiedMs - p.committedMs;
  }
}

/** The workers' trace lines (one per stored batch), first commit of each alert version. */
function readTraces(traceDir: string): Map<string, { trace: BatchTrace; streamMs: number; deliveredMs: number }> {
  const byKey = new Map<string, { trace: BatchTrace; streamMs: number; deliveredMs: number }>();
  for (const file of fs.readdirSync(traceDir)) {
    for (const line of fs.readFileSync(path.join(traceDir, file), 'utf8').split('\n')) {
      if (line === '') continue;
      const trace = JSON.parse(line) as BatchTrace;
      for (const a of trace.alerts) {
        const seen = byKey.get(a.key);
        // A version delivered twice (redelivery) counts from its first commit: the second stores nothing.
        if (!seen || seen.trace.committedMs > trace.committedMs) byKey.set(a.key, { trace, ...a });
      }
    }
  }
  return byKey;
}

/** An operator's live stream of the console (as a browser's EventSource reads it): when each alert version showed. */
async function watchConsole(
  running: { url: string },
  password: string,
  shownAt: Map<string, number>,
): Promise<AbortController> {
  const login = await fetch(`${running.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: running.url },
    body: JSON.stringify({ username: 'scale', password }),
  });
  if (!login.ok) throw new Error(`console login: HTTP ${String(login.status)}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const controller = new AbortController();
  const res = await fetch(`${running.url}/api/alerts/stream`, { headers: { cookie }, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`console stream: HTTP ${String(res.status)}`);
  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    readyResolve = resolve;
  });
  void readSseBlocks(res.body, (block) => {
    if (block.startsWith('event: ready')) readyResolve();
    if (!block.startsWith('event: alert\n')) return;
    const now = Date.now();
    const card = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as {
      hubId: string;
      alertId: string;
      version: number;
    };
    // The console sends an alert's newest version: the versions it supersedes reached the screen with it.
    for (let v = 1; v <= card.version; v++) {
      const key = `${card.hubId}/${card.alertId}/${String(v)}`;
      if (!shownAt.has(key)) shownAt.set(key, now);
    }
  });
  await ready;
  return controller;
}

interface Result {
  hubs: number;
  workers: number;
  durationS: number;
  versionsSent: number;
  versionsStored: number;
  lost: number;
  lostSentAtS: number[];
  /** Each lost version: its hub, gateway and PUBACK (seconds from the start of the flow). */
  lostDetail: {
    key: string;
    sentAtS: number;
    portAtSend: number;
    connectedAtSend: boolean;
    pubackAtS: number | null;
    portAtPuback: number | null;
    error: string | null;
    hubConnects: number;
  }[];
  /** Versions whose PUBACK never came (the simulator counted them as sent). */
  neverPubacked: number;
  /** Versions the client gave up at least once and sent again (as a hub's queue does). */
  resent: number;
  killAtS: number;
  restartAtS: number;
  /** The gateway ports of the nodes, and which was killed. */
  gateways: { name: string; mqttPort: number }[];
  jetstream: JetStreamSnapshot[];
  duplicateNotifies: number;
  /**
   * Alert versions stored (first NOTIFY) per second, from the first to the last: the offered rate while the workers
   * keep up, their capacity when they do not (a backlog builds).
   */
  storedPerS: number;
  /** The most messages JetStream had delivered again and not yet seen acknowledged (`num_redelivered`) in a snapshot. */
  redelivered: number | null;
  latencyMs: { p50: number; p99: number; max: number };
  toStreamMs: { p50: number; p99: number };
  /** In the stream -> stored and NOTIFYed: the workers' part of the latency. */
  streamToStoredMs: { p50: number; p99: number };
  /** SPEC 11's measure: hub publish -> the alert version on an operator's live console stream (SSE). */
  consoleLatencyMs: { p50: number; p99: number; max: number; shown: number };
  /**
   * Each leg of hub -> console for every version traced through all of them (`traced`): p50 and p99 of each leg,
   * and the mean of each leg among the slowest 1 % end to end (where the tail's time went).
   */
  /**
   * What PostgreSQL's busy sessions were waiting on, sampled every 20 ms during the flow (`pg_stat_activity`):
   * `Lock:transactionid` is a row held by another transaction until it commits, `Lock:object` NOTIFY's commit lock,
   * `IO:WALSync` the commit's flush, `running` not waiting.
   */
  postgresWaits: Record<string, number>;
  /**
   * This process's event loop delay during the flow: the simulated hubs, the NOTIFY listener and the console's
   * reader all live here, so a late turn of this loop shows in every leg it times (publish and console).
   */
  observerLoopDelayMs: { p50: number; p99: number; max: number };
  stages: {
    traced: number;
    p50: Record<Stage, number>;
    p99: Record<Stage, number>;
    slowest1pctMean: Record<Stage, number>;
  };
  silentHubFlaggedAfterS: number | null;
  silenceS: number;
  killed: { natsNode: string; workerPid: number | undefined };
  loadAverage: number[];
  date: string;
  pass: { latency: boolean; noLoss: boolean; noDuplicate: boolean; silentFlagged: boolean };
}

async function run(options: ScaleOptions): Promise<Result> {
  const log = createLogger({ level: 'error' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-central-scale-'));
  let postgres: LocalPostgres | undefined;
  let cluster: NatsCluster | undefined;
  let workers: WorkerPool | undefined;
  const hubs: SimHub[] = [];
  const listener = { client: undefined as pg.Client | undefined };
  let nc: Awaited<ReturnType<typeof natsConnect>> | undefined;
  let consoleProcess: ChildProcess | undefined;
  let consoleStream: AbortController | undefined;
  const traceDir = path.join(dir, 'trace');
  fs.mkdirSync(traceDir);
  try {
    postgres = await startLocalPostgres({ dir: path.join(dir, 'pg'), port: await freePort() });
    const { layout, centrePassword } = await createLayout({ dir: path.join(dir, 'nats'), bcryptCost: 4 });
    const hubIds = Array.from({ length: options.hubs }, (_, i) => `sim-${String(i).padStart(5, '0')}`);
    const password = 'simulated-hub-password';
    const hash = hashPassword(password, 4);
    cluster = await startCluster(
      withHubs(
        layout,
        hubIds.map((hubId) => ({ hubId, passwordHash: hash })),
      ),
    );
    workers = startWorkerPool(
      options.workers,
      {
        natsUrls: cluster.natsUrls,
        mqttUrls: cluster.mqttUrls,
        natsUser: layout.centreUser,
        natsPassword: centrePassword,
        databaseUrl: postgres.url,
        silenceMs: options.silenceS * 1_000,
        sweepEveryMs: 5_000,
        traceDir,
        logLevel: 'error',
      },
      log,
    );
    await workers.ready();
    nc = await natsConnect({
      servers: cluster.natsUrls,
      user: layout.centreUser,
      pass: centrePassword,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    const jsm = await nc.jetstreamManager();
    // The console in a process of its own, as `telecare central` runs it beside the workers, and one operator's live
    // stream read from here (as a browser elsewhere would).
    const consolePassword = 'scale-operator-password';
    const child = fork(CONSOLE_MAIN, [], {
      env: {
        ...process.env,
        CENTRAL_DATABASE_URL: postgres.url,
        CENTRAL_NATS_URLS: cluster.natsUrls.join(','),
        CENTRAL_NATS_USER: layout.centreUser,
        CENTRAL_NATS_PASSWORD: centrePassword,
        CENTRAL_ADMIN_PASSWORD: consolePassword,
      },
      // Its log lines go to stderr: stdout is this tool's report (--json).
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    consoleProcess = child;
    const consoleUrl = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the console exited (${String(code)})`)));
      child.on('message', (m: unknown) => {
        if (typeof m === 'object' && m !== null && typeof (m as { url?: unknown }).url === 'string') {
          resolve((m as { url: string }).url);
        }
      });
    });
    const operators = new pg.Pool({ connectionString: postgres.url, max: 1 });
    await createOperator(operators, { username: 'scale', role: 'operator', password: consolePassword });
    await operators.end();
    const shownAt = new Map<string, number>();
    consoleStream = await watchConsole({ url: consoleUrl }, consolePassword, shownAt);
    const snapshots: Promise<JetStreamSnapshot>[] = [];

    const sentAt = new Map<string, number>();
    const sentInfo = new Map<string, SentVersion>();
    const notifies = new Map<string, number>();
    const latencies: number[] = [];
    const notifyTimes: number[] = [];
    /** When each alert version's first NOTIFY came. */
    const notifiedAt = new Map<string, number>();
    let silentFlaggedAt: number | undefined;
    const silentHub = hubIds[0] ?? '';
    listener.client = new pg.Client({ connectionString: postgres.url });
    await listener.client.connect();
    listener.client.on('notification', (n) => {
      const { hubId, alertId, version } = JSON.parse(n.payload ?? '{}') as {
        hubId: string;
        alertId: string;
        version: number;
      };
      if (alertId.startsWith('centre-')) {
        if (hubId === silentHub && version === 1) silentFlaggedAt ??= Date.now();
        return;
      }
      const key = `${hubId}/${alertId}/${String(version)}`;
      notifies.set(key, (notifies.get(key) ?? 0) + 1);
      const sent = sentAt.get(key);
      if (sent !== undefined && notifies.get(key) === 1) {
        latencies.push(Date.now() - sent);
        notifyTimes.push(Date.now());
        notifiedAt.set(key, Date.now());
      }
    });
    await listener.client.query(`LISTEN ${ALERT_CHANNEL}`);

    // Connect in batches: a hub's login checks a bcrypt hash.
    for (let i = 0; i < hubIds.length; i += 50) {
      const batch = hubIds.slice(i, i + 50);
      hubs.push(...(await Promise.all(batch.map((id, j) => connectHub(id, cluster!, i + j, password)))));
    }
    for (const hub of hubs) {
      const beat = (): void => {
        if (hub.silent) return;
        hub.lastSentMs = Date.now();
        hub.client.publish(
          `telecare-up/${hub.id}/heartbeat`,
          JSON.stringify({ hubId: hub.id, at: new Date().toISOString(), uptimeS: 1, queue: 0, openAlerts: 0 }),
          { qos: 1 },
        );
      };
      // Hubs started at different times: their heartbeats are spread over the period.
      setTimeout(() => {
        beat();
        hub.timer = setInterval(beat, HEARTBEAT_MS);
      }, Math.random() * HEARTBEAT_MS).unref();
    }

    let alertSeq = 0;
    const sendVersion = (hub: SimHub, alertId: string, version: number): void => {
      const now = new Date();
      const state = version === 1 ? 'raised' : version === 2 ? 'acknowledged' : 'resolved';
      const alert = {
        id: alertId,
        homeId: 'h1',
        residentId: 'r1',
        kind: 'pendant',
        severity: 'critical',
        state,
        raisedAt: now.toISOString(),
        version,
        count: 1,
        lastSeenAt: now.toISOString(),
      };
      const key = `${hub.id}/${alertId}/${String(version)}`;
      sentAt.set(key, Date.now());
      const info: SentVersion = {
        sentMs: Date.now(),
        portAtSend: hub.client.options.port ?? 0,
        connectedAtSend: hub.client.connected,
      };
      sentInfo.set(key, info);
      hub.lastSentMs = Date.now();
      const publish = (): void => {
        hub.client.publish(
          `telecare-up/${hub.id}/alerts/${alertId}`,
          JSON.stringify({ hubId: hub.id, queuedAt: now.toISOString(), alertId, version, alert }),
          { qos: 1 },
          (err) => {
            // mqtt.js calls back on the PUBACK, or with an error when it gives the message up ("Connection closed"
            // when its gateway died): a real hub keeps the item in its queue and sends it again, and so does this.
            if (err) {
              info.error = err.message;
              info.resends = (info.resends ?? 0) + 1;
              // Not once the run is over and the client ended.
              if (!hub.client.disconnecting) setTimeout(publish, RESEND_MS).unref();
            } else {
              info.pubackMs = Date.now();
              info.portAtPuback = hub.client.options.port ?? 0;
            }
          },
        );
      };
      publish();
    };
    const flowStart = Date.now();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const waits: Record<string, number> = {};
    const sampler = new pg.Client({ connectionString: postgres.url });
    await sampler.connect();
    const sampling = (async () => {
      while (Date.now() < flowStart + options.durationS * 1_000) {
        const r = await sampler.query<{ w: string }>(
          `SELECT coalesce(wait_event_type || ':' || wait_event, 'running') AS w FROM pg_stat_activity
           WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        );
        for (const row of r.rows) waits[row.w] = (waits[row.w] ?? 0) + 1;
        await sleep(20);
      }
      await sampler.end();
    })();
    snapshots.push(snapshotJetStream(jsm, 'start', flowStart));
    const flowEnd = flowStart + options.durationS * 1_000;
    const killAt = Date.now() + options.durationS * 400;
    const restartAt = Date.now() + options.durationS * 600;
    const silenceAt = Date.now() + options.durationS * 300;
    const killed: Result['killed'] = { natsNode: '', workerPid: undefined };
    let silencedAt: number | undefined;
    let killedNode: number | undefined;
    const intervalMs = 1_000 / options.alertsPerS;
    const flowing = (async () => {
      let next = Date.now();
      while (Date.now() < flowEnd) {
        const hub = hubs[Math.floor(Math.random() * hubs.length)];
        // The hub to be silenced sends no alerts (its alerts' later versions would break its silence).
        if (hub && hub !== hubs[0]) {
          alertSeq += 1;
          const alertId = `a${String(alertSeq)}`;
          sendVersion(hub, alertId, 1);
          // Acknowledged and resolved a little later, as a responder would (shortened).
          setTimeout(() => sendVersion(hub, alertId, 2), 1_000 + Math.random() * 2_000).unref();
          setTimeout(() => sendVersion(hub, alertId, 3), 3_000 + Math.random() * 3_000).unref();
        }
        if (silencedAt === undefined && Date.now() >= silenceAt) {
          const target = hubs[0];
          if (target) {
            target.silent = true;
            silencedAt = Date.now();
          }
        }
        if (!options.noKill && killedNode === undefined && Date.now() >= killAt) {
          killedNode = 1;
          if (options.killLeader) {
            // The node leading the stream or the consumer now: the worst case for JetStream's leader election.
            const leader = await (
              options.killLeader === 'stream' ? jsm.streams.info(STREAM) : jsm.consumers.info(STREAM, DURABLE)
            )
              .then((info) => info.cluster?.leader)
              .catch(() => undefined);
            const index = cluster.nodes.findIndex((n) => n.name === leader);
            if (index >= 0) killedNode = index;
          }
          snapshots.push(snapshotJetStream(jsm, 'before-kill', flowStart));
          killed.natsNode = cluster.nodes[killedNode]?.name ?? '';
          const victim = workers.processes()[0];
          killed.workerPid = victim?.pid;
          victim?.kill('SIGKILL');
          void cluster.nodes[killedNode]?.kill();
          setTimeout(() => snapshots.push(snapshotJetStream(jsm, 'kill+2s', flowStart)), 2_000).unref();
        }
        if (killedNode !== undefined && restartAt <= Date.now() && killedNode >= 0) {
          const index = killedNode;
          killedNode = -1;
          snapshots.push(snapshotJetStream(jsm, 'before-restart', flowStart));
          void cluster.restart(index).then(() => snapshots.push(snapshotJetStream(jsm, 'restarted', flowStart)));
        }
        next += intervalMs;
        await sleep(Math.max(0, next - Date.now()));
      }
    })();
    await flowing;
    loopDelay.disable();
    await sampling;
    await sleep(7_000);
    // Every version sent is in PostgreSQL (or the wait ends and the missing ones are counted).
    const expected = new Set(sentAt.keys());
    const deadline = Date.now() + 120_000;
    let stored = 0;
    while (Date.now() < deadline) {
      const count = await listener.client.query<{ n: string }>(
        `SELECT count(*) AS n FROM central_alert_versions WHERE alert_id NOT LIKE 'centre-%'`,
      );
      stored = Number(count.rows[0]?.n ?? 0);
      if (stored >= expected.size) break;
      await sleep(500);
    }
    const rows = await listener.client.query<{ key: string; received_ms: string }>(
      `SELECT hub_id || '/' || alert_id || '/' || version AS key, (extract(epoch FROM received_at) * 1000)::bigint AS received_ms
       FROM central_alert_versions WHERE alert_id NOT LIKE 'centre-%'`,
    );
    // The first leg alone: hub publish -> in the gateway's stream (JetStream's timestamp).
    const streamLatencies = rows.rows
      .map((r) => Number(r.received_ms) - (sentAt.get(r.key) ?? Number.NaN))
      .filter((ms) => Number.isFinite(ms))
      .sort((a, b) => a - b);
    // The workers' leg alone: in the stream (JetStream's timestamp) -> stored and NOTIFYed.
    const workerLatencies = rows.rows
      .map((r) => (notifiedAt.get(r.key) ?? Number.NaN) - Number(r.received_ms))
      .filter((ms) => Number.isFinite(ms))
      .sort((a, b) => a - b);
    const storedKeys = new Set(rows.rows.map((r) => r.key));
    const lostKeys = [...expected].filter((k) => !storedKeys.has(k));
    const lost = lostKeys.length;
    // When the lost ones were sent, in seconds from the start of the flow (the kill is at 40 %, the restart at 60 %).
    const lostSentAtS = lostKeys.slice(0, 50).map((k) => Math.round(((sentAt.get(k) ?? 0) - flowStart) / 100) / 10);
    snapshots.push(snapshotJetStream(jsm, 'end', flowStart));
    const relS = (ms: number | undefined): number | null =>
      ms === undefined ? null : Math.round((ms - flowStart) / 100) / 10;
    const hubsById = new Map(hubs.map((h) => [h.id, h]));
    const lostDetail = lostKeys.slice(0, 50).map((key) => {
      const info = sentInfo.get(key);
      return {
        key,
        sentAtS: relS(info?.sentMs) ?? 0,
        portAtSend: info?.portAtSend ?? 0,
        connectedAtSend: info?.connectedAtSend ?? false,
        pubackAtS: relS(info?.pubackMs),
        portAtPuback: info?.portAtPuback ?? null,
        error: info?.error ?? null,
        hubConnects: hubsById.get(key.split('/')[0] ?? '')?.connects ?? 0,
      };
    });
    // Every version's passage through each leg (those the workers traced and the console showed).
    const traces = readTraces(traceDir);
    const consoleLatencies: number[] = [];
    const passages: Passage[] = [];
    for (const [key, sent] of sentAt) {
      const shown = shownAt.get(key);
      if (shown === undefined) continue;
      consoleLatencies.push(shown - sent);
      const t = traces.get(key);
      if (!t) continue;
      passages.push({
        sentMs: sent,
        pubackMs: sentInfo.get(key)?.pubackMs,
        streamMs: t.streamMs,
        deliveredMs: t.deliveredMs,
        takenMs: t.trace.takenMs,
        connectedMs: t.trace.connectedMs,
        commitSentMs: t.trace.commitSentMs,
        committedMs: t.trace.committedMs,
        notifiedMs: notifiedAt.get(key),
        consoleMs: shown,
      });
    }
    consoleLatencies.sort((a, b) => a - b);
    passages.sort((a, b) => b.consoleMs - b.sentMs - (a.consoleMs - a.sentMs));
    const slowest = passages.slice(0, Math.max(1, Math.ceil(passages.length / 100)));
    const stageFigures = (pick: (values: number[]) => number): Record<Stage, number> =>
      Object.fromEntries(
        STAGES.map((stage) => [
          stage,
          pick(
            passages
              .map((p) => stageMs(p, stage))
              .filter((ms): ms is number => ms !== undefined && Number.isFinite(ms))
              .sort((a, b) => a - b),
          ),
        ]),
      ) as Record<Stage, number>;
    const slowestMean = Object.fromEntries(
      STAGES.map((stage) => {
        const values = slowest.map((p) => stageMs(p, stage)).filter((ms): ms is number => ms !== undefined);
        return [stage, Math.round(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length))];
      }),
    ) as Record<Stage, number>;
    const consoleP99 = percentile(consoleLatencies, 99);
    const neverPubacked = [...sentInfo.values()].filter((i) => i.pubackMs === undefined).length;
    const resent = [...sentInfo.values()].filter((i) => (i.resends ?? 0) > 0).length;
    const duplicateNotifies = [...notifies.values()].filter((n) => n > 1).length;
    // The silenced hub: wait until flagged (threshold + sweep), at most threshold + 2 margins.
    const flagDeadline = (silencedAt ?? Date.now()) + (options.silenceS + 2 * FLAG_MARGIN_S) * 1_000;
    while (silentFlaggedAt === undefined && Date.now() < flagDeadline) await sleep(500);
    const lastContact = hubs[0]?.lastSentMs;
    const flaggedAfterS =
      silentFlaggedAt !== undefined && lastContact !== undefined ? (silentFlaggedAt - lastContact) / 1_000 : null;
    latencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    consoleStream.abort();
    const spanS = ((notifyTimes.at(-1) ?? 0) - (notifyTimes[0] ?? 0)) / 1_000;
    const jetstream = await Promise.all(snapshots);
    return {
      hubs: options.hubs,
      workers: options.workers,
      durationS: options.durationS,
      versionsSent: expected.size,
      versionsStored: storedKeys.size,
      lost,
      lostSentAtS,
      lostDetail,
      neverPubacked,
      resent,
      killAtS: relS(killAt) ?? 0,
      restartAtS: relS(restartAt) ?? 0,
      gateways: cluster.nodes.map((n, i) => ({ name: n.name, mqttPort: layout.nodes[i]?.mqtt ?? 0 })),
      jetstream,
      duplicateNotifies,
      storedPerS: spanS > 0 ? Math.round((notifyTimes.length - 1) / spanS) : Number.NaN,
      redelivered: jetstream.reduce<number | null>(
        (most, j) => (j.consumer ? Math.max(most ?? 0, j.consumer.redelivered) : most),
        null,
      ),
      latencyMs: { p50: percentile(latencies, 50), p99, max: latencies.at(-1) ?? Number.NaN },
      toStreamMs: { p50: percentile(streamLatencies, 50), p99: percentile(streamLatencies, 99) },
      streamToStoredMs: { p50: percentile(workerLatencies, 50), p99: percentile(workerLatencies, 99) },
      consoleLatencyMs: {
        p50: percentile(consoleLatencies, 50),
        p99: consoleP99,
        max: consoleLatencies.at(-1) ?? Number.NaN,
        shown: consoleLatencies.length,
      },
      postgresWaits: waits,
      observerLoopDelayMs: {
        p50: Math.round(loopDelay.percentile(50) / 1e6),
        p99: Math.round(loopDelay.percentile(99) / 1e6),
        max: Math.round(loopDelay.max / 1e6),
      },
      stages: {
        traced: passages.length,
        p50: stageFigures((v) => percentile(v, 50)),
        p99: stageFigures((v) => percentile(v, 99)),
        slowest1pctMean: slowestMean,
      },
      silentHubFlaggedAfterS: flaggedAfterS,
      silenceS: options.silenceS,
      killed,
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
      date: new Date().toISOString(),
      pass: {
        latency: consoleP99 <= TARGET_P99_MS && consoleLatencies.length === expected.size,
        noLoss: lost === 0,
        noDuplicate: duplicateNotifies === 0,
        silentFlagged: flaggedAfterS !== null && flaggedAfterS <= options.silenceS + FLAG_MARGIN_S,
      },
    };
  } finally {
    for (const hub of hubs) {
      clearInterval(hub.timer);
      hub.client.end(true);
    }
    consoleStream?.abort();
    if (consoleProcess && consoleProcess.exitCode === null) {
      const exited = new Promise((resolve) => consoleProcess?.once('exit', resolve));
      consoleProcess.kill('SIGTERM');
      await exited;
    }
    await listener.client?.end().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    await workers?.stop();
    await cluster?.stop();
    await postgres?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const result = await run(options);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const rows: [string, string, string][] = [
      ['hubs / workers', `${String(result.hubs)} / ${String(result.workers)}`, ''],
      ['alert versions sent / stored', `${String(result.versionsSent)} / ${String(result.versionsStored)}`, ''],
      ['lost', String(result.lost), result.pass.noLoss ? 'ok' : `MISSED (sent at s: ${result.lostSentAtS.join(' ')})`],
      ['duplicate NOTIFYs', String(result.duplicateNotifies), result.pass.noDuplicate ? 'ok' : 'MISSED'],
      ['versions stored per s', String(result.storedPerS), ''],
      ['redelivered, most at once', String(result.redelivered), ''],
      ['hub -> in the stream p50/p99 ms', `${String(result.toStreamMs.p50)} / ${String(result.toStreamMs.p99)}`, ''],
      [
        'stream -> stored+NOTIFY p50/p99 ms',
        `${String(result.streamToStoredMs.p50)} / ${String(result.streamToStoredMs.p99)}`,
        '',
      ],
      ['hub -> stored+NOTIFY p50 ms', String(result.latencyMs.p50), ''],
      ['hub -> stored+NOTIFY p99 ms', String(result.latencyMs.p99), ''],
      [
        'hub -> console p50/p99 ms',
        `${String(result.consoleLatencyMs.p50)} / ${String(result.consoleLatencyMs.p99)}`,
        result.pass.latency ? `ok (<= ${String(TARGET_P99_MS)})` : 'MISSED',
      ],
      [
        'silent hub flagged after s',
        String(result.silentHubFlaggedAfterS),
        result.pass.silentFlagged ? 'ok' : 'MISSED',
      ],
      [
        'killed',
        options.noKill
          ? 'nothing (--no-kill)'
          : `${result.killed.natsNode} and worker ${String(result.killed.workerPid)}`,
        '',
      ],
      ['load average', result.loadAverage.join(' '), ''],
    ];
    for (const [name, value, verdict] of rows)
      process.stdout.write(`${name.padEnd(32)} ${value.padEnd(24)} ${verdict}\n`);
    process.stdout.write(`PostgreSQL waits (samples): ${JSON.stringify(result.postgresWaits)}\n`);
    process.stdout.write(`this process's event loop delay ms: ${JSON.stringify(result.observerLoopDelayMs)}\n`);
    process.stdout.write(`legs of hub -> console (${String(result.stages.traced)} versions traced), ms:\n`);
    for (const stage of STAGES) {
      process.stdout.write(
        `  ${stage.padEnd(20)} p50 ${String(result.stages.p50[stage]).padStart(6)}  p99 ${String(result.stages.p99[stage]).padStart(6)}  slowest 1 % mean ${String(result.stages.slowest1pctMean[stage]).padStart(6)}\n`,
      );
    }
    process.stdout.write(
      `never PUBACKed: ${String(result.neverPubacked)}; sent again after the client gave up: ${String(result.resent)}; kill at ${String(result.killAtS)} s, restart at ${String(result.restartAtS)} s; gateways ${result.gateways.map((g) => `${g.name}:${String(g.mqttPort)}`).join(' ')}\n`,
    );
    for (const l of result.lostDetail) process.stdout.write(`lost ${JSON.stringify(l)}\n`);
    if (result.lost > 0) for (const j of result.jetstream) process.stdout.write(`jetstream ${JSON.stringify(j)}\n`);
  }
  // Exits at once: everything it started is stopped, and a client library's stray timer must not keep it waiting.
  process.exit(Object.values(result.pass).every(Boolean) ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`central:scale: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
