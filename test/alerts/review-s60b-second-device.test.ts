// Review, session 60 (round 2): a low battery (or tampering) is raised per device, but a home has one open alert per
// kind, so a second device's low battery while the first one's alert was open was merged as count and last seen
// alone: the card, MQTT and the centre named the hall PIR only, the installer changed that battery and resolved the
// alert, and the bed mat, never named, went flat (its battery stays low, so nothing raises again). The alert now names
// every other device it was repeated for. The real hub in-process on a fake clock, its embedded broker, a real MQTT
// client, SQLite in a temp folder; the card's line from the console's own script (dashboard/public/alert-why.js).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import type { Alert } from '../../hub/alerts/api.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from '../hub/helpers.js';

type Why = (alert: { kind?: string; room?: string | null; detail?: Record<string, unknown> }, zone?: string) => string;
const { why } = (await import(pathToFileURL(path.resolve('dashboard/public/alert-why.js')).href)) as { why: Why };

/** Monday 5 January 2026, 10:00 in London (GMT). */
const TEN = Date.UTC(2026, 0, 5, 10, 0, 0);
const MINUTE = 60_000;

const config = parseHubConfig({
  homes: [
    {
      id: 'h1',
      timezone: 'Europe/London',
      residents: [{ id: 'r1' }],
      devices: [
        { id: 'hall-pir', kind: 'motion', room: 'hall' },
        { id: 'bed-mat', kind: 'bed', room: 'bedroom' },
        { id: 'kitchen-smoke', kind: 'smoke', room: 'kitchen' },
        { id: 'hall-smoke', kind: 'smoke', room: 'hall' },
      ],
    },
  ],
});

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('review-s60b-second-device');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function started(): Promise<{ clock: FakeClock; report: (deviceId: string, event: object) => Promise<void> }> {
  const clock = new FakeClock(TEN);
  hub = await startTestHub(config, dir, { clock });
  const client = await mqttClient(hub.ports.mqtt!);
  clients.push(client);
  const report = async (deviceId: string, event: object) => {
    await client.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify(event), { qos: 1 });
    await hub!.alerts.settled();
  };
  return { clock, report };
}

const ofKind = (kind: string) => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === kind);
const card = (alert: Alert) => why(alert, 'Europe/London');

describe('a second device repeating a per-device alert of the home', () => {
  it('low battery: names the bed mat as well as the hall PIR, each with its level', async () => {
    const { clock, report } = await started();
    await report('hall-pir', { type: 'battery', value: 12 });
    clock.advanceTo(TEN + 10 * MINUTE);
    await report('bed-mat', { type: 'battery', value: 9 });
    // The hall PIR again: no new device, its level as first told.
    await report('hall-pir', { type: 'battery', value: 30 });
    await report('hall-pir', { type: 'battery', value: 11 });
    const [alert] = ofKind('low-battery');
    expect(alert).toMatchObject({ count: 3, room: 'hall', detail: { deviceId: 'hall-pir', value: 12 } });
    // Before the fix: 'battery at 12 % on hall-pir', the bed mat nowhere.
    expect(card(alert!)).toBe('battery at 12 % on hall-pir; also low: bed-mat (bedroom) at 9 %');
  }, 60_000);

  it('tamper: names the bed mat as well as the hall PIR', async () => {
    const { clock, report } = await started();
    await report('hall-pir', { type: 'tamper', value: true });
    clock.advanceTo(TEN + 10 * MINUTE);
    await report('bed-mat', { type: 'tamper', value: true });
    const [alert] = ofKind('tamper');
    expect(alert).toMatchObject({ count: 2, room: 'hall', detail: { deviceId: 'hall-pir' } });
    // Before the fix: 'hall-pir (motion sensor) opened or moved', the bed mat nowhere.
    expect(card(alert!)).toBe('hall-pir (motion sensor) opened or moved; also bed-mat (bedroom, bed mat)');
  }, 60_000);

  it('smoke: names the hall detector as well as the kitchen one (the fire spreading)', async () => {
    const { clock, report } = await started();
    await report('kitchen-smoke', { type: 'smoke', value: true });
    clock.advanceTo(TEN + 2 * MINUTE);
    await report('hall-smoke', { type: 'smoke', value: true });
    const [alert] = ofKind('smoke');
    expect(alert).toMatchObject({ count: 2, room: 'kitchen', detail: { deviceId: 'kitchen-smoke' } });
    // Before the fix: 'smoke detected by kitchen-smoke', the hall nowhere.
    expect(card(alert!)).toBe('smoke detected by kitchen-smoke; also hall-smoke (hall)');
  }, 60_000);
});
