// Review, session 77 (a newcomer's install, followed again): an installer testing the front door's contact with
// mosquitto_pub sent {"type":"door","value":"open"} and the hub's log said `unknown event type "door"`, nothing more;
// `{"motion":true}` was `unknown event type undefined`, and a pendant sent a PIR's event was `a 'pendant' device cannot
// report 'motion'`. The types and their values were written only in SPEC 4.1, outside the repository. Now a refused
// type names what the device may send (its kind's types when configured, else every type), each with its value, and
// a missing "type" shows an event's form; the same words answer POST /api/events.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../bridge/helpers.js';
import { adminCookie, killHub, mqttClient, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s77-refused-event');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The messages of the hub's `input rejected` log lines so far, by device. */
function refusals(): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of hub!.stdout().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; device?: string };
    if (entry.device !== undefined && entry.msg?.startsWith('input rejected: ')) found.set(entry.device, entry.msg);
  }
  return found;
}

describe('an event the hub refuses for its type', () => {
  it('is told with what the device may send, over MQTT and HTTP', async () => {
    const file = writeConfig(dir, {
      homes: [
        {
          id: 'flat-3',
          timezone: 'Europe/London',
          residents: [{ id: 'r1' }],
          devices: [
            { id: 'pendant', kind: 'pendant', room: 'living' },
            { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
            { id: 'front', kind: 'exit-door', room: 'entrance' },
          ],
        },
      ],
    });
    hub = await spawnHub({ HUB_CONFIG: file, HUB_DATA_DIR: dir });
    const sensor = await mqttClient(hub.mqttPort);
    try {
      const send = (device: string, payload: string): Promise<unknown> =>
        sensor.publishAsync(`telecare/flat-3/devices/${device}/events`, payload, { qos: 1 });
      await send('front', '{"type":"door","value":"open"}');
      await send('kitchen-pir', '{"motion":true}');
      await send('pendant', '{"type":"motion","value":true}');
      await send('back-door', '{"type":"door","value":true}');
    } finally {
      await sensor.endAsync();
    }
    const told = await waitFor('the four refusals logged', () => {
      const found = refusals();
      return found.size >= 4 ? found : undefined;
    });
    expect(told.get('flat-3/front')).toBe(
      'input rejected: unknown event type "door": device front (exit-door) sends "contact" (true: closed, false: open), ' +
        '"battery" (%), "tamper" (true or false), "heartbeat" (true)',
    );
    expect(told.get('flat-3/kitchen-pir')).toBe(
      'input rejected: no "type": an event is {"type": ..., "value": ...}, e.g. {"type": "motion", "value": true}: ' +
        'device kitchen-pir (motion) sends "motion" (true or false), "occupancy" (true or false), "temperature" (°C), ' +
        '"humidity" (%), "battery" (%), "tamper" (true or false), "heartbeat" (true)',
    );
    expect(told.get('flat-3/pendant')).toBe(
      "input rejected: a 'pendant' device cannot report 'motion': device pendant sends \"pendant\" (true), " +
        '"fall" (true), "battery" (%), "tamper" (true or false), "heartbeat" (true)',
    );
    // A device the configuration does not list: every type, with its value.
    expect(told.get('flat-3/back-door')).toMatch(
      /^input rejected: unknown event type "door": the types are "motion" \(true or false\), "contact" \(true: closed, false: open\), .*"accel" \(\{"rate": Hz, "samples": \[\[x, y, z\], \.\.\.\]\}\)$/,
    );

    // The same words answer the HTTP sender.
    const cookie = await adminCookie(hub.httpPort);
    const answer = await fetch(`http://127.0.0.1:${hub.httpPort}/api/events`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ homeId: 'flat-3', deviceId: 'front', type: 'open', value: true }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain(
      'unknown event type \\"open\\": device front (exit-door) sends \\"contact\\" (true: closed, false: open)',
    );
  }, 60_000);
});
