// UMAFall (Universidad de Málaga) trials: list, parse (`;`-separated rows of five sensors, in g) per body position.
import fs from 'node:fs';
import path from 'node:path';

/**
 * The body positions of UMAFall's sensors, by the `Sensor_ID` column (the dataset's file header: 0 RIGHTPOCKET, a
 * phone at ~200 Hz; 1 CHEST, 2 WAIST, 3 WRIST, 4 ANKLE, TI SensorTags at ~20 Hz). The ankle is not read.
 */
export const UMAFALL_SENSOR_IDS = { pocket: 0, chest: 1, waist: 2, wrist: 3 } as const;
export type UmafallPosition = keyof typeof UMAFALL_SENSOR_IDS;

export interface UmafallTrial {
  file: string;
  subject: number;
  /** e.g. `Walking`, `LyingDown_OnABed`, `forwardFall`. */
  activity: string;
  trialNo: number;
  isFall: boolean;
}

/** One sensor's accelerometer samples of a trial: ms from its first kept sample, in g, gravity included. */
export interface UmafallRecording {
  tMs: Float64Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  /** 1 / the median interval, whole Hz (0 with fewer than 2 samples). */
  nominalRateHz: number;
  /** This sensor's accelerometer rows stamped before the row above them (dropped). */
  outOfOrderRows: number;
  /**
   * Rows stamped with the same millisecond as the row above (the phone hands its samples over in batches: 17 % of its
   * rows): kept, and a run of them spread evenly over the interval since the previous stamp.
   */
  sharedStampRows: number;
}

export interface UmafallFile {
  /** Rows that are not seven `;`-separated numeric fields (the header, malformed rows). */
  skippedRows: number;
  byPosition: Map<UmafallPosition, UmafallRecording>;
}

/** UMAFall's walking-like activities (false alarms per hour of walking). */
export const UMAFALL_WALKING = ['Walking', 'Jogging', 'GoUpstairs', 'GoDownstairs'];

const FILE_NAME = /^UMAFall_Subject_(\d+)_(ADL|Fall)_(.+)_(\d+)_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.csv$/;

/** Every trial file under `root` (`UMAFall_Subject_NN_{ADL|Fall}_Activity_T_date_time.csv`), in a stable order. */
export function listUmafallTrials(root: string): UmafallTrial[] {
  const trials: UmafallTrial[] = [];
  for (const name of fs.readdirSync(root).sort()) {
    const m = FILE_NAME.exec(name);
    if (!m) continue;
    trials.push({
      file: path.join(root, name),
      subject: Number(m[1]),
      activity: m[3] ?? '',
      trialNo: Number(m[4]),
      isFall: m[2] === 'Fall',
    });
  }
  return trials;
}

/**
 * Parse one trial: rows `TimeStamp ms; Sample No; x; y; z; Sensor_Type; Sensor_ID` (type 0 is the accelerometer, in
 * g), split by sensor. Header and malformed rows are skipped and counted; a sensor's row whose time does not increase
 * is dropped and counted.
 */
export function readUmafallFile(file: string): UmafallFile {
  const byId = new Map<
    number,
    { t: number[]; x: number[]; y: number[]; z: number[]; last: number; bad: number; shared: number }
  >();
  let skippedRows = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const parts = line.split(';');
    if (parts.length < 7) {
      skippedRows++;
      continue;
    }
    const nums = parts.slice(0, 7).map((p) => (p.trim() === '' ? NaN : Number(p)));
    const [ts, , vx, vy, vz, type, id] = nums;
    if (
      ts === undefined ||
      vx === undefined ||
      vy === undefined ||
      vz === undefined ||
      type === undefined ||
      id === undefined ||
      !nums.every(Number.isFinite)
    ) {
      skippedRows++;
      continue;
    }
    if (type !== 0) continue;
    let s = byId.get(id);
    if (!s) {
      s = { t: [], x: [], y: [], z: [], last: -Infinity, bad: 0, shared: 0 };
      byId.set(id, s);
    }
    if (ts < s.last) {
      s.bad++;
      continue;
    }
    if (ts === s.last) s.shared++;
    s.last = ts;
    s.t.push(ts);
    s.x.push(vx);
    s.y.push(vy);
    s.z.push(vz);
  }
  const byPosition = new Map<UmafallPosition, UmafallRecording>();
  for (const [position, id] of Object.entries(UMAFALL_SENSOR_IDS) as [UmafallPosition, number][]) {
    const s = byId.get(id);
    if (!s || s.t.length === 0) continue;
    const t0 = s.t[0] ?? 0;
    const tMs = spreadSharedStamps(Float64Array.from(s.t, (v) => v - t0));
    byPosition.set(position, {
      tMs,
      x: Float64Array.from(s.x),
      y: Float64Array.from(s.y),
      z: Float64Array.from(s.z),
      nominalRateHz: medianRate(tMs),
      outOfOrderRows: s.bad,
      sharedStampRows: s.shared,
    });
  }
  return { skippedRows, byPosition };
}

/**
 * Times made strictly increasing: a run of samples sharing a stamp is spread evenly over the interval from the
 * previous distinct stamp to theirs (the last of the run keeps the stamp). A run at the very start, with no stamp
 * before it, is spread backwards over the interval to the next stamp.
 */
export function spreadSharedStamps(t: Float64Array): Float64Array {
  const out = Float64Array.from(t);
  let i = 0;
  while (i < t.length) {
    let j = i;
    while (j + 1 < t.length && t[j + 1] === t[i]) j++;
    const n = j - i + 1;
    if (n > 1) {
      const at = t[i] ?? 0;
      const before = i > 0 ? (t[i - 1] ?? at) : at - ((t[j + 1] ?? at + n) - at);
      for (let k = 0; k < n; k++) out[i + k] = before + ((k + 1) * (at - before)) / n;
    }
    i = j + 1;
  }
  return out;
}

function medianRate(tMs: Float64Array): number {
  if (tMs.length < 2) return 0;
  const d = Array.from(tMs.subarray(1), (v, i) => v - (tMs[i] ?? 0)).sort((a, b) => a - b);
  const median = d[Math.floor(d.length / 2)] ?? 0;
  return median > 0 ? Math.round(1000 / median) : 0;
}
