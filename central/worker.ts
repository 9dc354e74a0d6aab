// A centre worker (SPEC 10): takes messages from the durable consumer all workers share, stores each in PostgreSQL
// and only then acknowledges it; checks the hub list for silent hubs on a timer. Any number run side by side.
import { connect, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import pg from 'pg';
import type { Logger } from '../hub/logger.js';
import { ingest, type DropReason } from './ingest.js';
import { DEFAULT_SILENCE_MS, DEFAULT_SWEEP_MS, sweepSilentHubs } from './offline.js';
import { migrateCentral } from './schema.js';
import { DURABLE, STREAM, ensureConsumer, ensureGatewayStreams, hubSubject } from './stream.js';

export interface WorkerOptions {
  natsUrls: readonly string[];
  /** The MQTT gateways (the first that answers is used once at start, see `ensureGatewayStreams`). */
  mqttUrls: readonly string[];
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
   * Messages stored at once, each in its own transaction (commits wait on the disk; they overlap). Order between them
   * does not matter: versions and NATS timestamps decide what is newest.
   */
  concurrency?: number;
  /** The clock the silence check judges by (tests drive it). */
  now?: () => Date;
  log: Logger;
}

export interface WorkerStats {
  stored: number;
  repeated: number;
  dropped: Partial<Record<DropReason, number>>;
  failed: number;
  flaggedOffline: number;
}

export interface RunningWorker {
  stats: WorkerStats;
  /** Stops taking messages, finishes the one in hand, closes NATS and PostgreSQL. */
  stop(): Promise<void>;
  /** Settles when the worker has stopped (after `stop`, or on a fatal error). */
  done: Promise<void>;
}

const DEFAULT_CONCURRENCY = 8;

/** How long a message that failed to store (PostgreSQL unreachable) waits before it is delivered again. */
const RETRY_DELAY_MS = 1_000;

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
  for (const url of options.mqttUrls) {
    try {
      await ensureGatewayStreams(url, options.natsUser, options.natsPassword);
      return;
    } catch (err) {
      last = err;
    }
  }
  throw last instanceof Error ? last : new Error('no MQTT gateway answered');
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const log = options.log;
  const now = options.now ?? ((): Date => new Date());
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: concurrency + 1 });
  // A pool's idle client that loses its server emits 'error'; the next query reconnects.
  pool.on('error', (err) => log.warn({ err: err.message }, 'PostgreSQL connection lost'));
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
  await gatewayStreams(options);
  await ensureConsumer(jsm);
  const consumer = await nc.jetstream().consumers.get(STREAM, DURABLE);
  const stats: WorkerStats = { stored: 0, repeated: 0, dropped: {}, failed: 0, flaggedOffline: 0 };
  let stopping = false;
  let messages: ConsumerMessages | undefined;

  async function handle(m: JsMsg): Promise<void> {
    const client = await pool.connect();
    try {
      const result = await ingest(client, toIncoming(m));
      if (result.kind === 'dropped') {
        stats.dropped[result.reason] = (stats.dropped[result.reason] ?? 0) + 1;
        log.warn({ reason: result.reason, hubId: result.hubId, seq: m.info.streamSequence }, 'message dropped');
      } else if (result.stored) stats.stored += 1;
      else stats.repeated += 1;
      // Stored (or a repeat, or unusable): only now is the stream told it may forget it.
      m.ack();
    } catch (err) {
      stats.failed += 1;
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not store a message; retried');
      m.nak(RETRY_DELAY_MS);
    } finally {
      client.release();
    }
  }

  const consuming = (async (): Promise<void> => {
    while (!stopping) {
      try {
        messages = await consumer.consume({ max_messages: 2 * concurrency });
        const inFlight = new Set<Promise<void>>();
        for await (const m of messages) {
          const job = handle(m).finally(() => inFlight.delete(job));
          inFlight.add(job);
          if (inFlight.size >= concurrency) await Promise.race(inFlight);
          if (stopping) break;
        }
        await Promise.all(inFlight);
      } catch (err) {
        if (stopping) break;
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'consumer interrupted; resuming');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  })();

  const silenceMs = options.silenceMs ?? DEFAULT_SILENCE_MS;
  const maxBacklog = options.sweepMaxBacklog ?? 0;
  let sweeping = false;
  const sweepTimer = setInterval(() => {
    if (sweeping || stopping) return;
    sweeping = true;
    void (async () => {
      try {
        const info = await jsm.consumers.info(STREAM, DURABLE);
        if (info.num_pending > maxBacklog) {
          log.debug({ pending: info.num_pending }, 'silence check skipped while the backlog is caught up');
          return;
        }
        const client = await pool.connect();
        try {
          const flagged = await sweepSilentHubs(client, now(), silenceMs);
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
        await messages?.close();
        await consuming;
        await nc.drain().catch(() => undefined);
        await pool.end();
        resolveDone();
      })();
      return stopped;
    },
  };
  return worker;
}
