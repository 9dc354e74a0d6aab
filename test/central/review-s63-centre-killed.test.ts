// Review, session 63: after the centre's machine lost its power, no silent hub was flagged in time, and those flagged
// got a `hub-offline` card stamped the outage's length in the past. Each worker judges JetStream's timestamps by
// JetStream's clock, which it learns from the messages it receives (`StreamClock`: local time less the stamp, the
// smallest of the last minute). A message a worker held when the power went (or whose acknowledgement the kill of the
// NATS nodes lost: nats-server writes a consumer's state on a timer) is delivered again once the centre is back. It
// waited the whole outage, and the worker took that wait for the clocks' difference: JetStream's "now" was set back by
// the outage until a hub spoke again. Now a message delivered again is not taken as a measure of the clocks.
//
// Found by the lead: `review-s59-centre-deaf.test.ts` with its nodes killed instead of stopped never flagged the
// silent hubs. Here the worker that died holding a message is played by a pull of the test's own that is never
// acknowledged, so that the redelivery does not depend on what the kill happens to lose; the nodes are stopped.
//
// A real 3-node NATS cluster with its MQTT gateway, PostgreSQL and workers (in this process, their clock injected: the
// outage lasts 10 minutes of the centre's clock without waiting for them); two hubs over MQTT.
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DURABLE, STREAM } from '../../central/stream.js';
import { startWorker, type RunningWorker } from '../../central/worker.js';
import { silentLogger } from '../../hub/logger.js';
import { tempDir } from '../hub/helpers.js';
import { centreMissing, heartbeatOverMqtt, startTestCentre, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the powered-off centre test: ${missing}`);

const SILENCE_MS = 60_000;
const OUTAGE_MS = 600_000;
const HUBS = ['hub-a', 'hub-b'];

let centre: TestCentre;
const workers: RunningWorker[] = [];

/** The workers' clock: this machine's until `frozenAt` is set, then that instant. */
const clock = { frozenAt: undefined as number | undefined };
const now = (): Date => new Date(clock.frozenAt ?? Date.now());

const startCentreWorker = async (): Promise<RunningWorker> => {
  const worker = await startWorker({
    ...centre.workerSettings,
    silenceMs: SILENCE_MS,
    sweepEveryMs: 100,
    now,
    log: silentLogger,
  });
  workers.push(worker);
  return worker;
};

const heartbeat = (hubId: string): Promise<void> => heartbeatOverMqtt(centre, hubId);

async function offlineAlerts(): Promise<{ hubId: string; raisedAt: string; reason: string }[]> {
  const rows = await centre.pool.query<{ hub_id: string; raised_at: string; reason: string }>(
    `SELECT hub_id, alert->>'raisedAt' AS raised_at, alert->'detail'->>'reason' AS reason
     FROM central_alerts WHERE type = 'hub-offline' ORDER BY hub_id`,
  );
  return rows.rows.map((r) => ({ hubId: r.hub_id, raisedAt: r.raised_at, reason: r.reason }));
}

describe.skipIf(missing !== undefined)('review s63: the centre’s machine loses its power', () => {
  beforeAll(async () => {
    centre = await startTestCentre(tempDir('central-s63-killed'), HUBS);
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await centre?.stop();
  }, 60_000);

  it('flags the hubs still silent a threshold after it is back, stamped by its own clock', async () => {
    const first = await startCentreWorker();
    for (const hubId of HUBS) await heartbeat(hubId);
    await vi.waitFor(
      async () => {
        const rows = await centre.pool.query('SELECT 1 FROM central_hubs WHERE last_heartbeat IS NOT NULL');
        expect(rows.rowCount).toBe(HUBS.length);
      },
      { timeout: 30_000, interval: 50 },
    );
    await first.stop();

    // hub-b speaks once more; a worker takes the message and dies with it (never acknowledged).
    await heartbeat('hub-b');
    const nc = await connect({
      servers: centre.cluster.natsUrls,
      user: centre.workerSettings.natsUser,
      pass: centre.workerSettings.natsPassword,
    });
    const held = await (await nc.jetstream().consumers.get(STREAM, DURABLE)).next({ expires: 30_000 });
    expect(held?.subject).toBe('$MQTT.msgs.telecare-up.hub-b.heartbeat');
    // Its delivery known to the consumer before the nodes stop: nats-server replicates and writes a consumer's state
    // after delivering, and a stop right after the pull could lose it (the message then came again as a first delivery,
    // once in CI under load, session 64: the redelivery this test is about never happened).
    const heldJsm = await nc.jetstreamManager();
    await vi.waitFor(async () => expect((await heldJsm.consumers.info(STREAM, DURABLE)).num_ack_pending).toBe(1), {
      timeout: 30_000,
      interval: 50,
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await nc.close();

    // The whole centre is off for ten minutes of its clock; its nodes and a worker start again.
    await Promise.all(centre.cluster.nodes.map((node) => node.stop()));
    clock.frozenAt = Date.now() + OUTAGE_MS;
    await Promise.all(centre.cluster.nodes.map((_, i) => centre.cluster.restart(i)));
    // Once JetStream answers again (it elects its leaders first), as the supervisor would start it again.
    const probe = await connect({
      servers: centre.cluster.natsUrls,
      user: centre.workerSettings.natsUser,
      pass: centre.workerSettings.natsPassword,
    });
    const jsm = await probe.jetstreamManager();
    await vi.waitFor(
      async () => {
        expect((await jsm.streams.info(STREAM)).cluster?.leader).toBeDefined();
        expect((await jsm.consumers.info(STREAM, DURABLE)).cluster?.leader).toBeDefined();
      },
      { timeout: 60_000, interval: 250 },
    );
    await probe.close();
    const worker = await startCentreWorker();

    // The held message is delivered again and stored; no hub is flagged for the centre's own outage.
    await vi.waitFor(() => expect([worker.stats.redelivered, worker.stats.stored]).toEqual([1, 1]), {
      timeout: 60_000,
      interval: 50,
    });
    expect(await offlineAlerts()).toEqual([]);

    // Nothing heard from either a whole threshold after the centre could hear again: both flagged, as silent, at the
    // centre's time (before: stamped the outage's length earlier, about when the power went). The clock goes on a
    // second at each look: a check that fails meanwhile (JetStream still settling on a loaded machine) counts as the
    // centre's own outage again, and silence counts from after it.
    clock.frozenAt += SILENCE_MS + 1_000;
    const thresholdAt = clock.frozenAt;
    await vi.waitFor(
      async () => {
        const flagged = await offlineAlerts();
        if (flagged.length < HUBS.length && clock.frozenAt !== undefined) clock.frozenAt += 1_000;
        expect(flagged.map((a) => a.hubId)).toEqual(HUBS);
      },
      { timeout: 60_000, interval: 250 },
    );
    for (const alert of await offlineAlerts()) {
      expect(alert.reason).toBe('silent');
      expect(Date.parse(alert.raisedAt)).toBeGreaterThanOrEqual(thresholdAt);
      expect(Date.parse(alert.raisedAt)).toBeLessThanOrEqual(clock.frozenAt);
    }
  }, 240_000);
});
