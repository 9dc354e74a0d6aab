// Review, session 58: a client refused a subscription again and again cannot flood the hub's log (a Pi's SD card).
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { loggedHubPerTest } from '../support/in-process-hub.js';
import { mqttClient } from './helpers.js';

const DEVICE = { username: 'dev-h1', password: 'device-h1-secret' };
/** 200 distinct filters a device credential may not subscribe to: alerts, `$SYS`, other devices' data. */
const FORBIDDEN = Array.from({ length: 50 }, (_, i) => [
  `telecare/h1/alerts/a${i}`,
  `$SYS/x${i}`,
  `telecare/h1/devices/d${i}/events`,
  `other/t${i}`,
]).flat();

const stage = loggedHubPerTest('subscribe-flood', [{ ...DEVICE, role: 'device' }]);

/** The SUBACK's return codes (mqtt.js reports any refusal as an error, with the packet). */
function subscribeCodes(client: MqttClient, filters: string[], qos: 0 | 1 = 0): Promise<number[]> {
  return new Promise((resolve) => {
    client.subscribe(filters, { qos }, (_err, _granted, packet) => {
      resolve(((packet as { granted?: number[] } | undefined)?.granted ?? []).map(Number));
    });
  });
}

const refusalLines = (): string[] => stage.linesSaying('mqtt subscribe refused');

describe('embedded broker: refused subscriptions', () => {
  it('logs the first refusal of a connection and only counts the rest (a looping client cannot fill the disk)', async () => {
    const device = await mqttClient(stage.hub.ports.mqtt!, { ...DEVICE, clientId: 'flooding-device' });
    stage.clients.push(device);
    // One SUBSCRIBE of 200 forbidden filters, sent 5 times: what a client in a loop sends within a millisecond.
    for (let round = 0; round < 5; round++) {
      // Every filter refused (SUBACK failure, 128), the connection kept.
      expect(await subscribeCodes(device, FORBIDDEN)).toEqual(FORBIDDEN.map(() => 128));
    }
    expect(await stage.counted('telecare_mqtt_refused_total', 'subscribe-denied')).toBe(1000);
    // Said once for this connection, with who and what (as refused publications are).
    expect(refusalLines()).toHaveLength(1);
    expect(refusalLines()[0]).toContain('flooding-device');

    // Another connection's first refusal is said again.
    const again = await mqttClient(stage.hub.ports.mqtt!, { ...DEVICE, clientId: 'second-device' });
    stage.clients.push(again);
    expect(await subscribeCodes(again, ['#'])).toEqual([128]);
    expect(refusalLines()).toHaveLength(2);
    expect(refusalLines()[1]).toContain('second-device');
    // A subscription the device may make is still granted.
    expect(await subscribeCodes(again, ['telecare/h1/prealert'], 1)).toEqual([1]);
  });
});
