// Review, session 60 (round 2): two more ways to write to the hub's log (journald on the Pi's SD card) without bound,
// found after session 58 bounded refused subscriptions and rejected input. An in-process hub on free ports, its
// embedded broker, raw TCP sockets and mqtt.js clients; the log captured from the hub's own logger.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { loggedHubPerTest } from '../support/in-process-hub.js';
import { mqttClient } from './helpers.js';

const BRIDGE = { username: 'flat-h1-bridge', password: 'bridge-h1-secret' };
const DEVICE = { username: 'flat-h1-device', password: 'device-h1-secret' };

const stage = loggedHubPerTest('broker-log-flood', [
  { ...BRIDGE, role: 'bridge' },
  { ...DEVICE, role: 'device' },
]);
const { counted, linesSaying } = stage;

/** A TCP connection that announces a packet of 256 MB, as its first five bytes; resolves when the hub has closed it. */
function announceHugePacket(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

describe('embedded broker: what a flood cannot make it write to the log', () => {
  it('connections dropped for announcing an oversized packet are each counted, logged once a minute (no login needed)', async () => {
    // Anyone who can reach port 1883, without a credential: the guard reads the packet's header before any login.
    for (let i = 0; i < 200; i++) await announceHugePacket(stage.hub.ports.mqtt!);
    expect(await counted('telecare_ingest_rejected_total', 'too-large')).toBe(200);
    // Before: one warning line per connection (200). A minute boundary crossed under load may allow a second line.
    const lines = linesSaying('mqtt packet over the size limit');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ remote: '127.0.0.1' });
  });

  it("retained messages over one credential's quota are each counted, logged once a minute", async () => {
    // One flat's bridge credential may publish serial bridges' retained status, under any bridge name: 100 are kept
    // for it (the retained quota per credential), the next 200 delivered but not kept.
    const bridge = await mqttClient(stage.hub.ports.mqtt!, { ...BRIDGE, clientId: 'flat-h1-bridge-1' });
    stage.clients.push(bridge);
    for (let i = 0; i < 300; i++) {
      await bridge.publishAsync(`telecare/bridge/b${i}/status`, JSON.stringify({ state: 'online', homeId: 'h1' }), {
        qos: 1,
        retain: true,
      });
    }
    expect(await counted('telecare_mqtt_refused_total', 'retain-quota')).toBe(200);
    // Before: one warning line per message over the quota (200).
    const lines = linesSaying('retained message over the quota');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ role: 'bridge' });
  });

  it('refused publications and subscriptions are logged at most 60 lines a minute, however often the client reconnects', async () => {
    // One flat's device credential (a password read out of a sensor's flash) in a loop: connect, publish for another
    // home, subscribe to its alerts, leave. Its password was verified once: each reconnect costs the hub no scrypt.
    const rounds = 300;
    for (let i = 0; i < rounds; i++) {
      const device = await mqttClient(stage.hub.ports.mqtt!, { ...DEVICE, clientId: `loop-${i}`, reconnectPeriod: 0 });
      await device.publishAsync('telecare/h2/devices/p1/events', JSON.stringify({ type: 'pendant', value: true }), {
        qos: 1,
      });
      await device.subscribeAsync('telecare/h2/alerts/#').catch(() => undefined);
      await device.endAsync(true);
    }
    expect(await counted('telecare_mqtt_refused_total', 'publish-denied')).toBe(rounds);
    expect(await counted('telecare_mqtt_refused_total', 'subscribe-denied')).toBe(rounds);
    // Before: a line per connection for each (300 and 300). Now the first 60 of a minute each (a minute boundary
    // crossed under load may allow 60 more), the next one saying how many went unlogged.
    const published = linesSaying('mqtt publish refused');
    const subscribed = linesSaying('mqtt subscribe refused');
    expect(published.length).toBeGreaterThanOrEqual(60);
    expect(published.length).toBeLessThanOrEqual(120);
    expect(subscribed.length).toBeGreaterThanOrEqual(60);
    expect(subscribed.length).toBeLessThanOrEqual(120);
    expect(JSON.parse(published[0]!)).toMatchObject({ clientId: 'loop-0', role: 'device' });
  }, 120_000);
});
