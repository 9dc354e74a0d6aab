// SmartFallMM (Texas State University) accelerometer trials: list, parse (MetaMotion CSV in g), and its recorded timing.
import fs from 'node:fs';
import path from 'node:path';

/**
 * Where the MetaMotion sensor was worn: `hip` (a belt or waist band, the product's placement), `wrist` (a band on
 * the wrist: not the product's placement, reported apart).
 */
export type SmartfallPlacement = 'hip' | 'wrist';

export interface SmartfallTrial {
  file: string;
  /** `young` (falls and daily activities) or `old` (daily activities only). */
  cohort: 'young' | 'old';
  subject: number;
  /** Activity 1–14 (README: 10–14 are falls, young participants only). */
  activity: number;
  trialNo: number;
  isFall: boolean;
}

/** A trial as recorded: ms from its first kept sample, in g, gravity included; what was dropped and why. */
export interface SmartfallRecording {
  tMs: Float64Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  /** The recording's own rate: 1 / the median interval (25 or 50 Hz in this set), 0 when it has under 2 samples. */
  nominalRateHz: number;
  /** Rows that are not six fields with numeric elapsed time and axes (headers, blank lines). */
  skippedRows: number;
  /** Rows whose elapsed time does not increase (files where trials were pasted one after another). */
  outOfOrderRows: number;
  /** Rows with an axis beyond ±MAX_AXIS_G: not an accelerometer reading in g (a gyroscope column, a shifted row). */
  outOfRangeRows: number;
}

/** The activities of the README's table. */
export const SMARTFALL_ACTIVITIES: Record<number, string> = {
  1: 'drinking water',
  2: 'picking up an object',
  3: 'putting on and taking off a jacket',
  4: 'stepping up',
  5: 'sweeping the floor',
  6: 'washing hands',
  7: 'waving a hand',
  8: 'walking (young) / timed up and go (old)',
  9: 'sitting down and standing up',
  10: 'fall backwards',
  11: 'fall forwards',
  12: 'fall to the left',
  13: 'fall to the right',
  14: 'fall with a turn',
};
/** Falls: activities 10–14. */
export const SMARTFALL_FALLS = [10, 11, 12, 13, 14];
/** Walking: activity 8 (walking for the young, the timed up-and-go test for the old). */
export const SMARTFALL_WALKING = [8];
/** The MetaMotion's widest range is ±16 g; a larger value is not an acceleration in g. */
export const MAX_AXIS_G = 16;
/** A file with more than this share of out-of-range rows is not accelerometer data (listed, not run). */
export const MAX_OUT_OF_RANGE_SHARE = 0.05;

const FOLDER: Record<SmartfallPlacement, string> = { hip: 'meta_hip', wrist: 'meta_wrist' };
const FILE_NAME = /^S(\d+)A(\d+)T(\d+)\.csv$/;

/** Every trial of a placement under `root` (`young|old/accelerometer/meta_hip|meta_wrist/SxxAyyTzz.csv`), stable order. */
export function listSmartfallTrials(root: string, placement: SmartfallPlacement): SmartfallTrial[] {
  const trials: SmartfallTrial[] = [];
  for (const cohort of ['young', 'old'] as const) {
    const dir = path.join(root, cohort, 'accelerometer', FOLDER[placement]);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      const m = FILE_NAME.exec(name);
      if (!m) continue;
      const activity = Number(m[2]);
      trials.push({
        file: path.join(dir, name),
        cohort,
        subject: Number(m[1]),
        activity,
        trialNo: Number(m[3]),
        isFall: SMARTFALL_FALLS.includes(activity),
      });
    }
  }
  return trials;
}

/**
 * Parse one MetaMotion file: rows `epoch ms, time, elapsed s, x g, y g, z g`, a header row or none. The time is the
 * elapsed column (the epoch column of many files was rounded to 10⁷ ms by a spreadsheet). Rows that are not numeric,
 * do not move time forward, or read beyond ±16 g are dropped and counted.
 */
