// Pendant press → alert received: one measuring client publishes a press and times the alert it gets back.
import fs from 'node:fs';
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
  /** The home of each press, in order (a home may come again once its alert is closed). */
  homeIds: readonly string[];
  /** Runs after each alert arrives, outside the timing (the hub: resolve it, so the next press raises a new one). */
  afterAlert?: (homeId: string, alertId: string) => Promise<void>;
  pendantId: string;
  /** Pause between an alert arriving and the next press (random in this range), ms. */
  gapMs: [number, number];
  timeoutMs: number;
  onProgress?: (done: number) => void;
  /**
   * The bare broker's own publish → deliver: instead of a press, the measuring client publishes an alert-shaped
   * message of this many bytes (QoS 1, retained, as the hub publishes alerts) and times its delivery back to itself.
   */
  directAlertBytes?: number;
  /** After each alert, clear its retained copy (outside the timing), as the hub does when it is resolved. */
  clearAlert?: boolean;
  /**
   * A file to append each press's marks to (the bench: TELECARE_PRESS_STAGES, which the hub it spawns inherits and
   * writes its own marks to: hub/press-stages.ts): the publish and the alert's arrival on the monotonic clock the
   * hub's marks use, as JSON lines (`{"press": …}`) after the run, so that `bench/pressStages.ts` can split each press
   * into before the hub's read, the hub's turn and after its write. Unset, nothing is recorded.
   */
  stagesFile?: string;
  /**
   * With `stagesFile`: the hub's pid, whose main thread's scheduler account (run, run-queue wait) is read
   * just before each press is published (outside the timing), to split the wait before the hub's read.
   */
  stagesPid?: number;
}

/** After this many presses without their alert the run stops. */
const MAX_LOST = 5;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Which run of this process a press mark belongs to (quiet, loaded, … in the order measured). */
let stagesRun = 0;

/**
 * The system call a process's main thread is in (Linux `/proc/<pid>/task/<pid>/syscall`: its number; -1 running,
 * undefined when it cannot be read): asleep in epoll, or blocked in a write or a lock of the database.
 */
function syscallOf(pid: number | undefined): { nr: number; arg0?: string } | undefined {
  if (pid === undefined) return undefined;
  try {
    const [first = '', arg0] = fs.readFileSync(`/proc/${pid}/task/${pid}/syscall`, 'latin1').split(' ');
    const nr = first === 'running' ? -1 : Number(first);
    // In futex (x86-64 202): its first argument, the lock's address, to find whose it is in the process's maps.
    return nr === 202 && arg0 !== undefined ? { nr, arg0 } : { nr };
  } catch {
    return undefined;
  }
}

/** The process's memory maps (Linux), read once per run with the marks: whose a futex's address is. */
function mapsOf(pid: number | undefined): string | undefined {
  if (pid === undefined) return undefined;
  try {
    return fs.readFileSync(`/proc/${pid}/maps`, 'latin1');
  } catch {
    return undefined;
  }
}

/** A thread's [run ns, run-queue wait ns] from its schedstat (Linux), or undefined. */
function schedstatOf(pid: number | undefined): [number, number] | undefined {
  if (pid === undefined) return undefined;
  try {
    const [run = '0', wait = '0'] = fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'latin1').split(' ');
    return [Number(run), Number(wait)];
  } catch {
    return undefined;
  }
}

