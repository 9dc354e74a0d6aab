// A centre worker (SPEC 10): takes messages from the durable consumer all workers share, stores what has arrived in
// batches (one PostgreSQL transaction each) and only then acknowledges them; checks the hub list for silent hubs on a
// timer. Any number run side by side.
import fs from 'node:fs';
import path from 'node:path';
import {
  connect,
  ConsumerDebugEvents,
  ConsumerEvents,
  Events,
  type ConsumerInfo,
  type ConsumerMessages,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import pg from 'pg';
import type { Logger } from '../hub/logger.js';
import { ingest, ingestBatch, isRefusedData, type DropReason, type IngestResult } from './ingest.js';
import {
  contactIncomplete,
  DEFAULT_SILENCE_MS,
  DEFAULT_SWEEP_MS,
  StreamClock,
  SWEEP_MAX_LAG_MS,
  sweepSilentHubs,
} from './offline.js';
import {
  applyQuarantine,
  countUsage,
  DEFAULT_HUB_BUDGET_BYTES,
  HubUsage,
  purgeStored,
  quarantinedHubs,
  quarantineOver,
} from './quarantine.js';
import { migrateCentral } from './schema.js';
import {
  ACK_WAIT_MS,
  ConsumerFloor,
  DURABLE,
  STREAM,
  ensureConsumer,
  ensureGatewayStreams,
  ensureMessageStream,
  hubSubject,
} from './stream.js';

export interface WorkerOptions {
  natsUrls: readonly string[];
  /** The MQTT gateways (the first that answers is used once at start, see `ensureGatewayStreams`). */
  mqttUrls: readonly string[];
  /** PEM file of the CA of a gateway with TLS (`mqtts://`), when not one the system trusts (CENTRAL_MQTT_CA). */
  mqttCaFile?: string;
  natsUser: string;
  natsPassword: string;
  databaseUrl: string;
  silenceMs?: number;
  sweepEveryMs?: number;
  /**
   * The sweep is skipped while more messages than this wait undelivered: a hub's newer contact may be among them, and
   * judging on what is stored so far would flag it falsely. Default 0: only when the workers are caught up.
   */
  sweepMaxBacklog?: number;
  /**
   * Transactions under way at once (commits wait on the disk; they overlap). Order between them does not matter:
   * versions and NATS timestamps decide what is newest.
   */
  concurrency?: number;
  /**
   * At most this many messages in one transaction. A transaction takes every message that has arrived (up to this),
   * so a quiet centre stores each message at once, and a busy one shares one commit among many.
   */
  maxBatch?: number;
  /**
   * Each hub's byte budget per window (`central/quarantine.ts`): a hub that had more stored is quarantined. Default
   * `DEFAULT_HUB_BUDGET_BYTES`.
   */
  hubBudgetBytes?: number;
  /**
   * The cluster's layout folder (`cluster.json`, the nodes' configs and pid files) when the NATS nodes run on this
   * machine: a quarantined hub's user is then left out of the nodes' configuration and the nodes reloaded. Without
   * it the quarantine is only raised as the centre's alert (and the hub's stored messages purged).
   */
  clusterDir?: string;
  /** The clock the silence check judges by (tests drive it). */
  now?: () => Date;
  /**
   * Measuring only (`central:scale`): each stored batch appends one line to `<traceDir>/worker-<pid>.jsonl` with its
   * alert versions' stage times (see `BatchTrace`). Off by default.
   */
  traceDir?: string;
  log: Logger;
}

/**
 * One stored batch, for the stage split of the latency (`central:scale`). Times are epoch ms on this machine's clock;
 * `stream` is JetStream's timestamp, `delivered` when this worker's consumer loop got the message.
 */
export interface BatchTrace {
  /**
   * When a storer took the batch, when it had a PostgreSQL connection, when its statements were done and COMMIT sent,
   * when the commit was confirmed.
   */
  takenMs: number;
  connectedMs: number;
  commitSentMs: number;
  committedMs: number;
  size: number;
  /** The alert versions in it: `hubId/alertId/version`, JetStream's timestamp, delivery to this worker. */
  alerts: { key: string; streamMs: number; deliveredMs: number }[];
}

export interface WorkerStats {
  stored: number;
  repeated: number;
  dropped: Partial<Record<DropReason, number>>;
  failed: number;
  flaggedOffline: number;
  /** Transactions that stored a batch, and those that failed and were stored again message by message. */
  batches: number;
  batchesSplit: number;
  /** Messages JetStream delivered again (a worker killed, or one too slow to say it was still working on them). */
  redelivered: number;
  /** Hubs this worker quarantined (over their byte budget), and messages it purged of quarantined hubs. */
  quarantined: number;
  purged: number;
}

export interface RunningWorker {
  stats: WorkerStats;
  /** Stops taking messages, stores those in hand, closes NATS and PostgreSQL. */
  stop(): Promise<void>;
  /** Settles when the worker has stopped (after `stop`, or on a fatal error). */
  done: Promise<void>;
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_BATCH = 100;

/** How often a worker adds what it stored to each hub's count of its budget (and checks the quarantine). */
const USAGE_FLUSH_MS = 1_000;

/** How long a message that failed to store (PostgreSQL unreachable) waits before it is delivered again. */
const RETRY_DELAY_MS = 1_000;

/** How often a worker tells JetStream it is still working on the messages in its hands (well within `ack_wait`). */
const PROGRESS_EVERY_MS = Math.floor(ACK_WAIT_MS / 4);

/**
 * A pull request lives this long on the server, and heartbeats come every half of it: a pull lost with a dead node is
 * noticed after two missed heartbeats (5 s) instead of the library's 30 s default.
 */
const PULL_EXPIRES_MS = 5_000;

/**
 * Messages one pull asks for. Few: those the NATS library has received but this worker has not yet taken get no
 * progress acknowledgement, and in a backlog they would wait there longer than `ack_wait` and be delivered twice.
 */
const PULL_MAX_MESSAGES = 20;

/** `hubId/alertId/version` of an alert version message, for the trace; undefined for anything else. */
function alertKey(m: JsMsg): string | undefined {
  const parts = hubSubject(m.subject).split('.');
  if (parts.length !== 4 || parts[2] !== 'alerts') return undefined;
  try {
    const version = (JSON.parse(new TextDecoder().decode(m.data)) as { version?: unknown }).version;
    return typeof version === 'number' ? `${parts[1] ?? ''}/${parts[3] ?? ''}/${String(version)}` : undefined;
  } catch {
    return undefined;
  }
}

function toIncoming(m: JsMsg): Parameters<typeof ingest>[1] {
  return {
    subject: hubSubject(m.subject),
    data: m.data,
    receivedAt: new Date(Math.floor(m.info.timestampNanos / 1_000_000)),
    streamSeq: m.info.streamSequence,
  };
}

async function gatewayStreams(options: WorkerOptions): Promise<void> {
  let last: unknown;
  const ca = options.mqttCaFile === undefined ? undefined : await fs.promises.readFile(options.mqttCaFile);
  // A worker started with the centre (every node just started) finds the gateways still starting: each is asked again
  // for up to GATEWAY_WAIT_MS before the start fails (session 63).
  const deadline = Date.now() + GATEWAY_WAIT_MS;
  for (;;) {
    for (const url of options.mqttUrls) {
      try {
        await ensureGatewayStreams(url, options.natsUser, options.natsPassword, ca);
        return;
      } catch (err) {
        last = err;
      }
    }
    if (Date.now() >= deadline) break;
    options.log.warn(
      { err: last instanceof Error ? last.message : String(last) },
      'no MQTT gateway answered yet; asking again',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw last instanceof Error ? last : new Error('no MQTT gateway answered');
}

/**
 * How long JetStream must say the workers' consumer is not there, on end, before a worker makes it again (session 64): a
 * consumer deleted stays gone, one being recovered as the cluster's nodes start again answers within seconds.
 */
const CONSUMER_GONE_MS = 5_000;

/** How long a worker's start waits for an MQTT gateway to answer (`gatewayStreams`). */
const GATEWAY_WAIT_MS = 120_000;

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const log = options.log;
  const now = options.now ?? ((): Date => new Date());
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: concurrency + 1 });
  // A pool's idle client that loses its server emits 'error'; the next query reconnects.
  pool.on('error', (err) => log.warn({ err: err.message }, 'PostgreSQL connection lost'));
  // The pool listens only while a connection is idle: one in use between two queries when PostgreSQL restarts emits
  // 'error' on itself, which would end this worker (its messages then wait for ack_wait). Its next query fails instead.
  pool.on('connect', (client) =>
    client.on('error', (err) => log.warn({ err: err.message }, 'PostgreSQL connection lost')),
  );
  const setup = await pool.connect();
  try {
    await migrateCentral(setup);
  } finally {
    setup.release();
  }
  const nc: NatsConnection = await connect({
    servers: [...options.natsUrls],
    user: options.natsUser,
    pass: options.natsPassword,
    name: `central-worker-${String(process.pid)}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  const jsm = await nc.jetstreamManager();
  await ensureMessageStream(jsm, log);
  await gatewayStreams(options);
  // A consumer gone while every worker was down starts after what the workers had stored (session 65).
  const consumerFloor = new ConsumerFloor(pool);
  await ensureConsumer(jsm, await consumerFloor.startAfterNoted(jsm));
  const consumer = await nc.jetstream().consumers.get(STREAM, DURABLE);
  const stats: WorkerStats = {
    stored: 0,
    repeated: 0,
    dropped: {},
    failed: 0,
    flaggedOffline: 0,
    batches: 0,
    batchesSplit: 0,
    redelivered: 0,
    quarantined: 0,
    purged: 0,
  };
  // What this worker stored per hub since its last flush into the shared count (`central_hub_usage`).
  const usage = new HubUsage();
  let stopping = false;
  let messages: ConsumerMessages | undefined;

  function count(m: JsMsg, result: IngestResult): void {
    // Every message acknowledged had its place in the stream, dropped or not: it counts to its hub's budget.
    usage.add(hubSubject(m.subject), m.data, Math.floor(m.info.timestampNanos / 1_000_000));
    if (result.kind === 'dropped') {
      stats.dropped[result.reason] = (stats.dropped[result.reason] ?? 0) + 1;
      log.warn({ reason: result.reason, hubId: result.hubId, seq: m.info.streamSequence }, 'message dropped');
    } else if (result.stored) stats.stored += 1;
    else stats.repeated += 1;
  }

  /** One message alone, in its own transaction: after its batch failed. */
  async function storeAlone(client: pg.PoolClient, m: JsMsg): Promise<void> {
    try {
      count(m, await ingest(client, toIncoming(m)));
      m.ack();
    } catch (err) {
      if (isRefusedData(err)) {
        // PostgreSQL refuses this message's own data: sending it again can never succeed, so it is dropped (counted).
        count(m, { kind: 'dropped', reason: 'refused-by-database', hubId: undefined });
        m.ack();
        return;
      }
      stats.failed += 1;
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not store a message; retried');
      m.nak(RETRY_DELAY_MS);
    }
  }

  // Measuring only: when each message reached this worker's loop, and where the batches' lines go.
  const deliveredAt = new WeakMap<JsMsg, number>();
  const traceFile =
    options.traceDir === undefined ? undefined : path.join(options.traceDir, `worker-${String(process.pid)}.jsonl`);
  function trace(batch: readonly JsMsg[], takenMs: number, connectedMs: number, commitSentMs: number): void {
    if (traceFile === undefined) return;
    const alerts: BatchTrace['alerts'] = [];
    for (const m of batch) {
      const key = alertKey(m);
      if (key === undefined) continue;
      const streamMs = Math.floor(m.info.timestampNanos / 1_000_000);
      alerts.push({ key, streamMs, deliveredMs: deliveredAt.get(m) ?? Number.NaN });
    }
    const line: BatchTrace = {
      takenMs,
      connectedMs,
      commitSentMs,
      committedMs: Date.now(),
      size: batch.length,
      alerts,
    };
    try {
      fs.appendFileSync(traceFile, `${JSON.stringify(line)}\n`);
    } catch (err) {
      // Measuring must never change what is stored: a line that cannot be written is left out, and said so.
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'batch trace not written');
    }
  }

  async function storeBatch(batch: readonly JsMsg[]): Promise<void> {
    const takenMs = Date.now();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      stats.failed += batch.length;
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'PostgreSQL unreachable; messages retried');
      for (const m of batch) m.nak(RETRY_DELAY_MS);
      return;
    }
    const connectedMs = Date.now();
    try {
      const timing: { commitSentMs?: number } = {};
      const results = await ingestBatch(client, batch.map(toIncoming), timing);
      trace(batch, takenMs, connectedMs, timing.commitSentMs ?? Number.NaN);
      stats.batches += 1;
      // Committed: only now is the stream told it may forget them.
      batch.forEach((m, i) => {
        const result = results[i];
        if (result) count(m, result);
        m.ack();
      });
    } catch (err) {
      // One message can fail the whole batch (PostgreSQL refusing its data): each is tried alone, so the others go.
      stats.batchesSplit += 1;
      log.warn(
        { err: err instanceof Error ? err.message : String(err), messages: batch.length },
        'a batch failed; storing its messages one by one',
      );
      for (const m of batch) await storeAlone(client, m);
    } finally {
      client.release();
    }
  }

  // Messages in this worker's hands: arrived and waiting, or in a transaction. JetStream is told every
  // PROGRESS_EVERY_MS that they are being worked on, so a short ack_wait redelivers only a dead worker's messages.
  const inHand = new Set<JsMsg>();
  // The silence check judges JetStream's timestamps by JetStream's clock, not this machine's.
  const streamClock = new StreamClock();
  const waiting: JsMsg[] = [];
  let readerDone = false;
  const idleStorers: (() => void)[] = [];
  let wakeReader: (() => void) | undefined;
  const wakeOneStorer = (): void => idleStorers.shift()?.();
  const progress = setInterval(() => {
    for (const m of inHand) m.working();
  }, PROGRESS_EVERY_MS);

  const storers = Array.from({ length: concurrency }, async (): Promise<void> => {
    for (;;) {
      while (waiting.length === 0) {
        if (readerDone) return;
        await new Promise<void>((resolve) => idleStorers.push(resolve));
      }
      const batch = waiting.splice(0, maxBatch);
      wakeReader?.();
      // Another storer takes what arrives meanwhile.
      if (waiting.length > 0) wakeOneStorer();
      try {
        await storeBatch(batch);
      } finally {
        for (const m of batch) inHand.delete(m);
      }
    }
  });

  /**
   * A consumer's leader that loses its leadership (a node stopped or restarted, a step-down) ends the pulls waiting on
   * it with a 409: the NATS library only notes it, and pulls again once two heartbeats are missed (5 to 7.5 s, during
   * which nothing reaches this worker). Here, once the consumer answers again (a new leader), the pull is closed, and
   * the consuming loop pulls again at once (session 63).
   * A consumer deleted while the workers run (an administrator's `nats consumer rm`, one lost by JetStream) is only
   * noted by the library too ("consumer deleted", then "no responders" on each pull), which pulls again for ever: no
   * message reached the workers until they were restarted, and the wait above asked for the consumer for ever. Once
   * JetStream says it is not there, it is created again (`ensureConsumer`: it delivers again whatever the stream still
   * holds, stored once whatever the number of deliveries) and the worker pulls at once (session 64).
   */
  async function pullAgainOnLeaderChange(pull: ConsumerMessages): Promise<void> {
    for await (const status of await pull.status()) {
      const leaderChange =
        status.type === ConsumerDebugEvents.DebugEvent && /^409 leadership change/i.test(String(status.data));
      const gone = status.type === ConsumerEvents.ConsumerDeleted || status.type === ConsumerEvents.NoResponders;
      if (!leaderChange && !gone) continue;
      let notFoundSince = NaN;
      while (!stopping) {
        try {
          await jsm.consumers.info(STREAM, DURABLE);
          break;
        } catch (err) {
          // "consumer not found" (or "stream not found") for CONSUMER_GONE_MS on end: made again. Any other failure
          // (no leader yet, a timeout during an election) is asked again. Not at the first "not found": while every
          // node of a cluster starts again, JetStream says so of a consumer it has not recovered yet, and one made
          // again then replaced it, its deliveries and acknowledgements gone: everything in the stream delivered anew
          // as new, the held message no longer known as redelivered (review-s63-centre-killed, 1 run in 2 in CI).
          const notFound = /not found/i.test(err instanceof Error ? err.message : String(err));
          if (!notFound) notFoundSince = NaN;
          else if (Number.isNaN(notFoundSince)) notFoundSince = Date.now();
          if (notFound && Date.now() - notFoundSince >= CONSUMER_GONE_MS) {
            try {
              await ensureMessageStream(jsm, log);
              // After what the workers had stored, not at the stream's first message (session 65).
              const fromSeq = await consumerFloor.startAfterNoted(jsm);
              await ensureConsumer(jsm, fromSeq);
              log.warn({ consumer: DURABLE, fromSeq }, 'the workers’ consumer was gone: created again');
              break;
            } catch (created) {
              log.warn(
                { err: created instanceof Error ? created.message : String(created) },
                'the workers’ consumer is gone and could not be created yet',
              );
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      log.debug('the consumer answers again: pulling again');
      await pull.close();
      return;
    }
  }

  const consuming = (async (): Promise<void> => {
    while (!stopping) {
      try {
        // bind: after a reconnect or missed heartbeats the library pulls again at once, instead of first asking for
        // the consumer's info, which fails for seconds while JetStream elects new leaders after a node died (and
        // then waits `expires` before trying again). The consumer is durable and made at start.
        messages = await consumer.consume({ max_messages: PULL_MAX_MESSAGES, expires: PULL_EXPIRES_MS, bind: true });
        void pullAgainOnLeaderChange(messages).catch((err: unknown) =>
          log.warn({ err: err instanceof Error ? err.message : String(err) }, 'leader change not followed'),
        );
        for await (const m of messages) {
          if (m.info.redelivered) stats.redelivered += 1;
          if (traceFile !== undefined) deliveredAt.set(m, Date.now());
          // A message delivered again waited at least ack_wait, after a kill of every node a whole outage: its wait is
          // no measure of the clocks' difference (session 63).
          if (!m.info.redelivered) streamClock.saw(m.info.timestampNanos / 1_000_000, now().getTime());
          inHand.add(m);
          waiting.push(m);
          wakeOneStorer();
          // Backpressure: the library pulls more only when this loop takes the next message. Two batches wait at
          // most, so that a storer that finishes finds a full one.
          while (waiting.length >= 2 * maxBatch && !stopping) {
            await new Promise<void>((resolve) => {
              wakeReader = resolve;
            });
          }
          if (stopping) break;
        }
      } catch (err) {
        if (stopping) break;
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'consumer interrupted; resuming');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  })().finally(() => {
    readerDone = true;
    for (const wake of idleStorers.splice(0)) wake();
  });
  const storing = Promise.all(storers);

  const silenceMs = options.silenceMs ?? DEFAULT_SILENCE_MS;
  const maxBacklog = options.sweepMaxBacklog ?? 0;
  let sweeping = false;
  // When this worker could hear hubs again (session 59): its start, or the first check that reached JetStream after one
  // that could not (every node down, no quorum). Hubs could not be heard before, whatever they did: their silence counts
  // from then, or the check that follows such an outage flags every hub not yet reconnected (2,000 hub-offline alerts).
  // On this worker's clock, judged on JetStream's as the rest with the difference known at each check (at the first
  // check after a start none may be known yet).
  let hearingSinceLocal: number | undefined;
  // Losing the connection is such an outage too, though no check may have failed in it: one asked just before the
  // cluster stopped is answered once it is back (session 63; a short restart of every node, or the request's wait
  // outlasting it, left the mark at the worker's start and the next check flagged every hub).
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) hearingSinceLocal = undefined;
    }
  })();
  const sweepTimer = setInterval(() => {
    if (sweeping || stopping) return;
    sweeping = true;
    void (async () => {
      try {
        let info: ConsumerInfo;
        try {
          info = await jsm.consumers.info(STREAM, DURABLE);
        } catch (err) {
          hearingSinceLocal = undefined;
          throw err;
        }
        // Where a consumer made again would start (session 65); a failure to note it leaves the last note.
        await jsm.streams
          .info(STREAM)
          .then(({ created }) => consumerFloor.note(created, info.ack_floor.stream_seq))
          .catch((err: unknown) =>
            log.debug({ err: err instanceof Error ? err.message : String(err) }, 'consumer floor not noted'),
          );
        const local = now();
        const streamNow = streamClock.toStream(local);
        hearingSinceLocal ??= local.getTime();
        const hearingSince = new Date(hearingSinceLocal - (local.getTime() - streamNow.getTime()));
        const incomplete = await contactIncomplete(jsm, info, streamNow, { maxBacklog, maxLagMs: SWEEP_MAX_LAG_MS });
        if (incomplete !== undefined) {
          log.debug({ why: incomplete }, 'silence check skipped until what waits is stored');
          return;
        }
        const client = await pool.connect();
        try {
          const flagged = await sweepSilentHubs(client, streamNow, silenceMs, undefined, undefined, hearingSince);
          stats.flaggedOffline += flagged.length;
          if (flagged.length > 0) log.warn({ hubs: flagged.length }, 'silent hubs flagged offline');
        } finally {
          client.release();
        }
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'silence check failed');
      } finally {
        sweeping = false;
      }
    })();
  }, options.sweepEveryMs ?? DEFAULT_SWEEP_MS);

  // The quarantine (central/quarantine.ts): each second the counts go into the shared table; a hub over its budget
  // gets the centre's alert, the nodes' configuration leaves it out (with `clusterDir`), and what the workers stored
  // of it is purged from the stream.
  const budget = options.hubBudgetBytes ?? DEFAULT_HUB_BUDGET_BYTES;
  const purgedUpTo = new Map<string, number>();
  let quarantining = false;
  let sinceApplied = Number.POSITIVE_INFINITY;
  const applyEvery = Math.max(1, Math.round((options.sweepEveryMs ?? DEFAULT_SWEEP_MS) / USAGE_FLUSH_MS));
  const quarantineTimer = setInterval(() => {
    if (quarantining || stopping) return;
    quarantining = true;
    void (async () => {
      try {
        const rows = usage.take();
        let raised: string[] = [];
        if (rows.length > 0) {
          const client = await pool.connect().catch((err: unknown) => {
            usage.restore(rows);
            throw err;
          });
          try {
            // Rows not counted (the count's transaction failed) are counted at the next flush; once counted, never again.
            const over = await countUsage(client, rows, budget).catch((err: unknown) => {
              usage.restore(rows);
              throw err;
            });
            raised = await quarantineOver(client, over, budget);
          } finally {
            client.release();
          }
        }
        if (raised.length > 0) {
          stats.quarantined += raised.length;
          log.warn({ hubs: raised }, 'hubs over their byte budget quarantined (hub-quarantined raised)');
        }
        // Applied at once after a quarantine, and every sweep period (another worker's, or one lifted on the console).
        sinceApplied += 1;
        if (raised.length === 0 && sinceApplied < applyEvery) return;
        sinceApplied = 0;
        const hubs =
          options.clusterDir === undefined
            ? await quarantinedHubs(pool)
            : (await applyQuarantine(pool, options.clusterDir, log)).hubs;
        for (const hubId of purgedUpTo.keys()) if (!hubs.includes(hubId)) purgedUpTo.delete(hubId);
        if (hubs.length === 0) return;
        const floor = (await jsm.consumers.info(STREAM, DURABLE)).ack_floor.stream_seq;
        for (const hubId of hubs) {
          if ((purgedUpTo.get(hubId) ?? 0) >= floor) continue;
          stats.purged += await purgeStored(jsm, hubId, floor);
          purgedUpTo.set(hubId, floor);
        }
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'hub budget check failed');
      } finally {
        quarantining = false;
      }
    })();
  }, USAGE_FLUSH_MS);

  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  let stopped: Promise<void> | undefined;
  const worker: RunningWorker = {
    stats,
    done,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        clearInterval(sweepTimer);
        clearInterval(quarantineTimer);
        wakeReader?.();
        await messages?.close();
        await consuming;
        await storing;
        clearInterval(progress);
        await nc.drain().catch(() => undefined);
        await pool.end();
        resolveDone();
      })();
      return stopped;
    },
  };
  return worker;
}
