// Review, session 37: the centre's message stream (`$MQTT_msgs`, where the gateway stores every hub's QoS 1 message
// before its PUBACK) took any message up to the server's `max_payload` (1 MB), four times what the workers take
// (`MAX_PAYLOAD_BYTES`). It now stores none larger than `STREAM_MAX_MSG_BYTES`, and a centre brings a stream made by
// an older centre to that bound at its start. This bounds the size of each message, not a hub's rate. A real 3-node
// NATS cluster with its MQTT gateway, a worker process (the compiled centre), and a hub's MQTT connection.
import { RetentionPolicy, StorageType, connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../central/ingest.js';
import { MESSAGE_MAX_AGE_MS, STREAM, STREAM_MAX_MSG_BYTES } from '../../central/stream.js';
import { mqttClient, tempDir } from '../hub/helpers.js';
import { centreMissing, hubPassword, startTestCentre, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the message stream size test: ${missing}`);

let centre: TestCentre;
let nc: NatsConnection;

describe.skipIf(missing !== undefined)("the centre's message stream and a hub's largest message", () => {
  beforeAll(async () => {
    centre = await startTestCentre(tempDir('s37-stream-size'), ['hub1']);
    nc = await connect({ servers: centre.cluster.natsUrls, user: 'centre', pass: centre.centrePassword });
  }, 120_000);

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await centre?.stop();
  }, 60_000);

  it("a stream made by an older centre (no bound) is brought to the bound at the centre's start", async () => {
    const jsm = await nc.jetstreamManager();
    // As the centre made it from session 21 to 36.
    await jsm.streams.add({
      name: STREAM,
      subjects: ['$MQTT.msgs.>'],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      num_replicas: 3,
      max_age: MESSAGE_MAX_AGE_MS * 1_000_000,
    });
    expect((await jsm.streams.info(STREAM)).config.max_msg_size).toBe(-1);
    await centre.startWorkers(1);
    const { config } = await jsm.streams.info(STREAM);
    expect(config.max_msg_size).toBe(STREAM_MAX_MSG_BYTES);
    expect(config.retention).toBe(RetentionPolicy.Limits);
    expect(STREAM_MAX_MSG_BYTES).toBeLessThan(1024 * 1024);
  }, 120_000);

  it("a hub message over the bound is refused by the stream (no PUBACK); one at the workers' bound is stored", async () => {
    const port = centre.cluster.layout.nodes[0]?.mqtt ?? 0;
    /** Publishes as the hub on a new connection: the PUBACK, or the gateway closing the connection without one. */
    const send = async (topic: string, payload: Buffer): Promise<'pubacked' | 'closed'> => {
      const hub = await mqttClient(port, {
        username: 'hub1',
        password: hubPassword('hub1'),
        clientId: 'hub1',
        protocolVersion: 4,
      });
      try {
        const closed = new Promise<'closed'>((resolve) => hub.once('close', () => resolve('closed')));
        const acked = hub.publishAsync(topic, payload, { qos: 1 }).then(() => 'pubacked' as const);
        return await Promise.race([acked, closed]);
      } finally {
        await hub.endAsync(true);
      }
    };
    const jsm = await nc.jetstreamManager();
    const stored = async (topic: string): Promise<number | undefined> => {
      try {
        const m = await jsm.streams.getMessage(STREAM, { last_by_subj: `$MQTT.msgs.${topic.replaceAll('/', '.')}` });
        return m.data.byteLength;
      } catch (err) {
        if (/no message found/i.test(String(err))) return undefined;
        throw err;
      }
    };

    // Over the bound (and under the server's max_payload, 1 MB, which took it before): JetStream refuses to store it,
    // so the gateway answers no PUBACK and closes the connection (nats-server 2.9.10).
    expect(await send('telecare-up/hub1/big', Buffer.alloc(STREAM_MAX_MSG_BYTES + 1, 0x20))).toBe('closed');
    expect(await stored('telecare-up/hub1/big')).toBeUndefined();

    // A payload of exactly what the workers take (MAX_PAYLOAD_BYTES): stored with the gateway's headers, PUBACKed.
    // (A bound of MAX_PAYLOAD_BYTES itself refused it: JetStream counts the headers.)
    expect(await send('telecare-up/hub1/largest', Buffer.alloc(MAX_PAYLOAD_BYTES, 0x20))).toBe('pubacked');
    expect(await stored('telecare-up/hub1/largest')).toBe(MAX_PAYLOAD_BYTES);
  }, 120_000);
});
