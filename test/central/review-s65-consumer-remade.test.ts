// Review, session 65: a consumer made again read the whole stream again before any new message. The workers' durable
// consumer remembers what they stored; made again (deleted by an administrator, lost by JetStream, gone while every
// worker was down: session 64 makes it again) it delivered everything `$MQTT_msgs` holds, up to three days of every
// hub's messages (millions at 2,000 hubs), in stream order, before anything sent since. Each was stored once (the keys
// of each table), but what a user saw was a pendant alert reaching the operators only after all of them (hours), and
// no hub flagged offline meanwhile (the silence check waits while messages wait undelivered). Now the workers note the
// consumer's ack floor in PostgreSQL, and a consumer made again starts after it.
//
// A real 3-node NATS cluster with its MQTT gateway, PostgreSQL and a worker in this process; a hub over MQTT.
import mqtt from 'mqtt';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DURABLE, STREAM } from '../../central/stream.js';
import { startWorker, type RunningWorker } from '../../central/worker.js';
import { silentLogger } from '../../hub/logger.js';
import { tempDir } from '../hub/helpers.js';
import { callOverMqtt, centreMissing, centreWithWorker, type CentreWithWorker, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the remade consumer test: ${missing}`);

/** The hub's calls of the past days, stored already. */
const EARLIER_CALLS = 200;

let centre: TestCentre;
let worker: RunningWorker | undefined;
let nc: NatsConnection | undefined;
let hub: mqtt.MqttClient | undefined;
let setup: CentreWithWorker | undefined;

/**
 * Waits until the consumer's ack floor is noted in PostgreSQL (by a worker's silence check, with the fix). Before the
 * fix there is nothing to note: the wait ends without it and the test goes on to show what a consumer made again reads.
 */
async function floorNoted(conn: NatsConnection): Promise<void> {
  const jsm = await conn.jetstreamManager();
  // Every message delivered acknowledged first: the floor is then the last stored.
  await vi.waitFor(
    async () => {
      const info = await jsm.consumers.info(STREAM, DURABLE);
      expect(info.num_ack_pending).toBe(0);
      expect(info.ack_floor.stream_seq).toBe(info.delivered.stream_seq);
    },
    { timeout: 30_000, interval: 50 },
  );
  const floor = (await jsm.consumers.info(STREAM, DURABLE)).ack_floor.stream_seq;
  await vi
    .waitFor(
      async () => {
        const noted = await centre.pool.query<{ ack_floor: string }>(
          `SELECT ack_floor FROM central_consumer_floor WHERE consumer = $1`,
          [DURABLE],
        );
        expect(Number(noted.rows[0]?.ack_floor)).toBeGreaterThanOrEqual(floor);
      },
      { timeout: 15_000, interval: 100 },
    )
    .catch(() => undefined);
}

async function stored(alertId: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const rows = await centre.pool.query(`SELECT 1 FROM central_alerts WHERE hub_id = 'hub-a' AND alert_id = $1`, [
        alertId,
      ]);
      expect(rows.rowCount).toBe(1);
    },
    { timeout: 60_000, interval: 50 },
  );
}

const call = async (alertId: string): Promise<void> => {
  if (hub) await callOverMqtt(hub, 'hub-a', alertId);
};

describe.skipIf(missing !== undefined)('review s65: the workers’ consumer made again', () => {
  beforeAll(async () => {
    setup = await centreWithWorker(tempDir('central-s65-consumer'), 'hub-a', { sweepEveryMs: 500 });
    ({ centre, worker, hub, nc } = setup);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop(); // the second case's worker, or the first (stopping twice is a no-op)
    await setup?.stop();
  }, 60_000);

  it('starts after what the workers had stored: a new call is not queued behind the stream’s past days', async () => {
    const running = worker;
    const conn = nc;
    if (!running || !conn) throw new Error('not started');
    for (let i = 1; i <= EARLIER_CALLS; i++) await call(`earlier-${String(i)}`);
    await vi.waitFor(() => expect(running.stats.stored).toBe(EARLIER_CALLS), { timeout: 60_000, interval: 50 });
    const jsm = await conn.jetstreamManager();
    // Every earlier call acknowledged, and (with the fix) noted by the worker's silence check.
    await floorNoted(conn);

    expect(await jsm.consumers.delete(STREAM, DURABLE)).toBe(true);
    await call('new-call');
    await stored('new-call');
    // Before: the consumer made again delivered the 200 earlier calls again first (each stored nothing); now none.
    expect(running.stats.repeated).toBe(0);
    expect(running.stats.stored).toBe(EARLIER_CALLS + 1);
    expect((await jsm.consumers.info(STREAM, DURABLE)).num_pending).toBe(0);
  }, 180_000);

  it('a consumer gone while every worker was down starts after what they had stored too', async () => {
    const conn = nc;
    if (!conn || !worker) throw new Error('not started');
    await floorNoted(conn);
    await worker.stop();
    worker = undefined;
    const jsm = await conn.jetstreamManager();
    expect(await jsm.consumers.delete(STREAM, DURABLE)).toBe(true);
    await call('while-down');
    const next = await startWorker({ ...centre.workerSettings, log: silentLogger });
    worker = next;
    await stored('while-down');
    // Before: the new worker's consumer delivered all 201 earlier calls again before this one.
    expect(next.stats.repeated).toBe(0);
    expect(next.stats.stored).toBe(1);
  }, 180_000);
});
