// Where the workers take what hubs send up: the MQTT gateway's own replicated stream `$MQTT_msgs`, through one durable
// pull consumer all workers share. Why that stream and not one of our own over `telecare-up.>`: docs/central.md
// ("What a PUBACK means"). In short, the gateway PUBACKs a QoS 1 message only once `$MQTT_msgs` has stored it on a
// quorum, while a stream of ours captures it asynchronously and misses it during its own leader election.
import { AckPolicy, DeliverPolicy, type JetStreamManager } from 'nats';
import mqtt from 'mqtt';
import { UP_PREFIX } from './nats-config.js';

/** The gateway's stream of QoS 1 messages (interest retention: kept while a consumer has not acknowledged them). */
export const STREAM = '$MQTT_msgs';
/** The subject a hub's `telecare-up/<hubId>/...` QoS 1 message is stored under in `STREAM`. */
export const STORED_PREFIX = `$MQTT.msgs.${UP_PREFIX}`;
export const DURABLE = 'central-workers';
/** A message not acknowledged within this time (a worker killed mid-way) goes to another worker. */
export const ACK_WAIT_MS = 10_000;

const nanos = (ms: number): number => ms * 1_000_000;

/**
 * Makes the gateway create its streams (it does so at the first MQTT connection of the account) by connecting once
 * with a clean session as the centre, so that the consumer exists before any hub's first message.
 */
export async function ensureGatewayStreams(mqttUrl: string, user: string, password: string): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, {
    username: user,
    password,
    clientId: `central-setup-${String(process.pid)}`,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 30_000,
  });
  await client.endAsync();
}

/** Creates the workers' durable consumer when missing (several workers may race: the loser looks it up). */
export async function ensureConsumer(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.consumers.info(STREAM, DURABLE);
    return;
  } catch (err) {
    if (!/not found/i.test(err instanceof Error ? err.message : String(err))) throw err;
  }
  try {
    await jsm.consumers.add(STREAM, {
      durable_name: DURABLE,
      filter_subject: `${STORED_PREFIX}.>`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
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
