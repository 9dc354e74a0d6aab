// Where one pendant press's time goes inside the hub: marks along its path and what runs on the loop per press.
// `node dist/bench/hotPathTrace.js [--presses N] [--homes N] [--cpu-prof-dir D] [--bare] [--external] [--timeline]`:
// the hub in this process (1,000 homes, embedded broker or, with `--external`, a client of a Mosquitto started here;
// temp folder), a subscriber and a pendant in a child process; prints JSON. Counts are exact (they do not depend on
// the machine's load); the times are this run's. `--timeline` lists the loop's callbacks (timers, immediates, ticks,
// I/O) that ran between the press read and its alert leaving, with their offsets: the turns the press waited.
// `--bench-gaps` presses as `telecare bench` does (resolved at once, next press 1-5 ms later) instead of letting
// each press's aftermath (fsync, PUBACK, deliveries) finish first. `--load N`: N background events/s meanwhile.
// `--bad-logins N`: N MQTT connections a second with a wrong password meanwhile (each a scrypt check, bounded per source).
// `--bare` presses without any instrumentation (no marks, no counts): for instruction counts under callgrind.
// `--sched`: the scheduler's account (run-queue wait, CPU) of the hub's threads and the client around each press.
// `--stage-sched`: the hub's main thread's own scheduler account at each mark (on a core, runnable and waiting, and
// the rest: blocked in the kernel, e.g. a write waiting for the file system's journal), per step of the path.
// `--cpu` presses with nothing measured but the process's CPU time from the hub's read of each press to its alert
// written (and per whole press, its resolution and aftermath included): µs of work, which the neighbours' load
// inflates far less than wall time; compare builds by these, alternating runs.
// `--history DAYS`: the hub's database holds DAYS days of every home before it starts (as the bench's routine-review
// phase writes them; use with `--homes 200`); `--review` then presses only once the hub's first routine review has
// begun (a minute after its start) and accounts the review's slices on the loop (a home's answer from the analytics
// thread to the review's next home scheduled: caching the days, marking the day reviewed, the comparison) in front
// of each press. `--alloc`: the bytes the hub allocates per step of the path, and the scavenges per 1,000 presses.
// `--alloc-account`: no marks on the path; bytes allocated per ingested event (exact) and by stage (sampled), the
// scavenges, and the presses with one inside their path (bench/allocAccount.ts); with `--load N` and `--no-sample`.
// First, as in the hub's process (hub/hub.ts): mqtt-packet's debug loggers allocate nothing while off. Without it the
// `mqtt` client imported below loads mqtt-packet first and the traced hub pays a cost the real hub does not.
import '../hub/mqtt-debug.js';
import { execFile, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createHook } from 'node:async_hooks';
import { Session } from 'node:inspector/promises';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { parseHubConfig } from '../hub/config.js';
import { startHub, type RunningHub } from '../hub/hub.js';
import { createLogger } from '../hub/logger.js';
import { Ingest } from '../hub/ingest.js';
import { RulesRunner } from '../hub/rules-runner.js';
import { EmbeddedBroker } from '../hub/broker.js';
import { MqttAccess } from '../hub/mqtt-auth.js';
import { EventStore } from '../hub/store.js';
import { AlertChanges } from '../hub/alerts/changes.js';
import { AlertService } from '../hub/alerts/service.js';
import { benchConfig, PRESS_PENDANT_ID, pressSequence } from './configs.js';
import { makeTempDir, removeTempDir } from './children.js';
import { cpuUs, summarise, threadScheds, type ThreadSched } from './stats.js';
import { startMosquitto } from './mosquitto.js';
import { startLoad } from './load.js';
import { allocAccount, watchPressPath } from './allocAccount.js';
import { startBadLogins } from './badLogins.js';
import { writeHistory } from './history.js';
import { preparePrivateDataDir } from '../hub/private-files.js';
import { ActivityWorker } from '../analytics/offloop.js';
import { RoutineReview } from '../hub/routine-review.js';

const MARKS = [
  'pressed',
  'read',
  'authorize',
  'ingest',
  'rules',
  'apply',
  'stored',
  'publish',
  'written',
  'sent',
  'subscriberRead',
  'subscriberMessage',
  'puback',
  'idle',
] as const;
type Mark = (typeof MARKS)[number];

const COUNTS = [
  'sqlRun',
  'sqlGet',
  'sqlAll',
  'stringify',
  'parse',
  'logLines',
  'promises',
  'setImmediate',
  'nextTick',
  'timers',
  'socketWrites',
] as const;
type CountName = (typeof COUNTS)[number];

interface PressTrace {
  /** The press's topic: the hub's read of it is the chunk that holds it. */
  topic?: string;
  at: Partial<Record<Mark, number>>;
  /** The event batch's group commit (`EventStore.flush`): when it began and how long it took, µs. */
  flushAt?: number;
  flushUs?: number;
  /** Up to the alert written to the subscriber's socket. */
  toAlert: Record<CountName, number>;
  /** Up to the loop being idle after the press (PUBACK, fsync, delivery marks). */
  total: Record<CountName, number>;
  /** With `--timeline`: the loop's callbacks that ran from the press read to the alert sent, µs from the read. */
  turns?: LoopCallback[];
  /** With `--sched`: the scheduler's account of the press's window (press sent to alert parsed). */
  sched?: PressSched;
  /** With `--stage-sched`: the main thread's schedstat (run ns, run-queue wait ns) at each mark it took. */
  stageSched?: Partial<Record<Mark, [number, number]>>;
  /** With `--alloc`: the V8 heap's used bytes at each mark (a collection between two marks makes their gap void). */
  heapAt?: Partial<Record<Mark, number>>;
}

/** Scheduler figures of one press's window, µs (Linux schedstat deltas). */
interface PressSched {
  /** The hub's main thread: runnable but waiting for a core (run-queue wait), and on a core. */
  mainWaitUs: number;
  mainRunUs: number;
  /** The pendant-and-subscriber process's main thread, the same. */
  clientWaitUs: number;
  clientRunUs: number;
  /** The hub's other threads (V8's helpers, libuv's pool, workers): CPU they took in the window. */
  othersRunUs: number;
  /** Run-queue wait of the hub's other threads in the window. */
  othersWaitUs: number;
}

interface LoopCallback {
  /** async_hooks resource type (Immediate, TickObject, Timeout, TCPWRAP, FSREQCALLBACK, ...) and callback name. */
  what: string;
  atUs: number;
  tookUs: number;
}

const zero = (): Record<CountName, number> =>
  Object.fromEntries(COUNTS.map((c) => [c, 0])) as Record<CountName, number>;

