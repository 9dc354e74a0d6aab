// Review, session 75: a graceful stop told the centre "offline" twice. The uplink published its retained `offline`
// status and then closed the connection without an MQTT DISCONNECT (`endAsync(true)`), so the centre's broker took it
// as a connection lost and published the last will too: a second `offline`. Now, once `offline` is acknowledged, the
// uplink disconnects cleanly and the broker discards the will. A real mosquitto as the centre's broker, the centre's
// console subscribed to everything the hub sends, an in-process hub stopped as `telecare hub` stops on SIGTERM.
import { describe, expect, it } from 'vitest';
import { centreAndHubEachTest, eventually, HUB_ID } from './uplink-centre.js';

const stage = centreAndHubEachTest('s75-offline-once');

describe('a graceful stop of a hub with an uplink', () => {
  it('tells the centre offline once', async () => {
    const { received, hub, client } = await stage.start();
    const statuses = (): string[] =>
      received.filter((m) => m.topic === `telecare-up/${HUB_ID}/status`).map((m) => m.payload);
    await eventually(() => expect(statuses()).toContain('online'));
    await hub.stop();
    await eventually(() => expect(statuses()).toContain('offline'));
    // The will goes out as soon as the broker sees the socket close: a round trip of the console's own through the
    // same broker after that, and a second more, leave room for it to arrive.
    await client.publishAsync(`telecare-down/${HUB_ID}/alerts/none/ack`, '{}', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Before the fix: ['online', 'offline', 'offline'] (the explicit status, then the last will).
    expect(statuses()).toEqual(['online', 'offline']);
  });
});
