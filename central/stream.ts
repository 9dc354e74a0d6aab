// The JetStream stream that keeps what hubs send up until a worker has stored it, and the workers' shared consumer.
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';
import { UP_PREFIX } from './nats-config.js';

export const STREAM = 'TELECARE_UP';
export const DURABLE = 'central-workers';
/** A message not acknowledged within this time (a worker killed mid-way) goes to another worker. */
export const ACK_WAIT_MS = 10_000;
/** How long the stream keeps messages: long enough for every worker to be down over a weekend. */
const MAX_AGE_MS = 7 * 24 * 3_600_000;

const nanos = (ms: number): number => ms * 1_000_000;

/** Creates the stream and the durable consumer when missing (several workers may race: both end identical). */
export async function ensureStream(jsm: JetStreamManager, replicas: number): Promise<void> {
  const config: Partial<StreamConfig> & { name: string } = {
    name: STREAM,
    subjects: [`${UP_PREFIX}.>`],
    num_replicas: replicas,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(MAX_AGE_MS),
  };
  await idempotent(
    () => jsm.streams.info(STREAM),
    () => jsm.streams.add(config),
  );
  await idempotent(
    () => jsm.consumers.info(STREAM, DURABLE),
    () =>
      jsm.consumers.add(STREAM, {
        durable_name: DURABLE,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(ACK_WAIT_MS),
        max_deliver: -1,
        max_ack_pending: 20_000,
      }),
  );
}

/** Looks the thing up; creates it when missing; a creation lost to another worker is looked up again. */
async function idempotent(lookup: () => Promise<unknown>, create: () => Promise<unknown>): Promise<void> {
  try {
    await lookup();
    return;
  } catch (err) {
    if (!/not found/i.test(err instanceof Error ? err.message : String(err))) throw err;
  }
  try {
    await create();
  } catch (err) {
    await lookup().catch(() => {
      throw err;
    });
  }
}
