// A wearable's batch with one corrupt sample (a glitch reading 115 g, a NaN written as null) loses that sample, not the
// batch: the batch may hold a fall's impact. Live over MQTT into a real hub, and in replay, the same fall is called.
import fs from 'node:fs';
import type { RunningHub } from '../../hub/hub.js';
import { parseHubConfig } from '../../hub/config.js';
import { Replayer, type ReplayAlert } from '../../replay/replay.js';
import { accelRuns } from '../../rules/event-value.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fallSegments, render, still, toMessages, UPRIGHT } from '../fall/signals.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, nextMessage, tempDir } from './helpers.js';

const RATE = 100;
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

/**
 * Standing 5 s, then a fall from standing (no walking before it, so no path for an impact the hub never saw) and
 * lying still; one message a second. The impact is at samples 840–849, in the ninth message (800–899), and a sample
 * of that message a quarter of a second later reads 115 g on one axis, as UMAFall's SensorTags sometimes do.
 */
function fallWithGlitch(startTs: number, glitch: unknown): { ts: number; value: unknown }[] {
  const samples = render([still(5, UPRIGHT), ...fallSegments(20)], RATE);
  const messages: { ts: number; value: { rate: number; samples: unknown[] } }[] = toMessages(samples, RATE, startTs);
  const impactMessage = messages[8];
  if (!impactMessage) throw new Error('the signal is shorter than the test thinks');
  impactMessage.value.samples[70] = glitch;
  return messages;
}

describe('accel samples the hub cannot use', () => {
  it('are dropped alone: the usable runs keep their place and time', () => {
    const good: [number, number, number] = [0, -1, 0];
    // Forty samples, two of them unusable (a glitch beyond ±64 g, a NaN written as null): 5 %, dropped alone.
    const samples: unknown[] = Array.from({ length: 40 }, () => good);
    samples[3] = [115, -1, 0];
    samples[20] = null;
    const split = accelRuns({ rate: 50, samples });
    expect(split?.dropped).toBe(2);
    expect(split?.runs.map((r) => [r.first, r.value.samples.length, r.value.rate])).toEqual([
      [0, 3, 50],
      [4, 16, 50],
      [21, 19, 50],
    ]);
    // One unusable sample is always allowed, even in a short message; a wrong shape is as unusable as a wrong value.
    expect(accelRuns({ rate: 20, samples: [good, [0, 0], good] })?.runs.map((r) => r.first)).toEqual([0, 2]);
  });

  it('make the whole message untrusted when there are many, and leave a clean one as it is', () => {
    const good: [number, number, number] = [0, -1, 0];
    // Three unusable in forty (over 5 %): a corrupt message, whose readings within range are no better.
    const corrupt: unknown[] = Array.from({ length: 40 }, () => good);
    corrupt[1] = [115, 0, 0];
    corrupt[2] = [0, 580, 0];
    corrupt[9] = null;
    expect(accelRuns({ rate: 50, samples: corrupt })).toBeUndefined();
    expect(accelRuns({ rate: 50, samples: [[115, 0, 0]] })).toBeUndefined();
    // A rate or size the hub refuses is still refused whole.
    expect(accelRuns({ rate: 0, samples: [good] })).toBeUndefined();
    expect(accelRuns({ rate: 50, samples: [] })).toBeUndefined();
    // Every sample usable: the message's own value.
    const clean = { rate: 50, samples: [good, good] };
    expect(accelRuns(clean)?.runs[0]?.value).toBe(clean);
  });
});

describe('a fall whose impact batch carries one corrupt sample', () => {
  let dir: string;
  let hub: RunningHub;

  beforeAll(async () => {
    dir = tempDir('accel-glitch');
    hub = await startTestHub(parseHubConfig(CONFIG), dir);
  });

  afterAll(async () => {
    await hub?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is called live over MQTT, the corrupt sample dropped and counted, the rest of the batch stored', async () => {
    const responder = await mqttClient(hub.ports.mqtt ?? 0);
    await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    const alertArrives = nextMessage(responder, (topic) => /^telecare\/h1\/alerts\/[^/]+$/.test(topic), 30_000);

    const wearable = await mqttClient(hub.ports.mqtt ?? 0);
    const start = Date.now();
    for (const m of fallWithGlitch(start, [115, -1, 0])) {
      await wearable.publishAsync('telecare/h1/devices/w1/events', JSON.stringify({ type: 'accel', ...m }), {
        qos: 1,
      });
    }
    await wearable.endAsync();

    const alert = JSON.parse((await alertArrives).payload.toString()) as Record<string, unknown>;
    await responder.endAsync();
    expect(alert).toMatchObject({ homeId: 'h1', residentId: 'r1', kind: 'fall', severity: 'critical' });

    const metrics = await hub.metrics.getSingleMetricAsString('telecare_ingest_accel_samples_dropped_total');
    expect(metrics).toMatch(/^telecare_ingest_accel_samples_dropped_total 1$/m);
    // The ninth message became two events: its 70 samples before the glitch at its own time, 29 after it 710 ms later.
    const ninth = hub.db
      .prepare(
        "SELECT ts, value FROM events WHERE device_id = 'w1' AND type = 'accel' AND ts >= ? AND ts < ? ORDER BY ts",
      )
      .all(start + 8_000, start + 9_000) as { ts: number; value: string }[];
    expect(ninth.map((e) => [e.ts - start, (JSON.parse(e.value) as { samples: unknown[] }).samples.length])).toEqual([
      [8_000, 70],
      [8_710, 29],
    ]);
  }, 60_000);

  it('is called in replay too, with the same impact time, a NaN written as null dropped the same way', () => {
    const start = Date.UTC(2026, 0, 5, 10);
    const alerts: ReplayAlert[] = [];
    const replayer = new Replayer({ homes: parseHubConfig(CONFIG).homes, onAlert: (a) => alerts.push(a) });
    for (const m of fallWithGlitch(start, null)) {
      replayer.pushLine(JSON.stringify({ homeId: 'h1', deviceId: 'w1', type: 'accel', ...m }));
    }
    const stats = replayer.finish();
    expect(stats.accelSamplesDropped).toBe(1);
    expect(stats.dropped).toBe(0);
    const falls = alerts.filter((a) => a.kind === 'fall');
    expect(falls.map((a) => [a.severity, a.residentId])).toEqual([['critical', 'r1']]);
    // The impact is where the signal put it (sample 840 = 8.4 s), not lost with its batch.
    const detail = falls[0]?.detail as { impactAt: number };
    expect(detail.impactAt - start).toBeGreaterThanOrEqual(8_300);
    expect(detail.impactAt - start).toBeLessThanOrEqual(8_600);
  });
});
