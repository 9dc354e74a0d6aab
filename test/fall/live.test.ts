// A wearable's accelerometer stream over MQTT into the real hub process: a fall becomes a `fall` alert.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killHub, mqttClient, nextMessage, spawnHub, tempDir, writeConfig, type HubProcess } from '../hub/helpers.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { fallSegments, first, LYING, render, still, toMessages, turn, UPRIGHT, walking } from './signals.js';

/**
 * One hub process for the file, a home of its own per test (h1 with resident r1 and wearable w1, h2 …): a hub start
 * is about 2 s of CPU, and no test here needs a fresh hub, only alerts nobody else raised (each test reads its own
 * home's alerts, and a fall is judged per wearable).
 */
const HOMES = 3;
const CONFIG = {
  homes: Array.from({ length: HOMES }, (_, i) => ({
    id: `h${i + 1}`,
    timezone: 'Europe/London',
    residents: [{ id: `r${i + 1}` }],
    devices: [{ id: `w${i + 1}`, kind: 'wearable', room: 'living', residentId: `r${i + 1}` }],
  })),
};

let dir: string;
let hub: HubProcess | undefined;

beforeAll(async () => {
  dir = tempDir('fall-live');
  hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, CONFIG) });
});

afterAll(async () => {
  await killHub(hub);
  hub = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
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

/** Stream the samples from wearable wN of home hN over MQTT (QoS 1), stamped from `startTs`, then disconnect. */
async function streamWearable(
  mqttPort: number,
  n: number,
  samples: [number, number, number][],
  startTs: number,
): Promise<void> {
  const wearable = await mqttClient(mqttPort);
  for (const payload of accelPayloads(samples, startTs)) {
    await wearable.publishAsync(`telecare/h${n}/devices/w${n}/events`, payload, { qos: 1 });
  }
  await wearable.endAsync();
}

/** A fall alert for home hN's resident as responders must get it. */
const criticalFall = (n: number): Record<string, string> => ({
  homeId: `h${n}`,
  residentId: `r${n}`,
  kind: 'fall',
  severity: 'critical',
  state: 'raised',
});

/** An alert of home hN (not one of its versions' sub-topics). */
const alertOf = (n: number) => (topic: string) => new RegExp(`^telecare/h${n}/alerts/[^/]+$`).test(topic);

/** A responder subscribed to every alert of the file's hub. */
async function responderOnHub(): Promise<{ responder: MqttClient; mqttPort: number }> {
  if (!hub) throw new Error('the hub did not start');
  const responder = await mqttClient(hub.mqttPort);
  await responder.subscribeAsync('telecare/+/alerts/#', { qos: 1 });
  return { responder, mqttPort: hub.mqttPort };
}

describe('wearable fall detection, live', () => {
  it('raises a critical fall alert for the resident when a wearable streams a fall over MQTT', async () => {
    const { responder, mqttPort } = await responderOnHub();
    const alertArrives = nextMessage(responder, alertOf(1), 20_000);

    // Ten seconds of walking, then a fall and lying still: 33 s of samples, sent at once but stamped
    // as a live wearable would stamp them, from now on.
    const samples = render([walking(10), ...fallSegments(20)], 100);
    const startTs = Date.now();
    await streamWearable(mqttPort, 1, samples, startTs);

    const alert = JSON.parse((await alertArrives).payload.toString());
    expect(alert).toMatchObject(criticalFall(1));
    expect(alert.detail).toMatchObject({ source: 'wearable', downgraded: false });
    expect(alert.detail.peakG).toBeGreaterThan(2.5);
    await responder.endAsync();
  }, 60_000);

  it('raises the fall when the wearable falls silent 3 s after the impact (nothing more is ever sent)', async () => {
    const { responder, mqttPort } = await responderOnHub();
    const alertArrives = nextMessage(responder, alertOf(2), 40_000);

    // Two seconds of walking, the fall, and 2.9 s lying: the last sample is 3 s after the impact.
    const samples = render([walking(2), ...fallSegments(2.9)], 100);
    await streamWearable(mqttPort, 2, samples, Date.now());

    const alert = JSON.parse((await alertArrives).payload.toString());
    expect(alert).toMatchObject(criticalFall(2));
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
    const { responder, mqttPort } = await responderOnHub();
    const alerts: { id: string; severity: string; state: string; outcome: string | null; count: number }[] = [];
    responder.on('message', (topic, payload) => {
      if (alertOf(3)(topic) && payload.length > 0) alerts.push(JSON.parse(payload.toString()));
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
    await streamWearable(mqttPort, 3, samples, Date.now());
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
