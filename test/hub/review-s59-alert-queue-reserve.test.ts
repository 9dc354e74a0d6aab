// Review, session 59: a local program with a persistent session (clean = false) subscribed to `telecare/#` (Node-RED
// on the hub forwarding alerts to a carer's phone, which may read everything) lost the alert raised while it was
// away: sensor events filled its session's bound (10,000 by default, minutes of a busy scheme), and the alert that
// came next was dropped as over the bound. Back, its session kept, it was not subscribed again, so not sent the
// alert's retained copy either. Now an alert's topic has a reserve of its own past the bound
// (OFFLINE_QUEUE_ALERT_RESERVE); sensor events are still dropped at the bound and counted. A real aedes
// (EmbeddedBroker) on an ephemeral port, real mqtt clients.
import type { MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import type { EmbeddedBroker } from '../../hub/broker.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { mqttClient, persistentSession } from './helpers.js';
import { brokerPerTest } from '../support/embedded-broker.js';

const t = brokerPerTest('alert-reserve');
let metrics: Registry;
/** A small bound, as `offlineQueueMax` allows: the default's 10,000 events take longer to publish, nothing else. */
const MAX = 5;

function startBroker(): Promise<EmbeddedBroker> {
  metrics = createMetricsRegistry();
  return t.start({ metrics, offlineQueueMax: MAX });
}

async function dropped(): Promise<number> {
  const metric = await metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'offline-queue-full')?.value ?? 0;
}

/** The local program's persistent session, connected (anonymous, from loopback); `topics` collects what it gets. */
function localProgram(topics: string[]): Promise<MqttClient> {
  return persistentSession(t.broker!.port, {
    clientId: 'node-red',
    clients: t.clients,
    onMessage: (topic, payload) => {
      if (payload.length > 0) topics.push(topic);
    },
  });
}

describe('a local persistent session on telecare/# while its program is away', () => {
  it('still gets the alert raised after sensor events filled its queue; the events past the bound are dropped', async () => {
    await startBroker();
    const sensor = await mqttClient(t.broker!.port, { clientId: 'sensor' });
    t.clients.push(sensor);
    const topics: string[] = [];
    const program = await localProgram(topics);
    await program.subscribeAsync('telecare/#', { qos: 1 });
    await program.endAsync();

    // Away: the home's sensors report past the bound, then the hub raises a pendant alert.
    for (let n = 0; n < MAX + 5; n++)
      await sensor.publishAsync(
        'telecare/h1/devices/hall-pir/events',
        JSON.stringify({ type: 'motion', value: true }),
        {
          qos: 1,
        },
      );
    await vi.waitFor(async () => expect(await dropped()).toBe(5), { timeout: 15_000, interval: 20 });
    const alertTopic = 'telecare/h1/alerts/0mwt3jnpc-4fac851615';
    await t.broker!.publish(alertTopic, JSON.stringify({ id: '0mwt3jnpc-4fac851615', kind: 'pendant' }), {
      qos: 1,
      retain: true,
    });
    // The alert is queued past the bound (before the fix: dropped as the sixth over it).
    await vi.waitFor(() => expect(t.broker!.describe().persistentSessionQueued).toBe(MAX + 1), {
      timeout: 5_000,
      interval: 20,
    });
    expect(await dropped()).toBe(5);

    // Back (the session kept, so no retained copy is sent): the queued events, then the alert.
    await localProgram(topics);
    await vi.waitFor(() => expect(topics).toContain(alertTopic), { timeout: 15_000, interval: 20 });
    expect(topics.filter((t) => t.includes('/devices/'))).toHaveLength(MAX);
  });
});
