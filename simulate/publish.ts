// Publishes simulated events on the native topics, paced by simulated time (× speed) or at a fixed rate.
import type { MqttClient } from 'mqtt';
import type { SimEvent } from './generator.js';

export interface PublishPlan {
  qos: 0 | 1;
  /** Simulated seconds per real second (pacing by event time); ignored when `ratePerS` is set. */
  speed: number;
  /** Fixed events per second regardless of simulated spacing (load for benchmarks); Infinity: as fast as acks allow. */
  ratePerS?: number;
  /** `sim`: the event's simulated time; `wall`: the moment it is published (for load on a live hub). */
  timestamps: 'sim' | 'wall';
  /** Skip events before this simulated time (start "now" in a live demo). */
  skipBeforeMs?: number;
  /** Stop after this many real seconds. */
  durationS?: number;
  /** At most this many QoS 1 messages waiting for PUBACK. */
  maxInFlight: number;
  signal?: AbortSignal;
  onProgress?: (counts: { published: number; acknowledged: number; simTs: number }) => void;
}

export interface PublishSummary {
  published: number;
  acknowledged: number;
  failed: number;
  elapsedS: number;
  ratePerS: number;
}

export function nativeTopic(event: Pick<SimEvent, 'homeId' | 'deviceId'>): string {
  return `telecare/${event.homeId}/devices/${event.deviceId}/events`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function publishEvents(
  client: MqttClient,
  events: Iterable<SimEvent>,
  plan: PublishPlan,
): Promise<PublishSummary> {
  const startedMs = performance.now();
  const elapsedMs = (): number => performance.now() - startedMs;
  let published = 0;
  let acknowledged = 0;
  let failed = 0;
  let inFlight = 0;
  let firstSimTs: number | undefined;
  let ackWaiter: (() => void) | undefined;

  const send = (e: SimEvent): void => {
    const ts = plan.timestamps === 'wall' ? Date.now() : e.ts;
    const payload = JSON.stringify({ type: e.type, value: e.value, ts: new Date(ts).toISOString() });
    published += 1;
    if (plan.qos === 0) {
      client.publish(nativeTopic(e), payload, { qos: 0 });
      return;
    }
    inFlight += 1;
    client.publish(nativeTopic(e), payload, { qos: 1 }, (err) => {
      inFlight -= 1;
      if (err) failed += 1;
      else acknowledged += 1;
      const w = ackWaiter;
      ackWaiter = undefined;
      w?.();
    });
  };
  const waitForWindow = async (): Promise<void> => {
    while (inFlight >= plan.maxInFlight) await new Promise<void>((r) => (ackWaiter = r));
  };

  const fixedRate = plan.ratePerS !== undefined;
  const stopped = (): boolean =>
    (plan.signal?.aborted ?? false) || (plan.durationS !== undefined && elapsedMs() >= plan.durationS * 1000);
  for (const e of events) {
    if (stopped()) break;
    if (plan.skipBeforeMs !== undefined && e.ts < plan.skipBeforeMs) continue;
    firstSimTs ??= plan.skipBeforeMs ?? e.ts;
    const dueMs = fixedRate ? (published / plan.ratePerS!) * 1000 : (e.ts - firstSimTs) / plan.speed;
    // Long simulated gaps are slept in short steps so Ctrl-C and --duration stay responsive.
    while (dueMs - elapsedMs() > 2 && !stopped()) await sleep(Math.min(dueMs - elapsedMs(), 1000));
    if (stopped()) break;
    await waitForWindow();
    send(e);
    if ((published & 255) === 0) {
      plan.onProgress?.({ published, acknowledged, simTs: e.ts });
      // Let socket writes and PUBACKs through when publishing flat out.
      if (fixedRate && !Number.isFinite(plan.ratePerS!)) await new Promise((r) => setImmediate(r));
    }
  }
  const drainDeadline = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < drainDeadline) await sleep(5);
  const elapsedS = elapsedMs() / 1000;
  return { published, acknowledged, failed, elapsedS, ratePerS: elapsedS > 0 ? published / elapsedS : 0 };
}
