// MobiFall v2 accelerometer trials: list, parse (m/s² → g) and cut into native `accel` messages.
import fs from 'node:fs';
import path from 'node:path';
import type { AccelValue } from '../rules/types.js';

export interface Trial {
  file: string;
  subject: number;
  /** Activity code: FOL, FKL, BSC, SDL (falls) or STD, WAL, JOG, JUM, STU, STN, SCH, CSI, CSO. */
  code: string;
  trialNo: number;
  isFall: boolean;
}

export interface Recording {
  /** Milliseconds from the first sample. */
  tMs: Float64Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
}

export interface AccelMessage {
  ts: number;
  value: AccelValue;
}

const STANDARD_GRAVITY = 9.81;
const FILE_NAME = /^([A-Z]{3})_acc_(\d+)_(\d+)\.txt$/;

export function mobifallRoot(projectRoot: string): string {
  return path.resolve(projectRoot, '../shared/data/mobifall-v2');
}

/** Every accelerometer trial under `root` (subN/FALLS/CODE/… and subN/ADL/CODE/…), in a stable order. */
export function listTrials(root: string): Trial[] {
  const trials: Trial[] = [];
  for (const sub of fs.readdirSync(root).sort()) {
    const subDir = path.join(root, sub);
    if (!/^sub\d+$/.test(sub) || !fs.statSync(subDir).isDirectory()) continue;
    for (const group of ['FALLS', 'ADL']) {
      const groupDir = path.join(subDir, group);
      if (!fs.existsSync(groupDir)) continue;
      for (const code of fs.readdirSync(groupDir).sort()) {
        const codeDir = path.join(groupDir, code);
        if (!fs.statSync(codeDir).isDirectory()) continue;
        for (const name of fs.readdirSync(codeDir).sort()) {
          const m = FILE_NAME.exec(name);
          const activity = m?.[1];
          if (!m || activity === undefined) continue;
          trials.push({
            file: path.join(codeDir, name),
            subject: Number(m[2]),
            code: activity,
            trialNo: Number(m[3]),
            isFall: group === 'FALLS',
          });
        }
      }
    }
  }
  return trials;
}

/** Parse one `_acc_` file: lines after `@DATA` are `timestamp_ns, x, y, z` in m/s²; bad lines are skipped. */
export function readRecording(file: string): Recording {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('@DATA')) + 1;
  const t: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const z: number[] = [];
  let t0 = NaN;
  let lastNs = -Infinity;
  for (const line of lines.slice(start)) {
    const parts = line.split(',');
    if (parts.length < 4) continue;
    const [ns, vx, vy, vz] = parts.slice(0, 4).map(Number);
    if (ns === undefined || vx === undefined || vy === undefined || vz === undefined) continue;
    if (!Number.isFinite(ns) || ns <= lastNs || ![vx, vy, vz].every(Number.isFinite)) continue;
    lastNs = ns;
    if (Number.isNaN(t0)) t0 = ns;
    t.push((ns - t0) / 1e6);
    x.push(vx / STANDARD_GRAVITY);
    y.push(vy / STANDARD_GRAVITY);
    z.push(vz / STANDARD_GRAVITY);
  }
  return { tMs: Float64Array.from(t), x: Float64Array.from(x), y: Float64Array.from(y), z: Float64Array.from(z) };
}

export function durationMs(rec: Recording): number {
  return rec.tMs.at(-1) ?? 0;
}

/**
 * What a wearable would send: the irregular recording resampled (linear interpolation) at a nominal
 * `rateHz`, cut into messages of `messageSeconds`, each stamped with its first sample's time.
 */
export function toAccelMessages(rec: Recording, startTs: number, rateHz = 100, messageSeconds = 1): AccelMessage[] {
  const messages: AccelMessage[] = [];
  const n = rec.tMs.length;
  if (n < 2) return messages;
  const stepMs = 1000 / rateHz;
  const perMessage = Math.max(1, Math.round(rateHz * messageSeconds));
  const total = Math.floor(durationMs(rec) / stepMs) + 1;
  let j = 0;
  let current: [number, number, number][] = [];
  let currentTs = startTs;
  // Every index read is j or j + 1 with j <= n - 2: in range, so the fallbacks never apply.
  const at = (a: Float64Array, i: number): number => a.at(i) ?? NaN;
  const lerp = (a: Float64Array, i: number, f: number): number => at(a, i) + f * (at(a, i + 1) - at(a, i));
  for (let k = 0; k < total; k++) {
    const t = k * stepMs;
    while (j < n - 2 && at(rec.tMs, j + 1) <= t) j++;
    const span = at(rec.tMs, j + 1) - at(rec.tMs, j);
    const f = span > 0 ? Math.min(1, Math.max(0, (t - at(rec.tMs, j)) / span)) : 0;
    if (current.length === 0) currentTs = startTs + t;
    current.push([lerp(rec.x, j, f), lerp(rec.y, j, f), lerp(rec.z, j, f)]);
    if (current.length === perMessage) {
      messages.push({ ts: Math.round(currentTs), value: { rate: rateHz, samples: current } });
      current = [];
    }
  }
  if (current.length > 0) messages.push({ ts: Math.round(currentTs), value: { rate: rateHz, samples: current } });
  return messages;
}
