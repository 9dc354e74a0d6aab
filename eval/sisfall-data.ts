// SisFall trials (waist-worn ADXL345, 200 Hz, raw counts): list, parse (counts → g), and turn into `accel` messages.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export interface SisfallTrial {
  file: string;
  /** e.g. SA07 or SE03. */
  subject: string;
  /** Older adult (SE, 60–75 years, daily activities only in this copy) or young adult (SA, 19–30). */
  older: boolean;
  /** Activity code: D01–D19 (daily activities) or F01–F15 (falls). */
  code: string;
  trialNo: number;
  isFall: boolean;
}

/** A recording at the dataset's 200 Hz, in g, gravity included. */
export interface SisfallRecording {
  rateHz: number;
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
}

const SOURCE_RATE_HZ = 200;
/** ADXL345 at ±16 g, 13 bit: g = count × 32 / 8192 (the authors' Readme). */
const G_PER_COUNT = 32 / 8192;
const FILE_NAME = /^([DF]\d\d)_(S[AE]\d\d)_R(\d\d)\.txt(\.gz)?$/;

export function sisfallRoot(dataDir: string): string {
  return path.join(dataDir, 'sisfall');
}

/** Every trial under `root` (SUBJECT/CODE_SUBJECT_RNN.txt.gz), in a stable order. */
export function listSisfallTrials(root: string): SisfallTrial[] {
  const trials: SisfallTrial[] = [];
  for (const subject of fs.readdirSync(root).sort()) {
    const dir = path.join(root, subject);
    if (!/^S[AE]\d\d$/.test(subject) || !fs.statSync(dir).isDirectory()) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      const m = FILE_NAME.exec(name);
      const code = m?.[1];
      if (!m || code === undefined || m[2] !== subject) continue;
      trials.push({
        file: path.join(dir, name),
        subject,
        older: subject.startsWith('SE'),
        code,
        trialNo: Number(m[3]),
        isFall: code.startsWith('F'),
      });
    }
  }
  return trials;
}

/** Parse one trial: one `x,y,z` line of counts per sample (a trailing `;` allowed); bad lines are skipped. */
export function readSisfallRecording(file: string): SisfallRecording {
  const raw = fs.readFileSync(file);
  const text = file.endsWith('.gz') ? zlib.gunzipSync(raw).toString('latin1') : raw.toString('latin1');
  const lines = text.split('\n');
  const x = new Float32Array(lines.length);
  const y = new Float32Array(lines.length);
  const z = new Float32Array(lines.length);
  let n = 0;
  for (const line of lines) {
    const [pa, pb, pc] = line.split(',');
    if (pa === undefined || pb === undefined || pc === undefined) continue;
    const a = Number.parseInt(pa, 10);
    const b = Number.parseInt(pb, 10);
    const c = Number.parseInt(pc, 10);
    if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) continue;
    x[n] = a * G_PER_COUNT;
    y[n] = b * G_PER_COUNT;
    z[n] = c * G_PER_COUNT;
    n++;
  }
  return { rateHz: SOURCE_RATE_HZ, x: x.subarray(0, n), y: y.subarray(0, n), z: z.subarray(0, n) };
}

export function recordingMs(rec: SisfallRecording): number {
  return (rec.x.length / rec.rateHz) * 1000;
}
