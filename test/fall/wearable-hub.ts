// A wearable's 1 s batches sent to the real hub in-process (fake clock, embedded broker, a real MQTT client, SQLite in
// a temp folder) in the order they come in, and the fall alerts it stored: the late batches' tests (sessions 64, 65).
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from '../hub/helpers.js';
import { RATE, START, type Batch } from './batch-hub.js';
import { render } from './signals.js';

const TOPIC = 'telecare/h1/devices/w1/events';
const CONFIG = parseHubConfig({
  homes: [
    {
      id: 'h1',
      timezone: 'Europe/London',
      residents: [{ id: 'r1' }],
      devices: [{ id: 'w1', kind: 'wearable', room: 'living', residentId: 'r1' }],
    },
  ],
});

/** The first sample at or over the impact threshold, on the samples' time (the alert's eventAt is its cell's start). */
export function impactSampleAt(segments: Parameters<typeof render>[0], startAt = START): number {
  const samples = render(segments, RATE);
  return startAt + (samples.findIndex((s) => Math.hypot(...s) >= DEFAULT_RULE_PARAMS.fall.impactG) * 1000) / RATE;
}

/** The batches, those at `late` taken out and sent just after the one at `after`, in the order given. */
export function behind(stream: Batch[], late: number[], after: number): Batch[] {
  const out = stream.filter((_, i) => !late.includes(i));
  const at = out.indexOf(stream[after]!);
  const landing = stream[after]!.arrival;
  out.splice(at + 1, 0, ...late.map((i, j) => ({ ...stream[i]!, arrival: landing + 10 * (j + 1) })));
  return out;
}

export interface FallAlert {
  severity: string;
  raisedAt: number;
  eventAt: number;
}

/** One hub at a time on a temp folder of its own; `fresh` for another run, `close` after each test. */
export class WearableHub {
  dir: string;
  hub: RunningHub | undefined;
  private wearable: MqttClient | undefined;

  constructor(private readonly prefix: string) {
    this.dir = tempDir(prefix);
  }

  /**
   * The batches sent over MQTT as they come in, each at its arrival on the hub's clock (QoS 1: the rules have it when
   * the PUBACK comes), then a minute of silence; the fall alerts stored. A responder resolves each fall alert as soon as
   * it is raised, so that a fall called out again is an alert of its own, not a count on the open one. `restartBefore`:
   * the hub stopped (its rules' state saved) and started again on the same database before that batch.
   */
  async through(sent: Batch[], restartBefore = -1): Promise<FallAlert[]> {
    const clock = new FakeClock(START - 60_000);
    this.hub = await startTestHub(CONFIG, this.dir, { clock });
    this.wearable = await mqttClient(this.hub.ports.mqtt!);
    for (const [i, b] of sent.entries()) {
      if (i === restartBefore) {
        await this.stop();
        this.hub = await startTestHub(CONFIG, this.dir, { clock });
        this.wearable = await mqttClient(this.hub.ports.mqtt!);
      }
      clock.advanceTo(Math.max(clock.now(), b.arrival));
      await this.wearable.publishAsync(TOPIC, JSON.stringify({ type: 'accel', ts: b.ts, value: b.value }), { qos: 1 });
      await this.hub.alerts.settled();
      resolveOpenFalls(this.hub);
    }
    const end = Math.max(...sent.map((b) => b.arrival));
    for (let t = end + 1000; t <= end + 60_000; t += 1000) {
      clock.advanceTo(t);
      await this.hub.alerts.settled();
      resolveOpenFalls(this.hub);
    }
    const rows = this.hub.db
      .prepare("SELECT severity, raised_at AS raisedAt, detail FROM alerts WHERE kind = 'fall' ORDER BY raised_at")
      .all() as { severity: string; raisedAt: number; detail: string }[];
    return rows.map(({ detail, ...row }) => ({
      ...row,
      eventAt: Date.parse((JSON.parse(detail) as { eventAt: string }).eventAt),
    }));
  }

  /** The hub stopped and its folder removed; a new folder for the next run. */
  async fresh(): Promise<void> {
    await this.close();
    this.dir = tempDir(this.prefix);
  }

  async close(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async stop(): Promise<void> {
    await this.wearable?.endAsync(true);
    this.wearable = undefined;
    await this.hub?.stop();
    this.hub = undefined;
  }
}

function resolveOpenFalls(running: RunningHub): void {
  for (const alert of running.alerts.list({ state: 'open' }))
    if (alert.kind === 'fall')
      expect(running.alerts.resolve(alert.id, 'assisted-at-home', null, 'responder').ok).toBe(true);
}
