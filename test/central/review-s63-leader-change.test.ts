// Review, session 63: after the workers' consumer changed leader, nothing reached the workers for 5 to 7.5 s. A
// consumer's leader that loses its leadership (its node stopped or restarted for an upgrade, a step-down, the cluster
// back after an outage) ends the pulls waiting on it with a status 409 "Leadership Change". The NATS library only notes
// it: it pulls again once two of the pull's heartbeats are missed. Meanwhile every message (a pendant alert, a
// resolution) waited in the stream: measured here with a step-down, stored 6.4 s after its PUBACK instead of 25 to
// 85 ms. Now a worker pulls again as soon as the consumer answers after a 409.
//
// The library's own way out (missed heartbeats, a timer) is held off by heartbeats the test sends on the dropped
// pull's inbox, so that what is tested is the worker's answer to the leadership change, with no timing.
//
// A real 3-node NATS cluster with its MQTT gateway, PostgreSQL and a worker in this process; a hub over MQTT.
import mqtt from 'mqtt';
import { Empty, headers, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DURABLE, STREAM } from '../../central/stream.js';
import type { RunningWorker } from '../../central/worker.js';
import { tempDir } from '../hub/helpers.js';
import { centreMissing, centreWithWorker, type CentreWithWorker } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the consumer leader change test: ${missing}`);

let worker: RunningWorker | undefined;
let nc: NatsConnection | undefined;
let hub: mqtt.MqttClient | undefined;
let setup: CentreWithWorker | undefined;

const heartbeat = async (uptimeS: number): Promise<void> => {
  await hub?.publishAsync(
    'telecare-up/hub-a/heartbeat',
    JSON.stringify({ hubId: 'hub-a', at: new Date().toISOString(), uptimeS, queue: 0, openAlerts: 0 }),
    { qos: 1 },
  );
};

describe.skipIf(missing !== undefined)('review s63: the workers’ consumer changes leader', () => {
  beforeAll(async () => {
    setup = await centreWithWorker(tempDir('central-s63-leader'), 'hub-a');
    ({ worker, hub, nc } = setup);
  }, 120_000);

  afterAll(async () => {
    await setup?.stop();
  }, 60_000);

  it('asks the new leader for messages at once, and stores what a hub sends next', async () => {
    const running = worker;
    const conn = nc;
    if (!running || !conn) throw new Error('not started');
    await heartbeat(1);
    await vi.waitFor(() => expect(running.stats.stored).toBe(1), { timeout: 30_000, interval: 50 });

    // The inbox of the worker's pull, from the 409 its leader sends it on stepping down.
    let dropped: string | undefined;
    conn.subscribe('_INBOX.>', {
      callback: (_err, msg) => {
        if (msg.headers?.code === 409 && /leadership change/i.test(msg.headers.description)) dropped ??= msg.subject;
      },
    });
    await conn.flush();
    const jsm = await conn.jetstreamManager();
    const leader = (await jsm.consumers.info(STREAM, DURABLE)).cluster?.leader;
    const answer = await conn.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${STREAM}.${DURABLE}`, Empty, {
      timeout: 10_000,
    });
    expect(JSON.parse(new TextDecoder().decode(answer.data))).toMatchObject({ success: true });
    await vi.waitFor(() => expect(dropped).toBeDefined(), { timeout: 30_000, interval: 20 });
    const inbox = dropped ?? '';
    const beats = setInterval(() => conn.publish(inbox, Empty, { headers: headers(100, 'Idle Heartbeat') }), 200);
    try {
      await vi.waitFor(
        async () => expect((await jsm.consumers.info(STREAM, DURABLE)).cluster?.leader).not.toBe(leader),
        { timeout: 30_000, interval: 100 },
      );
      // Before: never stored while the dropped pull seemed alive (5 to 7.5 s without these heartbeats).
      await heartbeat(2);
      await vi.waitFor(() => expect(running.stats.stored).toBe(2), { timeout: 30_000, interval: 50 });
    } finally {
      clearInterval(beats);
    }
  }, 120_000);
});
