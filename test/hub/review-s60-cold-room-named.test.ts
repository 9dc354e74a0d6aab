// Review, session 60: a cold alert kept open because another room is still cold went on naming the room that raised it,
// warm again: the card (MQTT, the dashboard) said "living, 14 °C" while the living room was at 19 °C and the bedroom at
// 14 °C, and the responder went to the wrong room. It now names the room still cold, acknowledged or not. The real hub
// in-process on a fake clock, its embedded broker, a real MQTT client, SQLite in a temp folder.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from './helpers.js';

/** Monday 5 January 2026, 10:00 in London (GMT). */
const TEN = Date.UTC(2026, 0, 5, 10, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const config = parseHubConfig({
  homes: [
    {
      id: 'h1',
      timezone: 'Europe/London',
      residents: [{ id: 'r1' }],
      devices: [
        { id: 'living-thermo', kind: 'climate', room: 'living' },
        { id: 'bedroom-thermo', kind: 'climate', room: 'bedroom' },
      ],
    },
  ],
});

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('review-s60-cold-room-named');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Card {
  id: string;
  state: string;
  room: string | null;
  count: number;
  detail: { lastTempC?: number; deviceId?: string };
}

describe('a cold alert kept open by another room', () => {
  it.each([false, true])(
    'names the room still cold once the one it named is warm (acknowledged: %s)',
    async (ack) => {
      const clock = new FakeClock(TEN);
      hub = await startTestHub(config, dir, { clock });
      const client = await mqttClient(hub.ports.mqtt!);
      clients.push(client);
      await client.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
      const reading = async (deviceId: string, tempC: number) => {
        await client.publishAsync(
          `telecare/h1/devices/${deviceId}/events`,
          JSON.stringify({ type: 'temperature', value: tempC }),
          {
            qos: 1,
          },
        );
        await hub!.alerts.settled();
      };
      await reading('living-thermo', 14);
      clock.advanceTo(TEN + 30 * MINUTE);
      await reading('bedroom-thermo', 14);
      clock.advanceTo(TEN + 2 * HOUR + MINUTE);
      await hub.alerts.settled();
      const [raised] = hub.alerts.list({ homeId: 'h1' }) as unknown as Card[];
      expect(raised).toMatchObject({ room: 'living', detail: { lastTempC: 14, deviceId: 'living-thermo' } });
      if (ack) expect(hub.alerts.acknowledge(raised!.id, 'carer')).toMatchObject({ ok: true });
      // 13:00: the living room heated; the bedroom still at 14 °C.
      clock.advanceTo(TEN + 3 * HOUR);
      const repeated = new Promise<Card>((resolve) => {
        client.on('message', (topic, payload) => {
          const card = JSON.parse(payload.toString()) as Card;
          if (topic === `telecare/h1/alerts/${raised!.id}` && card.count === 2) resolve(card);
        });
      });
      await reading('living-thermo', 19);
      // Before the fix: still "living", 14 °C, count 1 (and no repeat published).
      const expected = {
        id: raised!.id,
        state: ack ? 'acknowledged' : 'raised',
        room: 'bedroom',
        count: 2,
        detail: { lastTempC: 14, deviceId: 'bedroom-thermo' },
      };
      expect(hub.alerts.list({ homeId: 'h1' })).toMatchObject([expected]);
      expect(await repeated).toMatchObject(expected);
    },
    60_000,
  );
});
