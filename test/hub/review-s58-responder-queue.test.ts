// Review, session 58: a responder's app with a persistent session (clean = false) subscribed to `telecare/#` (allowed:
// a responder may subscribe to any filter, and each delivery is checked) never got an alert raised while it was away.
// The embedded broker queued for its session every sensor event on the filter, events a responder may not read and
// that were never sent to it (the check is made at delivery): they filled the session's bound (10,000 by default,
// eight minutes of a 200-flat scheme), and the alert that came next was dropped as over the bound. Back, the app got
// nothing: not the events (not for it), not the alert, and not its retained copy (a session kept is not subscribed
// again, so retained messages are not sent again). Now a message the away session's user may not read is not queued
// for it. A real aedes (EmbeddedBroker) on an ephemeral port, real mqtt clients, a responder's credential.
import type { MqttClient } from 'mqtt';
import { describe, expect, it, vi } from 'vitest';
import type { EmbeddedBroker } from '../../hub/broker.js';
import { mqttClient, ONE_HOME_CONFIG, persistentSession } from './helpers.js';
import { brokerPerTest } from '../support/embedded-broker.js';
import { lowCostHash } from '../support/low-cost-hash.js';

const t = brokerPerTest('responder-queue');
/** A small bound, as `offlineQueueMax` allows: the default's 10,000 events take longer to publish, nothing else. */
const MAX = 5;
const PASSWORD = 'responder-app-password';

function startBroker(): Promise<EmbeddedBroker> {
  return t.start(
    { offlineQueueMax: MAX },
    { ...ONE_HOME_CONFIG, mqttUsers: [{ username: 'resp1', passwordHash: lowCostHash(PASSWORD), role: 'responder' }] },
  );
}

/** The responder's app, its persistent session connected; `topics` collects the topic of each message it gets. */
function responderApp(topics: string[]): Promise<MqttClient> {
  return persistentSession(t.broker!.port, {
    clientId: 'responder-phone',
    username: 'resp1',
    password: PASSWORD,
    clients: t.clients,
    onMessage: (topic, payload) => {
      if (payload.length > 0) topics.push(topic);
    },
  });
}

describe("a responder's persistent session while its app is away", () => {
  it('still gets the alert raised meanwhile, however many sensor events came', async () => {
    await startBroker();
    const sensor = await mqttClient(t.broker!.port, { clientId: 'sensor' });
    t.clients.push(sensor);
    const topics: string[] = [];
    const app = await responderApp(topics);
    await app.subscribeAsync('telecare/#', { qos: 1 });
    await app.endAsync();

    // Away: the home's sensors report (more than the bound), then a pendant alert is published by the hub.
    for (let n = 0; n < MAX + 5; n++)
      await sensor.publishAsync(
        'telecare/h1/devices/hall-pir/events',
        JSON.stringify({ type: 'motion', value: true }),
        {
          qos: 1,
        },
      );
    const alertTopic = 'telecare/h1/alerts/0mwt3jnpc-4fac851615';
    await t.broker!.publish(alertTopic, JSON.stringify({ id: '0mwt3jnpc-4fac851615', kind: 'pendant' }), {
      qos: 1,
      retain: true,
    });
    // Only what the responder may read waits for it (before the fix: the bound, full of sensor events).
    await vi.waitFor(() => expect(t.broker!.describe().persistentSessionQueued).toBe(1), {
      timeout: 5_000,
      interval: 20,
    });

    // Back (the session kept): the alert arrives.
    await responderApp(topics);
    await vi.waitFor(() => expect(topics).toContain(alertTopic), { timeout: 15_000, interval: 20 });
    expect(topics.filter((t) => t.includes('/devices/'))).toEqual([]);
  });
});
