// A wearable's accelerometer stream over MQTT into the real hub process: a fall becomes a `fall` alert.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killHub, mqttClient, nextMessage, spawnHub, tempDir, writeConfig, type HubProcess } from '../hub/helpers.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { fallSegments, first, LYING, render, still, toMessages, turn, UPRIGHT, walking } from './signals.js';

const CONFIG = {
  homes: [
    {
      id: 'h1',
      timezone: 'Europe/London',
      residents: [{ id: 'r1' }],
      devices: [{ id: 'w1', kind: 'wearable', room: 'living', residentId: 'r1' }],
    },
  ],
};

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('fall-live');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The samples as native `accel` events, one per second, the way a wearable would publish them. */
function accelPayloads(samples: [number, number, number][], startTs: number): string[] {
  return toMessages(samples, 100, startTs).map((m) =>
    JSON.stringify({
      type: 'accel',
      ts: m.ts,
      value: { rate: m.value.rate, samples: m.value.samples.map((s) => s.map((v) => Math.round(v * 1000) / 1000)) },
    }),
  );
}

/** Stream the samples from wearable w1 of home h1 over MQTT (QoS 1), stamped from `startTs`, then disconnect. */
async function streamWearable(mqttPort: number, samples: [number, number, number][], startTs: number): Promise<void> {
  const wearable = await mqttClient(mqttPort);
  for (const payload of accelPayloads(samples, startTs)) {
    await wearable.publishAsync('telecare/h1/devices/w1/events', payload, { qos: 1 });
  }
  await wearable.endAsync();
}

/** A fall alert for the resident as responders must get it. */
const CRITICAL_FALL = { homeId: 'h1', residentId: 'r1', kind: 'fall', severity: 'critical', state: 'raised' };

/** Spawns the hub on CONFIG and connects a responder subscribed to every alert. */
async function startHubWithResponder(): Promise<{ responder: MqttClient; mqttPort: number }> {
  hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, CONFIG) });
  const responder = await mqttClient(hub.mqttPort);
  await responder.subscribeAsync('telecare/+/alerts/#', { qos: 1 });
  return { responder, mqttPort: hub.mqttPort };
}

describe('wearable fall detection, live', () => {
  it('raises a critical fall alert for the resident when a wearable streams a fall over MQTT', async () => {
    const { responder, mqttPort } = await startHubWithResponder();
    const alertArrives = nextMessage(responder, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t), 20_000);

    // Ten seconds of walking, then a fall and lying still: 33 s of samples, sent at once but stamped
    // as a live wearable would stamp them, from now on.
    const samples = render([walking(10), ...fallSegments(20)], 100);
    const startTs = Date.now();
    await streamWearable(mqttPort, samples, startTs);

    const alert = JSON.parse((await alertArrives).payload.toString());
    expect(alert).toMatchObject(CRITICAL_FALL);
    expect(alert.detail).toMatchObject({ source: 'wearable', downgraded: false });
    expect(alert.detail.peakG).toBeGreaterThan(2.5);
    await responder.endAsync();
  }, 60_000);

  it('raises the fall when the wearable falls silent 3 s after the impact (nothing more is ever sent)', async () => {
    const { responder, mqttPort } = await startHubWithResponder();
    const alertArrives = nextMessage(responder, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t), 40_000);

    // Two seconds of walking, the fall, and 2.9 s lying: the last sample is 3 s after the impact.
    const samples = render([walking(2), ...fallSegments(2.9)], 100);
    await streamWearable(mqttPort, samples, Date.now());

    const alert = JSON.parse((await alertArrives).payload.toString());
    expect(alert).toMatchObject(CRITICAL_FALL);
    expect(alert.detail).toMatchObject({ source: 'wearable', downgraded: false, recovered: false, sampleRateHz: 100 });
    const { stillSeconds, recoverSeconds } = DEFAULT_RULE_PARAMS.fall;
    // Decided on the wearable's own time line, no later than the bound after the impact.
    expect(alert.detail.decidedAt - alert.detail.impactAt).toBeLessThanOrEqual(
      (1 + stillSeconds + recoverSeconds) * 1000,
    );
    expect(alert.detail.postureChangeDeg).toBeGreaterThan(45);
    expect(alert.detail.stillSeconds).toBeGreaterThan(0);
    await responder.endAsync();
  }, 60_000);

  it('records an impact the wearer got up from as info, and a real fall after it still calls out as critical', async () => {
    const { responder, mqttPort } = await startHubWithResponder();
    const alerts: { id: string; severity: string; state: string; outcome: string | null; count: number }[] = [];
    responder.on('message', (topic, payload) => {
      if (/^telecare\/h1\/alerts\/[^/]+$/.test(topic) && payload.length > 0)
        alerts.push(JSON.parse(payload.toString()));
    });
    const critical = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no critical fall alert in time')), 30_000);
      responder.on('message', () => {
        if (alerts.some((a) => a.severity === 'critical')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    // A fall the wearer gets up from and walks away, then, 20 s later, a fall they stay down after.
    const samples = render(
      [walking(2), ...fallSegments(3), turn(1, LYING, UPRIGHT), walking(20), still(3, UPRIGHT), ...fallSegments(20)],
      100,
    );
    await streamWearable(mqttPort, samples, Date.now());
    await critical;
    await responder.endAsync();

    const info = alerts.filter((a) => a.severity === 'info');
    const calls = alerts.filter((a) => a.severity === 'critical');
    expect(info.length).toBeGreaterThan(0);
    expect(calls.length).toBeGreaterThan(0);
    // The record never became the critical alert (SPEC 5 merges a raise into the open alert of its kind):
    // the real fall is an alert of its own, raised afresh, and the record was closed.
    expect(calls.at(0)?.id).not.toBe(info.at(0)?.id);
    expect(first(calls)).toMatchObject({ state: 'raised', count: 1 });
    expect(info.at(-1)).toMatchObject({ state: 'resolved', outcome: 'no-action-needed' });
  }, 60_000);
});