interface TraceArgs {
  presses: number;
  homes: number;
  cpuProfDir: string | undefined;
  child: boolean;
  bare: boolean;
  external: boolean;
  timeline: boolean;
  cpu: boolean;
  benchGaps: boolean;
  /** Background events per second while pressing (0: none), from `telecare simulate` as the bench runs it. */
  load: number;
  /** Scheduler accounts (run-queue waits) around each press: is a slow press waiting for a core or working? */
  sched: boolean;
  /** MQTT connections with a wrong password per second while pressing (0: none), as the bench's bad-logins phase. */
  badLogins: number;
  /** The main thread's scheduler account at each mark: which step was on a core, waiting for one, or blocked. */
  stageSched: boolean;
  /** Days of history of every home written into the database before the hub starts (0: none). */
  historyDays: number;
  /** Bytes the hub allocates on the V8 heap per step of a press's path (what sets how often a scavenge lands in it). */
  alloc: boolean;
  /** Press only once the routine review runs, and account its loop slices. */
  review: boolean;
  /** Bytes allocated per event and per press by stage, and scavenges, with no marks on the path (allocAccount.ts). */
  allocAccount: boolean;
  /** With `allocAccount`: sample allocations by stack too (`--no-sample`: the exact totals and the GCs only). */
  allocSample: boolean;
}

function args(): TraceArgs {
  const argv = process.argv.slice(2);
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    presses: Number(value('--presses') ?? 200),
    homes: Number(value('--homes') ?? 1000),
    cpuProfDir: value('--cpu-prof-dir'),
    child: argv.includes('--client'),
    bare: argv.includes('--bare'),
    cpu: argv.includes('--cpu'),
    external: argv.includes('--external'),
    timeline: argv.includes('--timeline'),
    benchGaps: argv.includes('--bench-gaps'),
    load: Number(value('--load') ?? 0),
    sched: argv.includes('--sched'),
    badLogins: Number(value('--bad-logins') ?? 0),
    stageSched: argv.includes('--stage-sched'),
    historyDays: Number(value('--history') ?? 0),
    review: argv.includes('--review'),
    alloc: argv.includes('--alloc'),
    allocAccount: argv.includes('--alloc-account'),
    allocSample: !argv.includes('--no-sample'),
  };
}

/** The measuring side, in its own process: press, wait for the alert, tell the parent, repeat on its word. */
async function clientMain(): Promise<void> {
  const url = process.env.TRACE_MQTT_URL ?? '';
  const client = await traceClient(url);
  await client.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
  // When the alert's bytes reached this process (the last chunk read before the message), on the system's monotonic
  // clock, which the parent shares.
  let lastReadNs = 0n;
  let pressedNs = 0n;
  let pressedSched: ThreadSched | undefined;
  const ownSched = (): ThreadSched | undefined => threadScheds().find((t) => t.tid === process.pid);
  const stream = client.stream as net.Socket;
  // Before mqtt.js's own listener (the pipe), which parses and emits the message within the same 'data' event.
  stream.prependListener('data', () => (lastReadNs = process.hrtime.bigint()));
  client.on('message', (topic, payload) => {
    if (payload.length === 0) return;
    const messageNs = process.hrtime.bigint();
    const alert = JSON.parse(payload.toString()) as { id: string; state: string };
    const now = pressedSched ? ownSched() : undefined;
    if (alert.state === 'raised')
      process.send?.({
        alert: alert.id,
        pressedNs: String(pressedNs),
        readNs: String(lastReadNs),
        messageNs: String(messageNs),
        ...(now && pressedSched
          ? { waitNs: now.waitNs - pressedSched.waitNs, runNs: now.runNs - pressedSched.runNs }
          : {}),
      });
  });
  process.on('message', (msg: { press?: string; end?: boolean; sched?: boolean }) => {
    if (msg.end) {
      void client.endAsync().then(() => process.exit(0));
      return;
    }
    if (msg.press === undefined) return;
    const payload = JSON.stringify({ type: 'pendant', value: true, ts: new Date().toISOString() });
    pressedSched = msg.sched === true ? ownSched() : undefined;
    pressedNs = process.hrtime.bigint();
    client.publish(pressTopic(msg.press), payload, { qos: 1 });
  });
  process.send?.({ ready: true });
}

/** The wrong-password connections, in this child process until the parent says end; then it tells its counts. */
async function badLoginMain(): Promise<void> {
  const flood = startBadLogins(process.env.TRACE_MQTT_URL ?? '', Number(process.env.TRACE_BAD_LOGINS));
  process.on('message', (msg: { end?: boolean }) => {
    if (!msg.end) return;
    void flood.stop().then(() => {
      process.send?.({ attempts: flood.attempts(), refused: flood.refused() }, () => process.exit(0));
    });
  });
  process.send?.({ ready: true });
  return Promise.resolve();
}

