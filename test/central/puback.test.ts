// What a PUBACK from NATS's MQTT gateway means (docs/central.md): for QoS 1 the gateway answers only after storing
// the message in its own replicated $MQTT_msgs stream, where the workers' durable consumer reads it: without a quorum
// a hub gets no PUBACK (and keeps the item queued); once it has one, the message is the workers'.
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DURABLE, STREAM, ensureConsumer, ensureGatewayStreams, ensureMessageStream } from '../../central/stream.js';
import { silentLogger } from '../../hub/logger.js';
import { mqttClient, tempDir } from '../hub/helpers.js';
import { centreMissing, hubPassword, startTestCentre, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the gateway PUBACK test: ${missing}`);

let centre: TestCentre;

describe.skipIf(missing !== undefined)("the MQTT gateway's PUBACK", () => {
  beforeAll(async () => {
    centre = await startTestCentre(tempDir('central-puback'), ['hub1']);
    const nc = await connect({ servers: centre.cluster.natsUrls, user: 'centre', pass: centre.centrePassword });
    await ensureMessageStream(await nc.jetstreamManager(), silentLogger);
    await ensureGatewayStreams(centre.cluster.mqttUrls[0]!, 'centre', centre.centrePassword);
    await ensureConsumer(await nc.jetstreamManager());
    await nc.close();
  }, 120_000);

  afterAll(async () => {
    await centre.stop();
  }, 60_000);

  it('waits, with two of three nodes down (no quorum), until the message is stored, and comes once it is', async () => {
    const port = centre.cluster.layout.nodes[0]?.mqtt ?? 0;
    const hub = await mqttClient(port, {
      username: 'hub1',
      password: hubPassword('hub1'),
      clientId: 'puback-hub1',
      protocolVersion: 4,
      reconnectPeriod: 200,
    });
    await centre.cluster.nodes[1]!.kill();
    await centre.cluster.nodes[2]!.kill();
    let pubacked = false;
    // publishAsync resolves on the PUBACK.
    const puback = hub.publishAsync('telecare-up/hub1/during', 'kept', { qos: 1 }).then(() => {
      pubacked = true;
    });
    // Not a timing assertion on the system under test: a window in which nothing may happen.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(pubacked).toBe(false);
    await Promise.all([centre.cluster.restart(1), centre.cluster.restart(2)]);
    await puback;
    await hub.endAsync();
    // The workers' consumer has it: the gateway stored it before the PUBACK.
    const nc = await connect({ servers: centre.cluster.natsUrls, user: 'centre', pass: centre.centrePassword });
    const subjects: string[] = [];
    await vi.waitFor(
      async () => {
        // JetStream answers 503 (no responders) for a moment while the restarted nodes elect leaders: retried.
        const consumer = await nc.jetstream().consumers.get(STREAM, DURABLE);
        const batch = await consumer.fetch({ max_messages: 10, expires: 1_000 });
        for await (const m of batch) {
          subjects.push(m.subject);
          m.ack();
        }
        // At least once: an acknowledgement lost while the restarted nodes elect leaders brings the message again
        // after ack_wait (2 s); the workers store it idempotently.
        expect([...new Set(subjects)]).toEqual(['$MQTT.msgs.telecare-up.hub1.during']);
      },
      { timeout: 30_000, interval: 100 },
    );
    await nc.close();
  }, 120_000);
});
