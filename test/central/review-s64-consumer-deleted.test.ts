// Review, session 64: a worker whose durable consumer was deleted stored nothing more, for ever, and said nothing. The
// workers create the consumer (`central-workers`) at their start only. Deleted while they run (an administrator's
// `nats consumer rm`, a consumer lost by JetStream), the NATS library only notes it ("consumer deleted", then "no
// responders" on every pull) and pulls again for ever; after a leadership change the worker's own wait for the new
// leader (`pullAgainOnLeaderChange`, session 63) asked for the consumer every 100 ms for ever. What a user saw: no
// alert from any hub reached the operators (every message waited in the stream) until someone restarted the workers,
// whose processes were alive and well. Now a worker that finds the consumer gone creates it again and pulls at once.
//
// A real 3-node NATS cluster with its MQTT gateway, PostgreSQL and a worker in this process; a hub over MQTT.
import mqtt from 'mqtt';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DURABLE, STREAM } from '../../central/stream.js';
import type { RunningWorker } from '../../central/worker.js';
import { tempDir } from '../hub/helpers.js';
import { callOverMqtt, centreMissing, centreWithWorker, type CentreWithWorker, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the deleted consumer test: ${missing}`);

let centre: TestCentre;
let worker: RunningWorker | undefined;
let nc: NatsConnection | undefined;
let hub: mqtt.MqttClient | undefined;
let setup: CentreWithWorker | undefined;

const pendant = async (version: number): Promise<void> => {
  if (hub) await callOverMqtt(hub, 'hub-a', `a-${String(version)}`);
};

describe.skipIf(missing !== undefined)('review s64: the workers’ consumer is deleted while they run', () => {
  beforeAll(async () => {
    setup = await centreWithWorker(tempDir('central-s64-consumer'), 'hub-a');
    ({ centre, worker, hub, nc } = setup);
  }, 120_000);

  afterAll(async () => {
    await setup?.stop();
  }, 60_000);

  it('creates the consumer again and stores the next alert', async () => {
    const running = worker;
    const conn = nc;
    if (!running || !conn) throw new Error('not started');
    await pendant(1);
    await vi.waitFor(() => expect(running.stats.stored).toBe(1), { timeout: 30_000, interval: 50 });

    const jsm = await conn.jetstreamManager();
    expect(await jsm.consumers.delete(STREAM, DURABLE)).toBe(true);
    await pendant(2);
    // Before: never stored (stats.stored stayed 1), the worker pulling from a consumer that no longer exists.
    await vi.waitFor(() => expect(running.stats.stored).toBe(2), { timeout: 30_000, interval: 50 });
    const rows = await centre.pool.query(`SELECT alert_id FROM central_alerts WHERE hub_id = 'hub-a' ORDER BY 1`);
    expect(rows.rows).toEqual([{ alert_id: 'a-1' }, { alert_id: 'a-2' }]);
    // The consumer made again starts after the ack floor the worker last noted (session 65,
    // review-s65-consumer-remade.test.ts): the first alert again (storing nothing) when no note came after it.
    expect(running.stats.repeated).toBeLessThanOrEqual(1);
    expect((await jsm.consumers.info(STREAM, DURABLE)).num_pending).toBe(0);
  }, 120_000);
});