export function readSmartfallRecording(file: string): SmartfallRecording {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const t: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const z: number[] = [];
  let skippedRows = 0;
  let outOfOrderRows = 0;
  let outOfRangeRows = 0;
  let t0 = NaN;
  let last = -Infinity;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const parts = line.split(',');
    if (parts.length < 6) {
      skippedRows++;
      continue;
    }
    const [es, vx, vy, vz] = parts.slice(2, 6).map((p) => (p.trim() === '' ? NaN : Number(p)));
    if (es === undefined || vx === undefined || vy === undefined || vz === undefined) continue;
    if (![es, vx, vy, vz].every(Number.isFinite)) {
      skippedRows++;
      continue;
    }
    if (Math.max(Math.abs(vx), Math.abs(vy), Math.abs(vz)) > MAX_AXIS_G) {
      outOfRangeRows++;
      continue;
    }
    const ms = es * 1000;
    if (ms <= last) {
      outOfOrderRows++;
      continue;
    }
    last = ms;
    if (Number.isNaN(t0)) t0 = ms;
    t.push(ms - t0);
    x.push(vx);
    y.push(vy);
    z.push(vz);
  }
  return {
    tMs: Float64Array.from(t),
    x: Float64Array.from(x),
    y: Float64Array.from(y),
    z: Float64Array.from(z),
    nominalRateHz: nominalRate(t),
    skippedRows,
    outOfOrderRows,
    outOfRangeRows,
  };
}

/** 1 / the median sample interval, rounded to a whole Hz (0 with fewer than two samples). */
export function nominalRate(tMs: ArrayLike<number>): number {
  const d: number[] = [];
  for (let i = 1; i < tMs.length; i++) d.push((tMs[i] ?? 0) - (tMs[i - 1] ?? 0));
  if (d.length === 0) return 0;
  d.sort((a, b) => a - b);
  const median = d[Math.floor(d.length / 2)] ?? 0;
  return median > 0 ? Math.round(1000 / median) : 0;
}

/** Why a recording is not run (too short, or mostly not accelerometer data), or null when it is usable. */
export function unusableReason(rec: SmartfallRecording): string | null {
  const kept = rec.tMs.length;
  if (rec.outOfRangeRows > MAX_OUT_OF_RANGE_SHARE * (kept + rec.outOfRangeRows))
    return `${rec.outOfRangeRows} of ${kept + rec.outOfRangeRows} rows beyond ±${MAX_AXIS_G} g`;
  if (kept < 2 || rec.nominalRateHz <= 0) return 'fewer than 2 samples';
  if ((rec.tMs.at(-1) ?? 0) < 1000) return 'shorter than 1 s';
  return null;
}

/**
 * Why a fall trial is not run although its file is usable: it recorded no movement (a fall cannot be so; a daily
 * activity can: drinking seated barely moves the hip, so those are kept), or null.
 */
export function fallNotRecordedReason(rec: SmartfallRecording): string | null {
  const range = magnitudeRange(rec);
  return range < FLAT_RANGE_G ? `a fall that recorded no movement (magnitude range ${range.toFixed(3)} g)` : null;
}

/**
 * A trial whose magnitude stays within this range from start to end recorded no movement at all (a sensor that was
 * not worn or not sampling: SmartFallMM's young subjects 28 and 35 have falls that read 0.98–1.03 g ± 0.001 g).
 */
export const FLAT_RANGE_G = 0.1;

/** Largest minus smallest magnitude over the recording. */
export function magnitudeRange(rec: { x: ArrayLike<number>; y: ArrayLike<number>; z: ArrayLike<number> }): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < rec.x.length; i++) {
    const m = Math.hypot(rec.x[i] ?? 0, rec.y[i] ?? 0, rec.z[i] ?? 0);
    lo = Math.min(lo, m);
    hi = Math.max(hi, m);
  }
  return hi - lo;
}

/** The detector's tolerance for "back near the posture before the fall" (docs/fall-detection.md, step 6). */
export const UPRIGHT_AGAIN_DEG = 30;

/**
 * Whether the recording ends in the posture it started in: the mean direction of its last second within 30° of its
 * first second's. A fall trial that starts standing and ends so is one the wearer got up from within the recording
 * (SmartFallMM's hand-cut trials mostly run on until the participant stands again): the product raises an `info`
 * record for it, not a call-out. Read from the recording, not from the detector.
 */
export function endsAsItStarted(rec: {
  tMs: ArrayLike<number>;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  z: ArrayLike<number>;
}): boolean {
  const n = rec.tMs.length;
  const end = rec.tMs[n - 1] ?? 0;
  const mean = (from: number, to: number): [number, number, number] => {
    let sx = 0;
    let sy = 0;
    let sz = 0;
    for (let i = 0; i < n; i++) {
      const t = rec.tMs[i] ?? 0;
      if (t < from || t >= to) continue;
      sx += rec.x[i] ?? 0;
      sy += rec.y[i] ?? 0;
      sz += rec.z[i] ?? 0;
    }
    return [sx, sy, sz];
  };
  const a = mean(0, 1000);
  const b = mean(end - 1000, end + 1);
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  if (na === 0 || nb === 0) return false;
  const cos = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (na * nb);
  return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI < UPRIGHT_AGAIN_DEG;
}
