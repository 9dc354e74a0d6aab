// Where the workers take what hubs send up: the MQTT gateway's own replicated stream `$MQTT_msgs`, through one durable
// pull consumer all workers share. Why that stream and not one of our own over `telecare-up.>`: docs/central.md
// ("What a PUBACK means"). In short, the gateway PUBACKs a QoS 1 message only once `$MQTT_msgs` has stored it on a
// quorum, while a stream of ours captures it asynchronously and misses it during its own leader election.
// The centre creates that stream itself, before the gateway does, with `limits` retention (docs/central.md, session 21).
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type JetStreamManager } from 'nats';
import mqtt from 'mqtt';
import type pg from 'pg';
import type { Logger } from '../hub/logger.js';
import { MAX_PAYLOAD_BYTES } from './ingest.js';
import { UP_PREFIX } from './nats-config.js';

/** The gateway's stream of QoS 1 messages. */
export const STREAM = '$MQTT_msgs';
/** The subjects the gateway stores QoS 1 messages under (nats-server's `mqttStreamSubjectPrefix`). */
const STREAM_SUBJECTS = '$MQTT.msgs.>';
/**
 * How long `STREAM` keeps a message whatever the workers did with it (limits retention). The workers' consumer
 * remembers what they stored; this only bounds the disk, and must exceed the longest time all workers can be down.
 */
export const MESSAGE_MAX_AGE_MS = 3 * 24 * 3_600_000;
/** The subject a hub's `telecare-up/<hubId>/...` QoS 1 message is stored under in `STREAM`. */
export const STORED_PREFIX = `$MQTT.msgs.${UP_PREFIX}`;
export const DURABLE = 'central-workers';
/**
 * A message not acknowledged within this time goes to another worker: the delay a killed worker's messages wait.
 * A live worker says it is still working on its messages every quarter of it (`msg.working()`), so a slow commit is
 * not delivered twice.
 */
export const ACK_WAIT_MS = 2_000;
/**
 * The largest message `STREAM` stores (its `max_msg_size`): the workers' bound on a payload (`MAX_PAYLOAD_BYTES`,
 * 256 KiB; they drop a larger one as `too-large`) and room for the headers the gateway adds, which JetStream counts
 * (`Nmqtt-Pub`; later nats-server versions add the MQTT topic): a bound of `MAX_PAYLOAD_BYTES` alone refused a
 * payload the workers take. Without it the stream took anything up to the server's `max_payload` (1 MB) from any
 * hub. A larger message is refused by JetStream: the gateway sends no PUBACK (2.9.10 closes that connection). This
 * bounds the size of each message, not how many a hub sends: one hub can still fill the store for all
 * (docs/security.md, "Review, session 37").
 */
export const STREAM_MAX_MSG_BYTES = MAX_PAYLOAD_BYTES + 4 * 1024;

const nanos = (ms: number): number => ms * 1_000_000;

/**
 * Makes the gateway create its streams (it does so at the first MQTT connection of the account) by connecting once
 * with a clean session as the centre, so that the consumer exists before any hub's first message.
 */
export async function ensureGatewayStreams(
  mqttUrl: string,
  user: string,
  password: string,
  ca?: Buffer,
): Promise<void> {
  const client = await mqtt.connectAsync(
    mqttUrl,
    {
      // A gateway with TLS (mqtts://) is verified, against `ca` when the centre has its own CA (CENTRAL_MQTT_CA).
      ...(ca ? { ca } : {}),
      rejectUnauthorized: true,
      username: user,
      password,
      clientId: `central-setup-${String(process.pid)}`,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      // Without retries the promise fails when the connection closes before its CONNACK: a gateway that accepts the
      // socket and closes it (still starting after every node restarted) left it pending for ever, and the worker's
      // start with it (session 63).
    },
    false,
  );
  await client.endAsync();
}

/**
 * Creates `STREAM` with limits retention before the gateway creates it with interest retention (it does so at the
 * account's first MQTT connection, and accepts a stream that is there already). Why: with interest retention,
 * nats-server before 2.9.16 lets a replica that restarts skip messages it judges nobody wants, and a consumer leader
 * on that replica never delivers them (docs/central.md). With limits retention no message is removed for want of
 * interest, only after `MESSAGE_MAX_AGE_MS`. A stream the gateway already made keeps its retention (NATS cannot change
 * it): logged, and the workers consume it as before. A stream made by an older centre, or by the gateway, is brought
 * to `STREAM_MAX_MSG_BYTES` (NATS updates that limit in place).
 */