/** Presses one pendant after another and waits for each alert; the subscriber is on this machine. */
export async function measurePresses(plan: PressPlan): Promise<PressRun> {
  const client: MqttClient = await connectMqtt(plan.mqttUrl, { clientId: `bench-measure-${process.pid}` });
  const waiting = new Map<string, (bytes: number, alertId: string) => void>();
  const seen = new Set<string>();
  client.on('message', (topic, payload) => {
    const [, homeId = '', , alertId = ''] = topic.split('/');
    const done = waiting.get(homeId);
    // Only a newly raised alert answers a press (not its update, nor the empty message clearing it).
    if (!done || payload.length === 0 || seen.has(alertId)) return;
    let alert: { state?: unknown; kind?: unknown };
    try {
      alert = JSON.parse(payload.toString()) as { state?: unknown; kind?: unknown };
    } catch {
      return;
    }
    // Another alert of that home (a routine change the review raised meanwhile) is not the press's.
    if (alert.state !== 'raised' || alert.kind !== 'pendant') return;
    seen.add(alertId);
    waiting.delete(homeId);
    done(payload.length, alertId);
  });
  await client.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
  const samplesMs: number[] = [];
  const ackMs: number[] = [];
  let lost = 0;
  let bytes = 0;
  const marks: string[] = [];
  const stagesFile = plan.stagesFile ?? '';
  const run = stagesFile !== '' ? ++stagesRun : 0;
  try {
    for (const [i, homeId] of plan.homeIds.entries()) {
      const received = new Promise<{ bytes: number; alertId: string } | null>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(homeId);
          resolve(null);
        }, plan.timeoutMs);
        waiting.set(homeId, (bytes, alertId) => {
          clearTimeout(timer);
          resolve({ bytes, alertId });
        });
      });
      const direct = plan.directAlertBytes !== undefined ? directAlert(homeId, i, plan.directAlertBytes) : undefined;
      const payload = direct?.payload ?? JSON.stringify({ type: 'pendant', value: true, ts: new Date().toISOString() });
      const topic = direct?.topic ?? `telecare/${homeId}/devices/${plan.pendantId}/events`;
      const hubSched = stagesFile !== '' ? schedstatOf(plan.stagesPid) : undefined;
      const syscall = stagesFile !== '' ? syscallOf(plan.stagesPid) : undefined;
      const hubSyscall = syscall?.nr;
      const futexAt = syscall?.arg0;
      const pressedNs = stagesFile !== '' ? process.hrtime.bigint() : 0n;
      const startedMs = performance.now();
      client.publish(topic, payload, { qos: 1, retain: direct !== undefined }, (err) => {
        if (!err) ackMs.push(performance.now() - startedMs);
      });
      const alert = await received;
      if (alert === null) {
        // An alert that never came within the timeout still belongs in the tail, at no less than the timeout.
        lost += 1;
        samplesMs.push(plan.timeoutMs);
        // A path this far behind will not catch up: the presses left count as lost without waiting for each.
        if (lost >= MAX_LOST) {
          const left = plan.homeIds.length - i - 1;
          lost += left;
          for (let k = 0; k < left; k++) samplesMs.push(plan.timeoutMs);
          break;
        }
      } else {
        samplesMs.push(performance.now() - startedMs);
        if (stagesFile !== '') {
          const alertNs = process.hrtime.bigint();
          const ms = samplesMs[samplesMs.length - 1];
          const schedAtAlert = schedstatOf(plan.stagesPid);
          marks.push(
            JSON.stringify({
              press: {
                run,
                homeId,
                pressedNs: String(pressedNs),
                alertNs: String(alertNs),
                ms,
                hubSched,
                hubSyscall,
                futexAt,
                schedAtAlert,
                pid: plan.stagesPid,
              },
            }),
          );
        }
        bytes += alert.bytes;
        await plan.afterAlert?.(homeId, alert.alertId);
        // Like the hub resolving its alert: the retained copy is cleared, outside the timing.
        if (direct) await client.publishAsync(direct.topic, '', { qos: 1, retain: true });
        else if (plan.clearAlert) {
          await client.publishAsync(`telecare/${homeId}/alerts/${alert.alertId}`, '', { qos: 1, retain: true });
        }
      }
      if ((i & 31) === 31) plan.onProgress?.(i + 1);
      await sleep(plan.gapMs[0] + Math.random() * (plan.gapMs[1] - plan.gapMs[0]));
    }
  } finally {
    // Stop alerts that arrive after their timeout from needing a PUBACK on a closing socket.
    await client.unsubscribeAsync('telecare/+/alerts/+').catch(() => undefined);
    await client.endAsync();
    if (marks.length > 0) {
      const maps = mapsOf(plan.stagesPid);
      if (maps !== undefined) marks.push(JSON.stringify({ maps: { run, pid: plan.stagesPid, text: maps } }));
      fs.appendFileSync(stagesFile, marks.join('\n') + '\n');
    }
  }
  const received = samplesMs.length - lost;
  return { samplesMs, ackMs, lost, alertBytes: received > 0 ? Math.round(bytes / received) : 0 };
}

/** An alert-shaped message of about `bytes` bytes on the alert topic, for the bare broker's publish → deliver. */
function directAlert(homeId: string, i: number, bytes: number): { topic: string; payload: string } {
  return alertShapedMessage(homeId, `raw-${process.pid}-${i}`, bytes);
}

/**
 * A raised pendant alert of home `homeId` with id `id`, padded to about `bytes` bytes (the hub's alert size), on its
 * alert topic: what the bare broker delivers and the pass-through relay answers with (bench/relay.ts).
 */
export function alertShapedMessage(homeId: string, id: string, bytes: number): { topic: string; payload: string } {
  const body = JSON.stringify({
    id,
    homeId,
    kind: 'pendant',
    severity: 'critical',
    state: 'raised',
    raisedAt: new Date().toISOString(),
  });
  const pad = Math.max(0, bytes - body.length - 9);
  return { topic: `telecare/${homeId}/alerts/${id}`, payload: `${body.slice(0, -1)},"pad":"${'x'.repeat(pad)}"}` };
}
