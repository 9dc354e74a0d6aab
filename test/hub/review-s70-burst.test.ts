// Review, session 70: a burst of thousands of messages on the hub's embedded broker. aedes's message router
// (mqemitter) delivers 100 messages at once and queues the rest; when a delivery ended, the queue was drained one
// message inside another for as long as nobody subscribed to them, one stack frame deeper each, and a queue of a few
// thousand such threw "Maximum call stack size exceeded" out of a socket's callback: the hub ended (review, session
// 69: 6,000 flats pressing at once; mcollina/mqemitter#204). Now the drain waits a turn of the loop every
// DRAIN_RUN messages (hub/mq-drain.ts), in order. The real broker (EmbeddedBroker, aedes) on an ephemeral port, its
// alerts read by a real MQTT subscriber.
import { expect, it } from 'vitest';
import { DRAIN_RUN } from '../../hub/mq-drain.js';
import { waitFor } from '../alerts/helpers.js';
import { aedesOf, brokerPerTest } from '../support/embedded-broker.js';
import { mqttClient } from './helpers.js';

const t = brokerPerTest('review-s70-burst');

/** Alerts in delivery at once, more than aedes's 100 slots: the rest of the burst waits in its router's queue. */
const IN_DELIVERY = 150;
/**
 * Messages nobody subscribes to, in a row, queued behind them. Measured before the fix, in this file: 2,600 drained,
 * 2,800 threw; 10,000 is well past it and takes well under a second here.
 */
const UNSUBSCRIBED_RUN = 10_000;

it('delivers a burst of thousands of messages nobody subscribes to, in order, every one', async () => {
  const broker = await t.start();
  const console = await mqttClient(broker.port, { clientId: 'console' });
  t.clients.push(console);
  const alertsRead: string[] = [];
  console.on('message', (topic) => alertsRead.push(topic));
  await console.subscribeAsync('telecare/+/alerts/+', { qos: 1 });

  // Each publication's promise settles once aedes is done with it: for one nobody subscribes to, as its delivery starts
  // (an alert's, once its subscriber's copy is written: those in delivery at once end in any order).
  const published: string[] = [];
  const failed: unknown[] = [];
  const sent: string[] = [];
  const alerts: string[] = [];
  const publish = (topic: string): void => {
    sent.push(topic);
    if (topic.includes('/alerts/')) alerts.push(topic);
    broker.publish(topic, 'x', { qos: 1, retain: false }).then(
      () => {
        published.push(topic);
        // One published mid-drain (after the first turn's run): it goes behind all that waits.
        if (topic === `telecare/h1/status/s${DRAIN_RUN + 1}`) publish('telecare/h1/alerts/mid-drain');
      },
      (err: unknown) => failed.push(err),
    );
  };
  for (let i = 0; i < IN_DELIVERY; i++) publish(`telecare/h1/alerts/a${i}`);
  for (let i = 0; i < UNSUBSCRIBED_RUN; i++) publish(`telecare/h1/status/s${i}`);
  publish('telecare/h1/alerts/between');
  for (let i = 0; i < UNSUBSCRIBED_RUN; i++) publish(`telecare/h1/status/t${i}`);
  publish('telecare/h1/alerts/last');

  // Before: "Maximum call stack size exceeded" (an uncaught error) as the queue drained, and no more publication ended.
  await waitFor(
    () => published.length + failed.length === sent.length && alertsRead.length === alerts.length,
    `every publication through (${published.length + failed.length} of ${sent.length}) and every alert read (${alertsRead.length} of ${alerts.length})`,
    30_000,
  );
  expect(failed).toEqual([]);
  const unsubscribed = (topics: string[]): string[] => topics.filter((topic) => topic.includes('/status/'));
  expect(unsubscribed(published)).toEqual(unsubscribed(sent));
  expect(published.length).toBe(sent.length);
  expect(alertsRead).toEqual(alerts);
  expect(alerts.at(-1)).toBe('telecare/h1/alerts/mid-drain');
  expect((aedesOf(broker) as unknown as { mq: { length: number } }).mq.length).toBe(0);
});

it('delivers in the order emitted a chain of thousands of messages each emitted inside the delivery of the last', async () => {
  const broker = await t.start();
  const mq = (aedesOf(broker) as unknown as { mq: RouterForTest }).mq;
  // A subscriber done with each message before it emits the next: each delivery starts inside the last, a slot free
  // and nothing queued, as deep as the chain is long. Before: "Maximum call stack size exceeded" out of the emit.
  const CHAIN = 20 * DRAIN_RUN;
  const emitted: string[] = [];
  const delivered: string[] = [];
  const emit = (topic: string): void => {
    emitted.push(topic);
    mq.emit({ topic });
  };
  mq.on('chain/+', (message, done) => {
    delivered.push(message.topic);
    done();
    const n = Number(message.topic.split('/')[1]);
    if (n < CHAIN) emit(`chain/${n + 1}`);
  });
  mq.on('other', (message, done) => {
    delivered.push(message.topic);
    done();
  });
  await new Promise((resolve) => setImmediate(resolve));
  emit('chain/1');
  // Emitted while the rest of the chain waits for a turn of the loop, a slot free: it goes behind what was emitted.
  emit('other');
  await waitFor(() => delivered.length === CHAIN + 1, `all delivered (${delivered.length} of ${CHAIN + 1})`, 15_000);
  expect(delivered).toEqual(emitted);
  expect(delivered.indexOf('other')).toBeLessThan(CHAIN);
});

interface RouterForTest {
  on(topic: string, listener: (message: { topic: string }, done: () => void) => void): void;
  emit(message: { topic: string }): void;
}
