// Pendant press → alert received: one measuring client publishes a press and times the alert it gets back.
import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../simulate/mqttConnect.js';

export interface PressRun {
  /** Press → alert times, ms. */
  samplesMs: number[];
  /** Press → PUBACK times, ms (on the hub: the press is stored before it is acknowledged). */
  ackMs: number[];
  /** Presses with no alert within the timeout (counted in `samplesMs` at the timeout). */
  lost: number;
  /** Mean size of the alert messages received, bytes. */
  alertBytes: number;
}

export interface PressPlan {
  mqttUrl: string;
  /** One press per home: each press must raise a new alert, not join an open one. */
  homeIds: readonly string[];
  pendantId: string;
  /** Pause between an alert arriving and the next press (random in this range), ms. */
  gapMs: [number, number];
  timeoutMs: number;
  onProgress?: (done: number) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Presses one pendant after another and waits for each alert; the subscriber is on this machine. */
export async function measurePresses(plan: PressPlan): Promise<PressRun> {
  const client: MqttClient = await connectMqtt(plan.mqttUrl, { clientId: `bench-measure-${process.pid}` });
  const waiting = new Map<string, (bytes: number) => void>();
  client.on('message', (topic, payload) => {
    const homeId = topic.split('/')[1] ?? '';
    const done = waiting.get(homeId);
    if (done && payload.length > 0) {
      waiting.delete(homeId);
      done(payload.length);
    }
  });
  await client.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
  const samplesMs: number[] = [];
  const ackMs: number[] = [];
  let lost = 0;
  let bytes = 0;
  try {
    for (const [i, homeId] of plan.homeIds.entries()) {
      const received = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(homeId);
          resolve(null);
        }, plan.timeoutMs);
        waiting.set(homeId, (n) => {
          clearTimeout(timer);
          resolve(n);
        });
      });
      const payload = JSON.stringify({ type: 'pendant', value: true, ts: new Date().toISOString() });
      const startedMs = performance.now();
      client.publish(`telecare/${homeId}/devices/${plan.pendantId}/events`, payload, { qos: 1 }, (err) => {
        if (!err) ackMs.push(performance.now() - startedMs);
      });
      const n = await received;
      if (n === null) {
        // An alert that never came within the timeout still belongs in the tail, at no less than the timeout.
        lost += 1;
        samplesMs.push(plan.timeoutMs);
      } else {
        samplesMs.push(performance.now() - startedMs);
        bytes += n;
      }
      if ((i & 31) === 31) plan.onProgress?.(i + 1);
      await sleep(plan.gapMs[0] + Math.random() * (plan.gapMs[1] - plan.gapMs[0]));
    }
  } finally {
    // Stop alerts that arrive after their timeout from needing a PUBACK on a closing socket.
    await client.unsubscribeAsync('telecare/+/alerts/+').catch(() => undefined);
    await client.endAsync();
  }
  const received = samplesMs.length - lost;
  return { samplesMs, ackMs, lost, alertBytes: received > 0 ? Math.round(bytes / received) : 0 };
}
