// Review, session 64: a worker froze while another process held the cluster layout's lock. Every worker with
// `--cluster-dir` brings the layout to the quarantined hubs every sweep period (`applyQuarantine`), under the lock that
// `hub add` and `hub remove` take too (`changeLayout`, session 63). Its wait for the lock was `Atomics.wait`, which
// blocks the event loop: up to 10 s, every sweep period, while another process held the lock (a `hub add` stopped
// mid-change by Ctrl-Z, a lock left by a process whose pid is now another's). Meanwhile the worker told JetStream
// nothing of the messages in its hands: after `ack_wait` (2 s) they were delivered again, and its pulls, commits and
// silence check stood still. What a user saw: alerts late by up to 10 s and stored twice over (once per delivery).
// Now the wait yields to the event loop.
//
// A real 3-node NATS cluster (its layout folder), PostgreSQL and a worker in this process with the cluster folder; a
// hub over MQTT; the lock held by another live process; the worker's transaction held on a row lock so that the message
// stays in its hands for longer than ack_wait.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { layoutPath } from '../../central/nats-cluster.js';
import { startWorker, type RunningWorker } from '../../central/worker.js';
import { createLogger } from '../../hub/logger.js';
import { tempDir } from '../hub/helpers.js';
import { centreMissing, consumerBacklog, hubOverMqtt, startTestCentre, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the layout lock test: ${missing}`);

let centre: TestCentre;
let worker: RunningWorker | undefined;
let hub: mqtt.MqttClient | undefined;
let holder: ChildProcess | undefined;
let blocker: pg.Client | undefined;
let log = '';

const heartbeat = async (uptimeS: number): Promise<void> => {
  await hub?.publishAsync(
    'telecare-up/hub-a/heartbeat',
    JSON.stringify({ hubId: 'hub-a', at: new Date().toISOString(), uptimeS, queue: 0, openAlerts: 0 }),
    { qos: 1 },
  );
};

describe.skipIf(missing !== undefined)('review s64: a worker while another process holds the layout lock', () => {
  beforeAll(async () => {
    centre = await startTestCentre(tempDir('central-s64-lock'), ['hub-a']);
    const lines = new PassThrough();
    lines.on('data', (d: Buffer) => (log += d.toString()));
    worker = await startWorker({
      ...centre.workerSettings,
      clusterDir: centre.cluster.layout.dir,
      sweepEveryMs: 1_000,
      concurrency: 1,
      log: createLogger({ level: 'warn', destination: lines }),
    });
    hub = await hubOverMqtt(centre, 'hub-a');
  }, 120_000);

  afterAll(async () => {
    await blocker?.end().catch(() => undefined);
    if (holder?.pid !== undefined && holder.exitCode === null) process.kill(holder.pid, 'SIGKILL');
    await hub?.endAsync();
    await worker?.stop();
    await centre?.stop();
  }, 60_000);

  it('keeps telling JetStream it works on its messages, so none is delivered again', async () => {
    const running = worker;
    if (!running) throw new Error('not started');
    await heartbeat(1);
    await vi.waitFor(() => expect(running.stats.stored).toBe(1), { timeout: 30_000, interval: 50 });

    // Another process holds the layout's lock (alive: it is not taken over).
    holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
    const pid = holder.pid;
    if (pid === undefined) throw new Error('no lock holder');
    fs.writeFileSync(`${layoutPath(centre.cluster.layout.dir)}.lock`, String(pid));
    // Another session holds the hub's row: the worker's transaction for the next message waits on it.
    blocker = new pg.Client({ connectionString: centre.postgres.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT hub_id FROM central_hubs WHERE hub_id = 'hub-a' FOR UPDATE`);
    const redeliveredBefore = (await consumerBacklog(centre)).redelivered;
    await heartbeat(2);
    await vi.waitFor(async () => expect((await consumerBacklog(centre)).ackPending).toBe(1), {
      timeout: 15_000,
      interval: 50,
    });
    // The worker waits for the lock and gives up (after 10 s), the message in its hands all along: no timing
    // assertion, the wait is the worker's own.
    await vi.waitFor(() => expect(log).toMatch(/being changed by another process/), { timeout: 60_000, interval: 100 });

    await blocker.query('ROLLBACK');
    await vi.waitFor(() => expect(running.stats.stored).toBe(2), { timeout: 30_000, interval: 50 });
    // Before: delivered again (the worker's event loop blocked for 10 s, longer than ack_wait).
    expect((await consumerBacklog(centre)).redelivered).toBe(redeliveredBefore);
    expect(running.stats.redelivered).toBe(0);
  }, 180_000);
});
