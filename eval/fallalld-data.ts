// FallAllD (Saleh et al., 2021) accelerometer trials: list, parse (LSM9DS1 counts → g), a regular 238 Hz.
import fs from 'node:fs';
import path from 'node:path';

/** Where the device was worn, by the `D` field of the file name (the dataset's own scripts: 1 Neck, 2 Wrist, 3 Waist). */
export const FALLALLD_DEVICES = { neck: 1, wrist: 2, waist: 3 } as const;
export type FallalldPosition = keyof typeof FALLALLD_DEVICES;

/** The accelerometer's rate (238 Hz) and sensitivity (0.244 mg per count, ±8 g), from the dataset's own script. */
export const FALLALLD_RATE_HZ = 238;
export const FALLALLD_G_PER_COUNT = 0.000244;

/**
 * The fall kinds FallAllD names "with recovery" (the participant gets up: "rec.", and 124's "rev."): the product raises
 * an `info` record for them by design, not a call-out. The others end down (on the floor, on a bed, against a wall).
 */
export const FALLALLD_WITH_RECOVERY = [102, 104, 106, 108, 110, 116, 118, 120, 122, 124, 126, 128];

export interface FallalldTrial {
  file: string;
  subject: number;
  position: FallalldPosition;
  /** 1–44 daily activities, 101–135 falls (those named "rec." end with the wearer getting up). */
  activity: number;
  trialNo: number;
  isFall: boolean;
}

export interface FallalldRecording {
  tMs: Float64Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  /** Rows that are not three integers (skipped). */
  skippedRows: number;
}

/**
 * FallAllD's walking-like activities (false alarms per hour of walking): start / slow / stop / quick walking (19–22),
 * slow and quick jogging (24–25), stairs (29–36), starting and stopping to jog (43–44).
 */
export const FALLALLD_WALKING = [19, 20, 21, 22, 24, 25, 29, 30, 31, 32, 33, 34, 35, 36, 43, 44];

const FILE_NAME = /^S(\d+)_D(\d)_A(\d+)_T(\d+)_A\.dat$/;

/** Every accelerometer file under `root` (`Sss_Dd_Aaaa_Ttt_A.dat`) of the given positions, in a stable order. */
export function listFallalldTrials(root: string, positions: readonly FallalldPosition[]): FallalldTrial[] {
  const byDevice = new Map<number, FallalldPosition>(positions.map((p) => [FALLALLD_DEVICES[p], p]));
  const trials: FallalldTrial[] = [];
  for (const name of fs.readdirSync(root).sort()) {
    const m = FILE_NAME.exec(name);
    const position = m ? byDevice.get(Number(m[2])) : undefined;
    if (!m || position === undefined) continue;
    const activity = Number(m[3]);
    trials.push({
      file: path.join(root, name),
      subject: Number(m[1]),
      position,
      activity,
      trialNo: Number(m[4]),
      isFall: activity >= 101,
    });
  }
  return trials;
}

/** Parse one `_A.dat` file: a row `x,y,z` of counts per sample at 238 Hz; other rows are skipped and counted. */
export function readFallalldRecording(file: string): FallalldRecording {
  const t: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const z: number[] = [];
  let skippedRows = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const parts = line.split(',');
    const v = parts.map((p) => (/^\s*-?\d+\s*$/.test(p) ? Number(p) : NaN));
    const [a, b, c] = v;
    if (parts.length !== 3 || a === undefined || b === undefined || c === undefined || !v.every(Number.isFinite)) {
      skippedRows++;
      continue;
    }
    t.push((t.length * 1000) / FALLALLD_RATE_HZ);
    x.push(a * FALLALLD_G_PER_COUNT);
    y.push(b * FALLALLD_G_PER_COUNT);
    z.push(c * FALLALLD_G_PER_COUNT);
  }
  return {
    tMs: Float64Array.from(t),
    x: Float64Array.from(x),
    y: Float64Array.from(y),
    z: Float64Array.from(z),
    skippedRows,
  };
}