/** Starts the wrong-password flood in a child process; `stop` ends it and answers its counts. */
async function startBadLoginClient(
  mqttUrl: string,
  ratePerS: number,
): Promise<{ stop: () => Promise<{ attempts: number; refused: number }> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--bad-login-client'], {
    env: { ...process.env, TRACE_MQTT_URL: mqttUrl, TRACE_BAD_LOGINS: String(ratePerS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => child.once('message', resolve));
  return {
    stop: async () => {
      const counts = new Promise<{ attempts: number; refused: number }>((resolve) =>
        child.once('message', (m) => resolve(m as { attempts: number; refused: number })),
      );
      child.send({ end: true });
      const result = await counts;
      await endClient(child);
      return result;
    },
  };
}

async function main(): Promise<void> {
  const opts = args();
  if (opts.child) return clientMain();
  if (process.argv.includes('--bad-login-client')) return badLoginMain();
  const dir = makeTempDir('telecare-trace-');
  let logLines = 0;
  // A log line costs its serialisation here; the write itself goes nowhere (the bench's hub writes to a pipe).
  const sink = new Writable({
    write(_chunk, _enc, cb) {
      logLines++;
      cb();
    },
  });
  const mosquitto = opts.external ? await startMosquitto() : undefined;
  if (opts.historyDays > 0)
    await writeHistory(preparePrivateDataDir(path.join(dir, 'data')), opts.homes, opts.historyDays, 31);
  // The routine review's slices on the loop: from a home's answer arriving from the analytics thread (its message
  // handled) to the review scheduling its next home, when the chain of promise reactions in between has run.
  const reviewSlices: { start: number; end: number }[] = [];
  let reviewSliceFrom: number | undefined;
  if (opts.review) {
    const workerProto = ActivityWorker.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const settle = workerProto.settle as (...a: unknown[]) => unknown;
    workerProto.settle = function (this: unknown, ...a: unknown[]): unknown {
      reviewSliceFrom = performance.now();
      return settle.apply(this, a);
    };
    const reviewProto = RoutineReview.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const endSlice = (): void => {
      if (reviewSliceFrom !== undefined) reviewSlices.push({ start: reviewSliceFrom, end: performance.now() });
      reviewSliceFrom = undefined;
    };
    // Since session 31 the review's loop work is two turns: the answer and its rows cached (`cacheAnswer`), then
    // the day marked and its decisions told (`finishHome`); before, one turn from the answer to `schedule`.
    const wrap = (name: string, around: (call: () => unknown) => unknown): void => {
      const fn = reviewProto[name];
      if (!fn) return;
      reviewProto[name] = function (this: unknown, ...a: unknown[]): unknown {
        return around(() => fn.apply(this, a));
      };
    };
    wrap('cacheAnswer', (call) => {
      const result = call();
      endSlice();
      return result;
    });
    wrap('finishHome', (call) => {
      reviewSliceFrom = performance.now();
      const result = call();
      endSlice();
      return result;
    });
    wrap('schedule', (call) => {
      endSlice();
      return call();
    });
  }
  const hub: RunningHub = await startHub({
    config: parseHubConfig(benchConfig(opts.homes)),
    dataDir: path.join(dir, 'data'),
    mqttPort: 0,
    httpPort: 0,
    host: '127.0.0.1',
    adminPassword: 'trace-admin-password-not-used',
    logger: createLogger({ destination: sink }),
    announce: () => undefined,
    ...(mosquitto ? { mqttUrl: mosquitto.mqttUrl } : {}),
  });
  const mqttUrl = mosquitto?.mqttUrl ?? `mqtt://127.0.0.1:${hub.ports.mqtt ?? 0}`;
  // The hub's side of the MQTT path: the embedded broker's accepted sockets, or the hub's own client socket.
  const brokerPort = Number(new URL(mqttUrl).port);
  const hubSide = (socket: net.Socket): boolean =>
    mosquitto ? socket.remotePort === brokerPort : socket.localPort === brokerPort;

  if (opts.cpu) {
    // With `--bad-logins`, the flood runs (in its own process) while pressing, as in the full trace.
    const flood = opts.badLogins > 0 ? await startBadLoginClient(mqttUrl, opts.badLogins) : undefined;
    const cpu = await cpuPresses(mqttUrl, hub, opts, hubSide);
    const floodCounts = await flood?.stop();
    await hub.stop();
    await mosquitto?.stop();
    removeTempDir(dir);
    process.stdout.write(
      `${JSON.stringify({ homes: opts.homes, external: opts.external, ...cpu, logLines, badLogins: floodCounts })}\n`,
    );
    return;
  }

  if (opts.allocAccount) {
    const watch = watchPressPath(hubSide);
    const { child, fromChild } = await startClient(mqttUrl);
    const load =
      opts.load > 0
        ? startLoad({ mqttUrl, homes: 200, days: 3, rate: opts.load, durationS: 600, seed: 21 })
        : undefined;
    // The generator makes its days in memory first: press only once it is publishing.
    for (let waitedMs = 0; load && load.counts().published === 0 && waitedMs < 60_000; waitedMs += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    if (load) await new Promise((resolve) => setTimeout(resolve, 1000));
    const ingested = async (): Promise<number> => {
      const metric = await hub.metrics.getSingleMetric('telecare_ingest_events_total')?.get();
      return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
    };
    const account = await allocAccount(
      hub,
      { fromChild, send: (press) => child.send({ press }), topic: pressTopic },
      { homes: opts.homes, presses: opts.presses, sample: opts.allocSample },
      watch,
      ingested,
    );
    await load?.stop();
    await endClient(child);
    await hub.stop();
    await mosquitto?.stop();
    removeTempDir(dir);
    const flags = process.execArgv.join(' ');
    process.stdout.write(
      `${JSON.stringify({ homes: opts.homes, load: opts.load, flags, ...account, peakRssMb: peakRssMb() }, null, 2)}\n`,
    );
    return;
  }

  if (opts.bare) {
    await barePresses(mqttUrl, hub, opts.homes, opts.presses);
    await hub.stop();
    await mosquitto?.stop();
    removeTempDir(dir);
    process.stdout.write(`${JSON.stringify({ presses: opts.presses, homes: opts.homes, logLines })}\n`);
    return;
  }

  let current: PressTrace | undefined;
  let counting = false;
  const counts = zero();
  const bump = (name: CountName): void => {
    if (counting) counts[name]++;
  };
  const mark = (name: Mark): void => {
    if (!current || current.at[name] !== undefined) return;
    if (opts.stageSched) (current.stageSched ??= {})[name] = mainSchedNs();
    if (opts.alloc) (current.heapAt ??= {})[name] = v8.getHeapStatistics().used_heap_size;
    current.at[name] = performance.now();
  };
  const wrap = <T extends object>(proto: T, method: keyof T & string, before: () => void, after?: () => void): void => {
    const original = proto[method] as unknown as (...a: unknown[]) => unknown;
    (proto as Record<string, unknown>)[method] = function (this: unknown, ...a: unknown[]): unknown {
      before();
      const result = original.apply(this, a);
      after?.();
      return result;
    };
  };

  // The path's marks.
  wrap(MqttAccess.prototype, 'canPublish', () => mark('authorize'));
  wrap(
    Ingest.prototype,
    'fromMqtt',
    () => undefined,
    () => mark('ingest'),
  );
  wrap(RulesRunner.prototype, 'feed', () => mark('rules'));
  wrap(AlertService.prototype, 'apply', () => mark('apply'));
  wrap(AlertChanges.prototype, 'publish', () => mark('stored'));
  wrap(EmbeddedBroker.prototype, 'publish', () => mark('publish'));
  if (opts.external) {
    const { ExternalBroker } = await import('../hub/broker-client.js');
    wrap(ExternalBroker.prototype, 'publish', () => mark('publish'));
  }
  const storeProto = EventStore.prototype as unknown as { flush: (this: EventStore) => void };
  const flush = storeProto.flush;
  storeProto.flush = function (this: EventStore): void {
    const startedAt = performance.now();
    flush.call(this);
    if (current && current.flushAt === undefined) {
      current.flushAt = startedAt;
      current.flushUs = (performance.now() - startedAt) * 1000;
    }
  };
  const statement = hub.db.prepare('SELECT 1') as unknown as object;
  const statementProto = Object.getPrototypeOf(statement) as Record<string, unknown>;
  wrap(statementProto, 'run', () => bump('sqlRun'));
  wrap(statementProto, 'get', () => bump('sqlGet'));
  wrap(statementProto, 'all', () => bump('sqlAll'));
  wrap(JSON, 'stringify', () => bump('stringify'));
  wrap(JSON, 'parse', () => bump('parse'));
  wrap(globalThis, 'setImmediate', () => bump('setImmediate'));
  wrap(globalThis, 'setTimeout', () => bump('timers'));
  wrap(process, 'nextTick', () => bump('nextTick'));
  // With --timeline: every callback the loop runs (not promise reactions), by its resource's type and function name.
  const names = new Map<number, string>();
  const workerStarts: number[] = [];
  let turns: LoopCallback[] | undefined;
  const began = new Map<number, number>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type === 'PROMISE') bump('promises');
      // A worker thread started (the store's WAL checkpoint): its start takes a core for 100+ ms.
      else if (type === 'WORKER') workerStarts.push(performance.now());
      else if (opts.timeline) names.set(id, `${type}:${callbackName(resource)}`);
    },
    ...(opts.timeline
      ? {
          before(id: number) {
            if (turns && names.has(id)) began.set(id, performance.now());
          },
          after(id: number) {
            const start = began.get(id);
            if (start === undefined || !turns) return;
            began.delete(id);
            // Absolute for now (ms); made relative to the press read once the press is done.
            turns.push({
              what: names.get(id) ?? '?',
              atUs: start,
              tookUs: Math.round((performance.now() - start) * 1000),
            });
          },
          destroy(id: number) {
            names.delete(id);
          },
        }
      : {}),
  });
  hook.enable();

  const socketProto = net.Socket.prototype as unknown as Record<string, unknown>;
  const originalWrite = socketProto.write as (this: net.Socket, ...a: unknown[]) => boolean;
  const originalPush = socketProto.push as (this: net.Socket, ...a: unknown[]) => boolean;
  const originalWriteGeneric = socketProto._writeGeneric as
    ((this: net.Socket, ...a: unknown[]) => unknown) | undefined;
  socketProto.write = function (this: net.Socket, ...a: unknown[]): boolean {
    if (counting) counts.socketWrites++;
    const chunk = a[0];
    if (current && Buffer.isBuffer(chunk) && hubSide(this)) {
      const first = chunk[0] ?? 0;
      // 0x3x: PUBLISH (the alert to the subscriber); 0x40: PUBACK (to the pendant).
      if (first >> 4 === 3 && current.at.publish !== undefined && current.at.written === undefined) {
        mark('written');
        current.toAlert = { ...counts };
      }
      if (first === 0x40) mark('puback');
    }
    return originalWrite.apply(this, a);
  };
  // The bytes handed to the kernel: a corked socket (mqtt-packet corks until the next tick) writes after `write`.
  if (originalWriteGeneric) {
    socketProto._writeGeneric = function (this: net.Socket, ...a: unknown[]): unknown {
      if (current?.at.written !== undefined && hubSide(this)) mark('sent');
      return originalWriteGeneric.apply(this, a);
    };
  }
  // Every chunk read from a socket goes through push(), whether the stream is read paused (aedes) or flowing (mqtt.js).
  socketProto.push = function (this: net.Socket, ...a: unknown[]): boolean {
    if (current && a[0] !== null && hubSide(this)) {
      // The press's own PUBLISH, not a PUBACK of the previous alert's deliveries nor a background event read first.
      if (current.topic !== undefined && (a[0] as Buffer).includes(current.topic)) mark('read');
      if (opts.timeline && turns) {
        // What was read (first byte: the MQTT packet type) and how much, on the timeline.
        const chunk = a[0] as Buffer;
        turns.push({
          what: `read:0x${(chunk[0] ?? 0).toString(16)}:${chunk.length}B`,
          atUs: performance.now(),
          tookUs: 0,
        });
      }
    }
    return originalPush.apply(this, a);
  };

  const { child, fromChild } = await startClient(mqttUrl);
  const load =
    opts.load > 0 ? startLoad({ mqttUrl, homes: 200, days: 3, rate: opts.load, durationS: 600, seed: 21 }) : undefined;
  if (load) {
    // The generator makes its days in memory first: press only once it is publishing.
    for (let waitedMs = 0; load.counts().published === 0 && waitedMs < 60_000; waitedMs += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (opts.review) {
    // The first round starts a minute after the hub (hub/routine-review.ts): press once it has reviewed a home.
    for (let waitedMs = 0; reviewSlices.length === 0 && waitedMs < 150_000; waitedMs += 200)
      await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const loadFrom = { t: performance.now(), n: load?.counts().published ?? 0 };
  // In a process of their own, as the bench's guessing clients are not the hub's.
  const badLogins = opts.badLogins > 0 ? await startBadLoginClient(mqttUrl, opts.badLogins) : undefined;
  const processCpuFrom = cpuUs();
  const runFrom = performance.now();

  const session = new Session();
  if (opts.cpuProfDir) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    // Every allocation sampled, not only what is still alive at the end: the scavenges follow the allocation rate.
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }

  const traces: PressTrace[] = [];
  // The system's monotonic clock at performance.now() = 0: the child's hrtime marks go on this process's timeline.
  const originNs = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
  // Every garbage collection of the run, on the marks' timeline: which presses had one between read and written.
  const collections: { start: number; end: number; minor: boolean }[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      collections.push({
        start: entry.startTime,
        end: entry.startTime + entry.duration,
        minor: kind === constants.NODE_PERFORMANCE_GC_MINOR,
      });
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const presses = pressSequence(opts.homes, opts.presses);
  for (const homeId of presses) {
    const alerted = fromChild();
    for (const c of COUNTS) counts[c] = 0;
    const logsBefore = logLines;
    current = { at: {}, toAlert: zero(), total: zero(), topic: pressTopic(homeId) };
    counting = true;
    if (opts.timeline) turns = [];
    const schedBefore = opts.sched ? threadScheds() : undefined;
    child.send({ press: homeId, sched: opts.sched });
    const { alert, pressedNs, readNs, messageNs, waitNs, runNs } = await alerted;
    if (schedBefore) current.sched = pressSched(schedBefore, threadScheds(), waitNs ?? NaN, runNs ?? NaN);
    if (pressedNs !== undefined) current.at.pressed = Number(BigInt(pressedNs) - originNs) / 1e6;
    if (readNs !== undefined) current.at.subscriberRead = Number(BigInt(readNs) - originNs) / 1e6;
    if (messageNs !== undefined) current.at.subscriberMessage = Number(BigInt(messageNs) - originNs) / 1e6;
    // The callbacks up to the alert sent; those after it are not the press's wait.
    if (turns) {
      // From the pendant's publish to the alert sent: what the loop ran meanwhile, µs from the hub's read of the press.
      const { pressed, read, sent, written } = current.at;
      const from = pressed ?? read ?? 0;
      const to = sent ?? written ?? Infinity;
      current.turns = turns
        .filter((t) => t.atUs + t.tookUs / 1000 >= from && t.atUs <= to)
        .map((t) => ({ ...t, atUs: Math.round((t.atUs - (read ?? 0)) * 1000) }));
      turns = undefined;
    }
    if (opts.benchGaps) {
      // As `telecare bench` presses: the alert resolved at once, the next press 1-5 ms later, whatever the press
      // set off (its fsync and PUBACK, the resolution's deliveries) still under way.
      current.total = { ...counts, logLines: logLines - logsBefore };
      traces.push(current);
      current = undefined;
      counting = false;
      if (alert) hub.alerts.resolve(alert, 'false-alarm', null, 'trace');
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 4));
      continue;
    }
    // Everything the press set off: PUBACK after the fsync, delivery marks, the next fsync.
    await new Promise((resolve) => setTimeout(resolve, 30));
    counting = false;
    current.at.idle = performance.now();
    current.total = { ...counts, logLines: logLines - logsBefore };
    current.toAlert.logLines = current.total.logLines;
    traces.push(current);
    current = undefined;
    if (alert) hub.alerts.resolve(alert, 'false-alarm', null, 'trace');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  if (opts.cpuProfDir) {
    fs.mkdirSync(opts.cpuProfDir, { recursive: true });
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(path.join(opts.cpuProfDir, 'hotpath.cpuprofile'), JSON.stringify(profile));
    const heap = await session.post('HeapProfiler.stopSampling');
    fs.writeFileSync(path.join(opts.cpuProfDir, 'hotpath.heapprofile'), JSON.stringify(heap.profile));
    session.disconnect();
  }
  const loadRate = load ? ((load.counts().published - loadFrom.n) / (performance.now() - loadFrom.t)) * 1000 : 0;
  // The hub process's CPU over the presses (every thread), in cores: what the background work added.
  const coresUsed = (cpuUs() - processCpuFrom) / 1000 / (performance.now() - runFrom);
  const badLoginCounts = await badLogins?.stop();
  await load?.stop();
  hook.disable();
  gcObserver.disconnect();
  await endClient(child);
  await hub.stop();
  await mosquitto?.stop();
  removeTempDir(dir);

  // The first presses warm up V8 and SQLite's caches: left out.
  const kept = traces.slice(Math.min(20, Math.floor(traces.length / 5)));
  // Each step from the mark before it that the press has (external mode has no authorizePublish, for one).
  const gapsByStep = new Map<string, number[]>();
  for (const t of kept) {
    let previous: Mark | undefined;
    for (const m of MARKS) {
      const at = t.at[m];
      if (at === undefined) continue;
      const from = previous === undefined ? undefined : t.at[previous];
      if (previous !== undefined && from !== undefined) {
        const key = `${previous}→${m}`;
        const gaps = gapsByStep.get(key) ?? [];
        gaps.push(at - from);
        gapsByStep.set(key, gaps);
      }
      previous = m;
    }
  }
  const steps: Record<string, unknown> = {};
  for (const [key, gaps] of gapsByStep) {
    const s = summarise(gaps);
    steps[key] = { p50Us: Math.round(s.p50 * 1000), p99Us: Math.round(s.p99 * 1000), n: s.count };
  }
  const between = (a: Mark, b: Mark): { p50Us: number; p99Us: number } => {
    const s = summarise(kept.map((t) => (t.at[b] ?? NaN) - (t.at[a] ?? NaN)).filter((g) => Number.isFinite(g)));
    return { p50Us: Math.round(s.p50 * 1000), p99Us: Math.round(s.p99 * 1000) };
  };
  const median = (pick: (t: PressTrace) => number): number => {
    const sorted = kept.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? NaN;
  };
  const perPress = (key: 'toAlert' | 'total'): Record<string, number> =>
    Object.fromEntries(COUNTS.map((c) => [c, median((t) => t[key][c])]));
  process.stdout.write(
    `${JSON.stringify(
      {
        presses: kept.length,
        homes: opts.homes,
        external: opts.external,
        backgroundEventsPerS: Math.round(loadRate),
        coresUsed: Math.round(coresUsed * 100) / 100,
        ...(badLoginCounts ? { badLogins: badLoginCounts } : {}),
        readToAlertWritten: between('read', 'written'),
        readToAlertSent: between('read', 'sent'),
        /** The hub's read of the press to the subscriber's read of the alert (both on the monotonic clock). */
        readToSubscriberRead: between('read', 'subscriberRead'),
        /** The pendant's publish call to its alert parsed by the subscriber: what `telecare bench` times. */
        pressedToSubscriberMessage: between('pressed', 'subscriberMessage'),
        steps,
        /** Presses whose alert went to the subscriber's socket only after the event batch's group commit. */
        alertAfterGroupCommit: kept.filter(
          (t) => t.flushAt !== undefined && t.at.written !== undefined && t.flushAt < t.at.written,
        ).length,
        groupCommitUs: { p50: median((t) => t.flushUs ?? NaN) },
        gcInPath: gcInPath(kept, collections),
        slowest: slowestPresses(kept, collections, workerStarts),
        ...(opts.review ? { review: reviewSummary(kept, reviewSlices) } : {}),
        ...(opts.alloc ? { allocated: allocSummary(kept, collections) } : {}),
        ...(opts.sched ? { sched: schedSummary(kept) } : {}),
        ...(opts.stageSched ? { stageSched: stageSchedSummary(kept) } : {}),
        perPressToAlert: perPress('toAlert'),
        perPressTotal: perPress('total'),
        ...(opts.timeline ? { timeline: timelineSummary(kept) } : {}),
      },
      null,
      2,
    )}\n`,
  );
}

/** The name of the function an async resource will call back (for the timeline). */
function callbackName(resource: unknown): string {
  const r = resource as { _onImmediate?: unknown; _onTimeout?: unknown; callback?: unknown; oncomplete?: unknown };
  const fn = r._onImmediate ?? r._onTimeout ?? r.callback ?? r.oncomplete;
  if (typeof fn !== 'function') return '';
  // An anonymous arrow (most immediates here) by the start of its source: which of them ran is the point.
  return fn.name || fn.toString().replace(/\s+/g, ' ').slice(0, 60);
}

/**
 * The loop's callbacks between a press read and its alert sent: per kind, in how many presses it ran and the median
 * count and time; and the full list of the median press (by read → sent).
 */
function timelineSummary(traces: readonly PressTrace[]): Record<string, unknown> {
  const withTurns = traces.filter((t) => t.turns !== undefined);
  const byWhat = new Map<string, { presses: number; counts: number[]; tookUs: number[] }>();
  for (const t of withTurns) {
    const seen = new Map<string, number>();
    for (const c of t.turns ?? []) {
      seen.set(c.what, (seen.get(c.what) ?? 0) + 1);
      const entry = byWhat.get(c.what) ?? { presses: 0, counts: [], tookUs: [] };
      entry.tookUs.push(c.tookUs);
      byWhat.set(c.what, entry);
    }
    for (const [what, n] of seen) {
      const entry = byWhat.get(what);
      if (!entry) continue;
      entry.presses++;
      entry.counts.push(n);
    }
  }
  const kinds = Object.fromEntries(
    [...byWhat].map(([what, e]) => [
      what,
      { presses: e.presses, countP50: summarise(e.counts).p50, tookP50Us: summarise(e.tookUs).p50 },
    ]),
  );
  const bySent = [...withTurns].sort(
    (a, b) =>
      (a.at.sent ?? a.at.written ?? 0) - (a.at.read ?? 0) - ((b.at.sent ?? b.at.written ?? 0) - (b.at.read ?? 0)),
  );
  const mid = bySent[Math.floor(bySent.length / 2)];
  const marks = mid
    ? Object.fromEntries(MARKS.map((m) => [m, Math.round(((mid.at[m] ?? NaN) - (mid.at.read ?? 0)) * 1000)]))
    : {};
  const slowest = bySent.slice(-3).map((t) => ({
    marksUs: Object.fromEntries(MARKS.map((m) => [m, Math.round(((t.at[m] ?? NaN) - (t.at.read ?? 0)) * 1000)])),
    callbacks: (t.turns ?? []).filter((c) => c.tookUs >= 20 || c.what.startsWith('read:')),
  }));
  return { presses: withTurns.length, kinds, medianPress: { marksUs: marks, callbacks: mid?.turns ?? [] }, slowest };
}

/**
 * The measuring client: as `telecare bench`'s (Nagle off), but under callgrind the hub answers its CONNECT only
 * after minutes (every instruction is simulated), so it waits for as long as it takes there.
 */
async function traceClient(url: string): Promise<MqttClient> {
  if (process.env.TRACE_CALLGRIND !== '1') {
    const { connectMqtt } = await import('../simulate/mqttConnect.js');
    return connectMqtt(url, { clientId: `trace-${process.pid}` });
  }
  const { port } = new URL(url);
  const client = new mqtt.MqttClient(
    () => net.createConnection({ host: '127.0.0.1', port: Number(port), noDelay: true }),
    {
      clientId: `trace-${process.pid}`,
      connectTimeout: 3_600_000,
      reconnectPeriod: 0,
    },
  );
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/**
 * Presses with a garbage collection between the PUBLISH read and the alert written (any overlap), how many of those
 * were minor (scavenges of the young generation), and their pause inside the path, µs.
 */
function gcInPath(
  traces: readonly PressTrace[],
  collections: readonly { start: number; end: number; minor: boolean }[],
): { presses: number; withGc: number; withMinorGc: number; pauseInPathP50Us: number; pauseInPathMaxUs: number } {
  let withGc = 0;
  let withMinorGc = 0;
  const pauses: number[] = [];
  for (const t of traces) {
    const { read, written } = t.at;
    if (read === undefined || written === undefined) continue;
    const inPath = collections.filter((c) => c.end > read && c.start < written);
    if (inPath.length === 0) continue;
    withGc++;
    if (inPath.some((c) => c.minor)) withMinorGc++;
    pauses.push(inPath.reduce((sum, c) => sum + Math.min(c.end, written) - Math.max(c.start, read), 0));
  }
  const s = summarise(pauses);
  return {
    presses: traces.length,
    withGc,
    withMinorGc,
    pauseInPathP50Us: Math.round(s.p50 * 1000) || 0,
    pauseInPathMaxUs: Math.round(s.max * 1000) || 0,
  };
}

/** Before a press, how recently a worker start counts as in front of it: the start's CPU (~130-190 ms, session 21). */
const WORKER_START_REACH_MS = 200;
/** A loop callback this long (other than the press's own) is work the press waited behind. */
const LONG_CALLBACK_US = 100;

/**
 * The slowest 5 % of presses (by the pendant's publish to its alert parsed, what `telecare bench` times): where
 * their time went (before the hub's read, the hub's read to the alert sent, after it, medians, µs) and how many of
 * them had in front of them a garbage collection, a worker thread started in the last 200 ms (the WAL checkpoint), or
 * (with `--timeline`) another loop callback of 100 µs or more, by kind: what sets the p99.
 */
function slowestPresses(
  traces: readonly PressTrace[],
  collections: readonly { start: number; end: number; minor: boolean }[],
  workerStarts: readonly number[],
): Record<string, unknown> {
  const total = (t: PressTrace): number => (t.at.subscriberMessage ?? NaN) - (t.at.pressed ?? NaN);
  const timed = traces.filter((t) => Number.isFinite(total(t))).sort((a, b) => total(a) - total(b));
  const slow = timed.slice(Math.floor(timed.length * 0.95));
  const spanUs = (t: PressTrace, from: Mark, to: Mark): number => ((t.at[to] ?? NaN) - (t.at[from] ?? NaN)) * 1000;
  const medianUs = (values: number[]): number => Math.round(summarise(values.filter(Number.isFinite)).p50);
  let withGc = 0;
  let withMinorGc = 0;
  let withWorkerStart = 0;
  let withLongCallback = 0;
  const longCallbacks = new Map<string, number>();
  for (const t of slow) {
    const from = t.at.pressed ?? 0;
    const to = t.at.subscriberMessage ?? 0;
    const gcs = collections.filter((c) => c.end > from && c.start < to);
    if (gcs.length > 0) withGc++;
    if (gcs.some((c) => c.minor)) withMinorGc++;
    if (workerStarts.some((at) => at > from - WORKER_START_REACH_MS && at < to)) withWorkerStart++;
    // The press's own callbacks hold one of its marks (its read, its handling, its alert's write): the other long
    // ones ran in front of or between them.
    const read = t.at.read ?? 0;
    const ownMarksUs = MARKS.slice(MARKS.indexOf('read'), MARKS.indexOf('sent') + 1)
      .map((m) => t.at[m])
      .filter((at): at is number => at !== undefined)
      .map((at) => (at - read) * 1000);
    const inFront = (t.turns ?? []).filter(
      (c) =>
        c.tookUs >= LONG_CALLBACK_US &&
        !c.what.startsWith('read:') &&
        !ownMarksUs.some((at) => at >= c.atUs && at <= c.atUs + c.tookUs),
    );
    if (inFront.length > 0) withLongCallback++;
    for (const kind of new Set(inFront.map((c) => c.what))) longCallbacks.set(kind, (longCallbacks.get(kind) ?? 0) + 1);
  }
  return {
    presses: slow.length,
    fromUs: slow[0] ? Math.round(total(slow[0]) * 1000) : null,
    pressedToReadP50Us: medianUs(slow.map((t) => spanUs(t, 'pressed', 'read'))),
    readToSentP50Us: medianUs(slow.map((t) => spanUs(t, 'read', 'sent'))),
    sentToSubscriberMessageP50Us: medianUs(slow.map((t) => spanUs(t, 'sent', 'subscriberMessage'))),
    withGc,
    withMinorGc,
    withWorkerStart,
    withLongCallback,
    longCallbacks: Object.fromEntries(longCallbacks),
  };
}

/**
 * Bytes allocated on the V8 heap (used size at one mark to the next, the hub and this tool's marks alike) per step of
 * the hub's path, read to written, p50 / p99, over the presses with no garbage collection in that step; and the
 * number of scavenges per 1,000 presses over the run. A count of bytes, not a time: the machine's load does not move
 * it. Steps are as the marks fall (mark(), which reads the heap, allocates its own small object in each).
 */
function allocSummary(
  traces: readonly PressTrace[],
  collections: readonly { start: number; end: number; minor: boolean }[],
): Record<string, unknown> {
  const path = MARKS.slice(MARKS.indexOf('read'), MARKS.indexOf('written') + 1);
  const result: Record<string, unknown> = {};
  const span = (a: Mark, b: Mark): string => {
    const bytes: number[] = [];
    for (const t of traces) {
      const [ha, hb, wa, wb] = [t.heapAt?.[a], t.heapAt?.[b], t.at[a], t.at[b]];
      if (ha === undefined || hb === undefined || wa === undefined || wb === undefined) continue;
      if (collections.some((c) => c.end > wa && c.start < wb)) continue;
      bytes.push(hb - ha);
    }
    const s = summarise(bytes);
    return `${Math.round(s.p50)} / ${Math.round(s.p99)} (n ${s.count})`;
  };
  for (let i = 1; i < path.length; i++)
    result[`${path[i - 1]}→${path[i]}`] = span(path[i - 1] as Mark, path[i] as Mark);
  result['read→written'] = span('read', 'written');
  const first = traces[0]?.at.pressed ?? 0;
  const last = traces.at(-1)?.at.subscriberMessage ?? Infinity;
  const scavenges = collections.filter((c) => c.minor && c.start > first && c.end < last).length;
  result.scavengesPer1000Presses = Math.round((scavenges / Math.max(1, traces.length)) * 1000);
  return result;
}

/**
 * The routine review's loop slices during the presses (µs, p50 / p99 / max), how many presses had one between their
 * publish and their alert sent, and for the slowest 5 % and 2 % of presses (pendant → alert parsed) how many.
 */
function reviewSummary(
  traces: readonly PressTrace[],
  slices: readonly { start: number; end: number }[],
): Record<string, unknown> {
  const first = traces[0]?.at.pressed ?? 0;
  const last = traces.at(-1)?.at.subscriberMessage ?? Infinity;
  const during = slices.filter((s) => s.end > first && s.start < last);
  const s = summarise(during.map((x) => (x.end - x.start) * 1000));
  const hit = (t: PressTrace): boolean => {
    const from = t.at.pressed ?? t.at.read ?? 0;
    const to = t.at.sent ?? t.at.written ?? 0;
    return during.some((x) => x.end > from && x.start < to);
  };
  const total = (t: PressTrace): number => (t.at.subscriberMessage ?? NaN) - (t.at.pressed ?? NaN);
  const timed = traces.filter((t) => Number.isFinite(total(t))).sort((a, b) => total(a) - total(b));
  const slow5 = timed.slice(Math.floor(timed.length * 0.95));
  const slow2 = timed.slice(Math.floor(timed.length * 0.98));
  return {
    slices: during.length,
    sliceUs: `${Math.round(s.p50)} / ${Math.round(s.p99)} / ${Math.round(s.max)}`,
    pressesWithSlice: traces.filter(hit).length,
    slowest5pcWithSlice: `${slow5.filter(hit).length} of ${slow5.length}`,
    slowest2pcWithSlice: `${slow2.filter(hit).length} of ${slow2.length}`,
  };
}

/** The scheduler's deltas of a press's window: the hub's main thread, its other threads, and the client's. */
function pressSched(
  before: ThreadSched[],
  after: ThreadSched[],
  clientWaitNs: number,
  clientRunNs: number,
): PressSched {
  const was = new Map(before.map((t) => [t.tid, t]));
  let mainWaitNs = 0;
  let mainRunNs = 0;
  let othersRunNs = 0;
  let othersWaitNs = 0;
  for (const t of after) {
    // A thread started in the window (a worker) counts from zero.
    const from = was.get(t.tid) ?? { runNs: 0, waitNs: 0 };
    if (t.tid === process.pid) {
      mainWaitNs = t.waitNs - from.waitNs;
      mainRunNs = t.runNs - from.runNs;
    } else {
      othersRunNs += t.runNs - from.runNs;
      othersWaitNs += t.waitNs - from.waitNs;
    }
  }
  const us = (ns: number): number => Math.round(ns / 1000);
  return {
    mainWaitUs: us(mainWaitNs),
    mainRunUs: us(mainRunNs),
    clientWaitUs: us(clientWaitNs),
    clientRunUs: us(clientRunNs),
    othersRunUs: us(othersRunNs),
    othersWaitUs: us(othersWaitNs),
  };
}

/**
 * Medians of the scheduler figures for every press, the slowest 5 % and the slowest 2 % (by pendant publish to alert
 * parsed), and how many slow presses had their main thread wait for a core for 500 µs or more: whether the tail is
 * threads waiting for a core (contention) or the hub's main thread working.
 */
function schedSummary(traces: readonly PressTrace[]): Record<string, unknown> {
  const total = (t: PressTrace): number => (t.at.subscriberMessage ?? NaN) - (t.at.pressed ?? NaN);
  const timed = traces.filter((t) => t.sched && Number.isFinite(total(t))).sort((a, b) => total(a) - total(b));
  const keys = ['mainWaitUs', 'mainRunUs', 'clientWaitUs', 'clientRunUs', 'othersRunUs', 'othersWaitUs'] as const;
  const group = (part: readonly PressTrace[]): Record<string, number> => ({
    presses: part.length,
    totalP50Us: Math.round(summarise(part.map(total)).p50 * 1000),
    ...Object.fromEntries(keys.map((k) => [`${k}P50`, summarise(part.map((t) => t.sched?.[k] ?? NaN)).p50])),
    mainWaited500UsOrMore: part.filter((t) => (t.sched?.mainWaitUs ?? 0) >= 500).length,
    clientWaited500UsOrMore: part.filter((t) => (t.sched?.clientWaitUs ?? 0) >= 500).length,
  });
  return {
    all: group(timed),
    slowest5pc: group(timed.slice(Math.floor(timed.length * 0.95))),
    slowest2pc: group(timed.slice(Math.floor(timed.length * 0.98))),
    slowest2pcEach: timed.slice(Math.floor(timed.length * 0.98)).map((t) => ({
      totalUs: Math.round(total(t) * 1000),
      ...t.sched,
    })),
  };
}

/** This thread's schedstat: ns on a core, ns runnable but waiting for one (0s where /proc has none). */
function mainSchedNs(): [number, number] {
  try {
    const [run = 0, wait = 0] = fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return [run, wait];
  } catch {
    return [0, 0];
  }
}

/**
 * Per step of the hub's own path (read to sent), the main thread's time split into on a core, waiting for one and
 * the rest (blocked in a system call, or idle in the loop between callbacks), p50 / p99 / max µs; and for the slowest
 * 2 % of presses (read → sent) the same split of their whole hub path, each.
 */
function stageSchedSummary(traces: readonly PressTrace[]): Record<string, unknown> {
  const path = MARKS.slice(MARKS.indexOf('read'), MARKS.indexOf('sent') + 1);
  const split = (
    t: PressTrace,
    a: Mark,
    b: Mark,
  ): { wall: number; run: number; wait: number; other: number } | null => {
    const sa = t.stageSched?.[a];
    const sb = t.stageSched?.[b];
    const wa = t.at[a];
    const wb = t.at[b];
    if (!sa || !sb || wa === undefined || wb === undefined) return null;
    const wall = (wb - wa) * 1000;
    const run = (sb[0] - sa[0]) / 1000;
    const wait = (sb[1] - sa[1]) / 1000;
    return { wall, run, wait, other: wall - run - wait };
  };
  const stat = (values: number[]): string => {
    const s = summarise(values);
    return `${Math.round(s.p50)} / ${Math.round(s.p99)} / ${Math.round(s.max)}`;
  };
  const steps: Record<string, unknown> = {};
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1] as Mark;
    const b = path[i] as Mark;
    const parts = traces.map((t) => split(t, a, b)).filter((x): x is NonNullable<typeof x> => x !== null);
    if (parts.length === 0) continue;
    steps[`${a}→${b}`] = {
      wall: stat(parts.map((x) => x.wall)),
      run: stat(parts.map((x) => x.run)),
      wait: stat(parts.map((x) => x.wait)),
      other: stat(parts.map((x) => x.other)),
    };
  }
  const whole = traces
    .map((t) => ({ t, x: split(t, 'read', 'sent') }))
    .filter((e): e is { t: PressTrace; x: NonNullable<ReturnType<typeof split>> } => e.x !== null)
    .sort((p, q) => p.x.wall - q.x.wall);
  const slowest = whole.slice(Math.floor(whole.length * 0.98)).map(({ t, x }) => {
    // The step that took longest, and its split.
    let worst = '';
    let worstWall = -1;
    for (let i = 1; i < path.length; i++) {
      const s = split(t, path[i - 1] as Mark, path[i] as Mark);
      if (s && s.wall > worstWall) {
        worstWall = s.wall;
        worst = `${path[i - 1]}→${path[i]} wall ${Math.round(s.wall)} run ${Math.round(s.run)} wait ${Math.round(s.wait)} other ${Math.round(s.other)}`;
      }
    }
    return {
      wall: Math.round(x.wall),
      run: Math.round(x.run),
      wait: Math.round(x.wait),
      other: Math.round(x.other),
      worst,
    };
  });
  return {
    readToSent: {
      wall: stat(whole.map((e) => e.x.wall)),
      run: stat(whole.map((e) => e.x.run)),
      wait: stat(whole.map((e) => e.x.wait)),
      other: stat(whole.map((e) => e.x.other)),
    },
    steps,
    slowest2pc: slowest,
  };
}