export async function ensureMessageStream(jsm: JetStreamManager, log: Logger, replicas = 3): Promise<void> {
  const existing = async (): Promise<{ retention: RetentionPolicy; maxMsgSize: number } | undefined> => {
    try {
      const { config } = await jsm.streams.info(STREAM);
      return { retention: config.retention, maxMsgSize: config.max_msg_size };
    } catch (err) {
      if (/not found/i.test(err instanceof Error ? err.message : String(err))) return undefined;
      throw err;
    }
  };
  let found = await existing();
  if (found === undefined) {
    try {
      await jsm.streams.add({
        name: STREAM,
        subjects: [STREAM_SUBJECTS],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        num_replicas: replicas,
        max_age: nanos(MESSAGE_MAX_AGE_MS),
        max_msg_size: STREAM_MAX_MSG_BYTES,
      });
      return;
    } catch (err) {
      // Another worker, or the gateway, made it meanwhile.
      found = await existing();
      if (found === undefined) throw err;
    }
  }
  const { retention, maxMsgSize } = found;
  if (maxMsgSize !== STREAM_MAX_MSG_BYTES) {
    await jsm.streams.update(STREAM, { max_msg_size: STREAM_MAX_MSG_BYTES });
    log.info({ stream: STREAM, from: maxMsgSize, to: STREAM_MAX_MSG_BYTES }, 'message stream: largest message bounded');
  }
  if (retention !== RetentionPolicy.Limits) {
    log.warn(
      { stream: STREAM, retention },
      'the MQTT gateway created its message stream with interest retention: see docs/central.md (session 21)',
    );
  }
}

/**
 * Creates the workers' durable consumer when missing (several workers may race: the loser looks it up), and brings
 * an older one's `ack_wait` to this version's. `fromSeq`: the first stream sequence a consumer made now delivers (the
 * one after what the workers had acknowledged, `ConsumerFloor`); without it, everything the stream holds (the first
 * consumer: messages sent before any worker started are kept and delivered).
 */
export async function ensureConsumer(jsm: JetStreamManager, fromSeq?: number): Promise<void> {
  try {
    const info = await jsm.consumers.info(STREAM, DURABLE);
    if (info.config.ack_wait !== nanos(ACK_WAIT_MS)) {
      await jsm.consumers.update(STREAM, DURABLE, { ack_wait: nanos(ACK_WAIT_MS) });
    }
    return;
  } catch (err) {
    if (!/not found/i.test(err instanceof Error ? err.message : String(err))) throw err;
  }
  try {
    await jsm.consumers.add(STREAM, {
      durable_name: DURABLE,
      filter_subject: `${STORED_PREFIX}.>`,
      ack_policy: AckPolicy.Explicit,
      ...(fromSeq === undefined
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq }),
      ack_wait: nanos(ACK_WAIT_MS),
      max_deliver: -1,
      max_ack_pending: 20_000,
    });
  } catch (err) {
    await jsm.consumers.info(STREAM, DURABLE).catch(() => {
      throw err;
    });
  }
}

/** `telecare-up.<hubId>...` from the stored subject `$MQTT.msgs.telecare-up.<hubId>...`. */
export function hubSubject(storedSubject: string): string {
  return storedSubject.startsWith('$MQTT.msgs.') ? storedSubject.slice('$MQTT.msgs.'.length) : storedSubject;
}

/**
 * Where a consumer made again must start (session 65). The workers' consumer remembers what they stored; one made again
 * (deleted by an administrator, lost by JetStream, gone while every worker was down) delivered everything the stream
 * holds, up to three days (`MESSAGE_MAX_AGE_MS`): millions of messages at 2,000 hubs, read again in stream order before
 * any new one, so a pendant alert sent then reached the operators only hours later, and the silence check, which waits
 * while messages wait undelivered, flagged no hub meanwhile. Every worker's silence check notes the consumer's ack floor
 * (every message up to it stored) in PostgreSQL with the stream's creation time; a consumer made again starts after the
 * floor noted for the same stream (the few seconds since the last note are read again and stored once).
 */
export class ConsumerFloor {
  constructor(private readonly pool: pg.Pool) {}

  /** Notes `ackFloor` of the consumer on the stream created at `streamCreated` (never moved back on one stream). */
  async note(streamCreated: string, ackFloor: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO central_consumer_floor AS f (consumer, stream_created, ack_floor, noted_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (consumer) DO UPDATE SET
         ack_floor = CASE WHEN f.stream_created = EXCLUDED.stream_created
                          THEN GREATEST(f.ack_floor, EXCLUDED.ack_floor) ELSE EXCLUDED.ack_floor END,
         stream_created = EXCLUDED.stream_created, noted_at = now()`,
      [DURABLE, streamCreated, ackFloor],
    );
  }

  /** The first sequence a consumer made now should deliver, or undefined (nothing noted of this stream: all of it). */
  async startAfterNoted(jsm: JetStreamManager): Promise<number | undefined> {
    const { created } = await jsm.streams.info(STREAM);
    const noted = await this.pool.query<{ ack_floor: string }>(
      `SELECT ack_floor FROM central_consumer_floor WHERE consumer = $1 AND stream_created = $2`,
      [DURABLE, created],
    );
    const floor = noted.rows[0]?.ack_floor;
    return floor === undefined ? undefined : Number(floor) + 1;
  }
}