/** The topic a press of `homeId` is published on (as the client process publishes it). */
/** The process's peak resident set (VmHWM), MB. */
function peakRssMb(): number {
  const kb = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb === undefined ? NaN : Math.round((Number(kb) / 1024) * 10) / 10;
}

function pressTopic(homeId: string): string {
  return `telecare/${homeId}/devices/${PRESS_PENDANT_ID}/events`;
}

/** Tells the client to disconnect and waits for it to exit (killed after 5 s). */
async function endClient(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ end: true });
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** What the client process tells: ready, or an alert received (when its bytes were read and parsed, hrtime ns). */
interface FromChild {
  ready?: boolean;
  alert?: string;
  pressedNs?: string;
  readNs?: string;
  messageNs?: string;
  /** With `--sched`: the client's main thread's run-queue wait and run time over the press, ns. */
  waitNs?: number;
  runNs?: number;
}

/** The pendant and subscriber in a child process, ready to press. */
async function startClient(mqttUrl: string): Promise<{ child: ChildProcess; fromChild: () => Promise<FromChild> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--client'], {
    env: { ...process.env, TRACE_MQTT_URL: mqttUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const fromChild = (): Promise<FromChild> =>
    new Promise((resolve) => child.once('message', (m) => resolve(m as FromChild)));
  await fromChild();
  return { child, fromChild };
}

/**
 * The same presses as the trace, with nothing measured in this process: its instruction count is the hub's work.
 * Under `valgrind --tool=callgrind`, with TRACE_CALLGRIND=1, the counters are zeroed once the first fifth of the presses
 * (warm-up) is done and dumped at the end (`callgrind_control`), so the dump holds the presses alone.
 */
async function barePresses(mqttUrl: string, hub: RunningHub, homes: number, presses: number): Promise<void> {
  const { child, fromChild } = await startClient(mqttUrl);
  const callgrind = process.env.TRACE_CALLGRIND === '1';
  const control = async (flag: string): Promise<void> => {
    await promisify(execFile)('callgrind_control', [flag, String(process.pid)]);
  };
  const warmUp = Math.floor(presses / 5);
  for (const [i, homeId] of pressSequence(homes, presses).entries()) {
    if (callgrind && i === warmUp) await control('-z');
    const alerted = fromChild();
    child.send({ press: homeId });
    const { alert } = await alerted;
    await new Promise((resolve) => setTimeout(resolve, 30));
    if (alert) hub.alerts.resolve(alert, 'false-alarm', null, 'trace');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  if (callgrind) await control('-d');
  await endClient(child);
}

/**
 * The presses of the trace (as `--bench-gaps` says), measuring only the process's CPU time: from the hub's read of the
 * press's PUBLISH to the alert's PUBLISH written to the subscriber (the press's turn), and over the whole press (the
 * press sent to the next one: PUBACK, fsync completion, resolution, deliveries, delivery marks). The first fifth
 * warms up and is left out. CPU time counts every thread of the process (the disk thread's fsync, V8's helpers):
 * the median of many presses is the measure.
 */
async function cpuPresses(
  mqttUrl: string,
  hub: RunningHub,
  opts: TraceArgs,
  hubSide: (socket: net.Socket) => boolean,
): Promise<Record<string, unknown>> {
  let press: { topic: string; readCpu?: number; readAt?: number; writtenCpu?: number; writtenAt?: number } | undefined;
  const socketProto = net.Socket.prototype as unknown as Record<string, unknown>;
  const originalWrite = socketProto.write as (this: net.Socket, ...a: unknown[]) => boolean;
  const originalPush = socketProto.push as (this: net.Socket, ...a: unknown[]) => boolean;
  socketProto.push = function (this: net.Socket, ...a: unknown[]): boolean {
    const chunk = a[0];
    if (
      press &&
      press.readCpu === undefined &&
      Buffer.isBuffer(chunk) &&
      hubSide(this) &&
      chunk.includes(press.topic)
    ) {
      press.readCpu = cpuUs();
      press.readAt = performance.now();
    }
    return originalPush.apply(this, a);
  };
  socketProto.write = function (this: net.Socket, ...a: unknown[]): boolean {
    const chunk = a[0];
    // 0x3x: a PUBLISH from the hub's side: the alert (the press's PUBACK is 0x40).
    if (press?.readCpu !== undefined && press.writtenCpu === undefined && Buffer.isBuffer(chunk) && hubSide(this)) {
      if ((chunk[0] ?? 0) >> 4 === 3) {
        press.writtenCpu = cpuUs();
        press.writtenAt = performance.now();
      }
    }
    return originalWrite.apply(this, a);
  };
  // Connected after the wrappers are in place: a connection's writes are bound when it is accepted.
  const { child, fromChild } = await startClient(mqttUrl);
  // Each checkpoint starts a worker thread (a V8 isolate: milliseconds of CPU on one of the two cores).
  const checkpoints = async (): Promise<number> => {
    const metric = await hub.metrics.getSingleMetric('telecare_store_checkpoints_total')?.get();
    return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
  };
  const checkpointsBefore = await checkpoints();
  const turnCpu: number[] = [];
  const turnWall: number[] = [];
  const wholeCpu: number[] = [];
  const sequence = pressSequence(opts.homes, opts.presses);
  const warmUp = Math.floor(sequence.length / 5);
  for (const [i, homeId] of sequence.entries()) {
    const alerted = fromChild();
    const wholeFrom = cpuUs();
    press = { topic: pressTopic(homeId) };
    child.send({ press: homeId });
    const { alert } = await alerted;
    const { readCpu, writtenCpu, readAt, writtenAt } = press;
    press = undefined;
    if (opts.benchGaps) {
      if (alert) hub.alerts.resolve(alert, 'false-alarm', null, 'trace');
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 4));
    } else {
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (alert) hub.alerts.resolve(alert, 'false-alarm', null, 'trace');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (i < warmUp || readCpu === undefined || writtenCpu === undefined) continue;
    turnCpu.push(writtenCpu - readCpu);
    turnWall.push(((writtenAt ?? NaN) - (readAt ?? NaN)) * 1000);
    wholeCpu.push(cpuUs() - wholeFrom);
  }
  socketProto.push = originalPush;
  socketProto.write = originalWrite;
  const checkpointsDuring = (await checkpoints()) - checkpointsBefore;
  await endClient(child);
  const turn = summarise(turnCpu);
  const whole = summarise(wholeCpu);
  const wall = summarise(turnWall);
  return {
    presses: turnCpu.length,
    /** CPU µs from the hub's read of the press to its alert written (the press's own turn). */
    readToWrittenCpuUs: { p50: Math.round(turn.p50), p99: Math.round(turn.p99) },
    /** Wall µs of the same window (this machine's load decides it far more than the CPU figure). */
    readToWrittenWallUs: { p50: Math.round(wall.p50), p99: Math.round(wall.p99) },
    /** CPU µs per whole press: its turn, PUBACK, fsync completion, the resolution and the deliveries. */
    wholePressCpuUs: { p50: Math.round(whole.p50), p99: Math.round(whole.p99) },
    /** WAL checkpoints (each a worker thread started) during all the presses, warm-up included. */
    checkpointsDuring,
    pressesSent: sequence.length,
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`hot path trace: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
