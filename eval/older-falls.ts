// Stress test: SisFall's young adults' falls made "older" by transformations with a physical meaning (a slower descent, an
// absorbed impact, a peak no harder than older adults' sit-downs, tremor, a slow settling with a partial attempt to get
// up). Not real older falls: what would break the detector on them, measured. docs/fall-detection.md, "Seventh round".
import type { RuleParams } from '../rules/params.js';
import { createRng } from '../simulate/random.js';
import { seedOf } from './irregular.js';
import { outcomeOf, runTrial } from './mobifall-eval.js';
import { listSisfallTrials, readSisfallRecording, type SisfallRecording, type SisfallTrial } from './sisfall-data.js';
import { sensorMessages, type UniformRecording } from './wearable-sensor.js';
import type { StreamCondition } from './wearable-figures.js';
import type { FallDetectorTuning } from '../rules/fall/detector.js';

/**
 * - `as recorded`: the fall untouched, the lying after it extended (every variant is, so that a variant is judged on
 *   the fall, not on where the recording stops; an older faller who cannot get up lies on);
 * - `slow descent`: the second before the impact 1.5 × slower (same path: accelerations / 1.5², so the dip is
 *   shallower: a body partly held by a hand, a knee, furniture);
 * - `absorbed impact`: the impact spread over 2.5 × its time with the same change of speed (its area kept, peak
 *   / 2.5): a softer landing, more soft tissue, a hip or hand taking the load first;
 * - `sit-down peak`: the impact's excess over gravity scaled so its peak is no harder than the hardest 10 % of
 *   older adults' own sit-downs (SE01–SE15, D07–D10, as recorded): a low-energy fall;
 * - `tremor`: 0.03 g of 4–8 Hz tremor and breathing on the lying after the fall;
 * - `slow to still`: 1 s after the impact the wearer struggles for 3 s, with a partial attempt to get up (trunk
 *   35° back towards upright, then down again), before lying still;
 * - `all`: every one of them together.
 */
export const OLDER_VARIANTS = [
  'as recorded',
  'slow descent',
  'absorbed impact',
  'sit-down peak',
  'tremor',
  'slow to still',
  'all',
] as const;
export type OlderVariant = (typeof OLDER_VARIANTS)[number];

const RATE_HZ = 200;
/** Lying appended after the recording's end, in s: a fallen wearer who does not get up. */
const EXTEND_S = 12;
const DESCENT_STRETCH = 1.5;
const IMPACT_STRETCH = 2.5;
/** Share of older adults' sit-downs whose peak lies below the scaled fall's (the hardest 10 % reach it). */
const SIT_DOWN_QUANTILE = 0.9;
const SIT_DOWN_CODES = ['D07', 'D08', 'D09', 'D10'];
const TREMOR_G = 0.03;
const STRUGGLE_S = 3;
const STRUGGLE_G = 0.3;
const STRUGGLE_START_S = 1;
const ATTEMPT_DEG = 35;

const mag = (x: number, y: number, z: number): number => Math.sqrt(x * x + y * y + z * z);

/** Index of the largest magnitude: the impact of a fall. */
export function impactIndex(rec: UniformRecording): number {
  let best = 0;
  let at = 0;
  for (let i = 0; i < rec.x.length; i++) {
    const g = mag(rec.x[i] ?? 0, rec.y[i] ?? 0, rec.z[i] ?? 0);
    if (g > best) [best, at] = [g, i];
  }
  return at;
}

/** Largest magnitude of a recording, in g. */
export function peakG(rec: UniformRecording): number {
  const i = impactIndex(rec);
  return mag(rec.x[i] ?? 0, rec.y[i] ?? 0, rec.z[i] ?? 0);
}

/** The hardest sit-downs of older adults (SE01–SE15, D07–D10): the SIT_DOWN_QUANTILE of their peaks, in g. */
export function olderSitDownPeakG(sisfallRoot: string): number {
  const peaks = listSisfallTrials(sisfallRoot)
    .filter((t) => t.older && SIT_DOWN_CODES.includes(t.code))
    .map((t) => peakG(readSisfallRecording(t.file)))
    .sort((a, b) => a - b);
  if (peaks.length === 0) return NaN;
  return peaks[Math.min(peaks.length - 1, Math.floor(SIT_DOWN_QUANTILE * peaks.length))] ?? NaN;
}

type Vec = [number, number, number];

/** The direction of gravity at each sample: the 0.5 s moving mean of the vector, scaled to 1 g. */
function gravityOf(x: ArrayLike<number>, y: ArrayLike<number>, z: ArrayLike<number>): Vec[] {
  const n = x.length;
  const half = Math.round(0.25 * RATE_HZ);
  const out: Vec[] = [];
  let sx = 0;
  let sy = 0;
  let sz = 0;
  let from = 0;
  let to = 0;
  for (let i = 0; i < n; i++) {
    while (to < Math.min(n, i + half + 1)) {
      sx += x[to] ?? 0;
      sy += y[to] ?? 0;
      sz += z[to] ?? 0;
      to++;
    }
    while (from < i - half) {
      sx -= x[from] ?? 0;
      sy -= y[from] ?? 0;
      sz -= z[from] ?? 0;
      from++;
    }
    const g = mag(sx, sy, sz) || 1;
    out.push([sx / g, sy / g, sz / g]);
  }
  return out;
}

/**
 * Samples [from, to) replaced by the same movement `stretch` times slower (or spread): gravity's direction follows
 * the same path, the movement's own acceleration is divided by `divide` (stretch² for the same path, stretch for
 * the same change of speed).
 */
function stretchSegment(s: Vec[], grav: Vec[], from: number, to: number, stretch: number, divide: number): Vec[] {
  const out: Vec[] = s.slice(0, from);
  const len = Math.round((to - from) * stretch);
  for (let k = 0; k < len; k++) {
    const u = from + k / stretch;
    const i = Math.floor(u);
    const f = u - i;
    const a = s[i] ?? [0, 0, 1];
    const b = s[Math.min(i + 1, s.length - 1)] ?? a;
    const ga = grav[i] ?? [0, 0, 1];
    const gb = grav[Math.min(i + 1, grav.length - 1)] ?? ga;
    const v: Vec = [0, 0, 0];
    for (let c = 0; c < 3; c++) {
      const acc = (a[c] ?? 0) + f * ((b[c] ?? 0) - (a[c] ?? 0));
      const g = (ga[c] ?? 0) + f * ((gb[c] ?? 0) - (ga[c] ?? 0));
      v[c] = g + (acc - g) / divide;
    }
    out.push(v);
  }
  return out.concat(s.slice(to));
}

/** Rotate `v` towards `target` by `deg` degrees (in their common plane). */
function rotateTowards(v: Vec, towards: Vec, deg: number): Vec {
  const nv = mag(...v) || 1;
  const nt = mag(...towards) || 1;
  const target: Vec = [towards[0] / nt, towards[1] / nt, towards[2] / nt];
  const u: Vec = [v[0] / nv, v[1] / nv, v[2] / nv];
  const dot = u[0] * target[0] + u[1] * target[1] + u[2] * target[2];
  const w: Vec = [target[0] - dot * u[0], target[1] - dot * u[1], target[2] - dot * u[2]];
  const nw = mag(...w);
  if (nw < 1e-9) return v;
  const r = (deg * Math.PI) / 180;
  return [0, 1, 2].map((c) => nv * (Math.cos(r) * (u[c] ?? 0) + (Math.sin(r) * (w[c] ?? 0)) / nw)) as Vec;
}

/** The fall made older by `variant` (at the recording's 200 Hz), with the lying after it extended. */
export function olderFall(
  rec: SisfallRecording,
  variant: OlderVariant,
  seed: number,
  sitDownPeakG: number,
): UniformRecording {
  const rng = createRng(seed);
  let s: Vec[] = Array.from(rec.x, (vx, i) => [vx, rec.y[i] ?? 0, rec.z[i] ?? 0]);
  const all = variant === 'all';
  const at = (): number => impactIndex(toRecording(s));
  // The posture held upright before the fall (1.6–0.8 s before the impact), for the attempt to get up.
  const k0 = at();
  const upright = meanOf(s, k0 - Math.round(1.6 * RATE_HZ), k0 - Math.round(0.8 * RATE_HZ));
  // Extend: the last second's mean posture, with the sensor's own noise (0.01 g per axis).
  const rest = meanOf(s, s.length - RATE_HZ, s.length);
  for (let i = 0; i < EXTEND_S * RATE_HZ; i++)
    s.push([rest[0] + rng.normal(0, 0.01), rest[1] + rng.normal(0, 0.01), rest[2] + rng.normal(0, 0.01)]);
  if (variant === 'slow descent' || all) {
    const k = at();
    const grav = gravityOf(...axes(s));
    s = stretchSegment(
      s,
      grav,
      Math.max(0, k - RATE_HZ),
      k - Math.round(0.05 * RATE_HZ),
      DESCENT_STRETCH,
      DESCENT_STRETCH ** 2,
    );
  }
  if (variant === 'absorbed impact' || all) {
    const k = at();
    const grav = gravityOf(...axes(s));
    s = stretchSegment(
      s,
      grav,
      k - Math.round(0.05 * RATE_HZ),
      k + Math.round(0.25 * RATE_HZ),
      IMPACT_STRETCH,
      IMPACT_STRETCH,
    );
  }
  if (variant === 'sit-down peak' || all) {
    const target = sitDownPeakG;
    const k = at();
    const peak = mag(...(s[k] ?? [0, 0, 1]));
    if (Number.isFinite(target) && peak > target) {
      const grav = gravityOf(...axes(s));
      // The excess over gravity scaled in the impact's half second, so the peak lands on the target.
      const factor = (target - 1) / (peak - 1);
      for (
        let i = Math.max(0, k - Math.round(0.05 * RATE_HZ));
        i < Math.min(s.length, k + Math.round(0.5 * RATE_HZ));
        i++
      ) {
        const v = s[i] ?? [0, 0, 1];
        const g = grav[i] ?? [0, 0, 1];
        s[i] = [g[0] + (v[0] - g[0]) * factor, g[1] + (v[1] - g[1]) * factor, g[2] + (v[2] - g[2]) * factor];
      }
    }
  }
  if (variant === 'slow to still' || all) {
    const k = at();
    const start = k + STRUGGLE_START_S * RATE_HZ;
    const len = STRUGGLE_S * RATE_HZ;
    const lying = meanOf(s, start + len, start + len + RATE_HZ);
    const phase = [rng.next(), rng.next(), rng.next()].map((p) => 2 * Math.PI * p);
    const struggle: Vec[] = [];
    for (let j = 0; j < len; j++) {
      const t = j / RATE_HZ;
      // The attempt: up 35° over 0.8 s, held 1 s, down over 0.8 s (a raised cosine), centred in the struggle.
      const lift = Math.max(0, Math.min(1, (t - 0.2) / 0.8, (2.8 - t) / 0.8));
      const base = rotateTowards(lying, upright, ATTEMPT_DEG * (0.5 - 0.5 * Math.cos(Math.PI * lift)));
      // Arms pushing, hips shifting: STRUGGLE_G of 1.5–3 Hz movement on each axis (a magnitude spread of about
      // 0.2 g: not still by the detector's measure, which the trunk's slow turning alone would be).
      struggle.push(
        [0, 1, 2].map(
          (c) => (base[c] ?? 0) + STRUGGLE_G * Math.sin(2 * Math.PI * (1.5 + 0.75 * c) * t + (phase[c] ?? 0)),
        ) as Vec,
      );
    }
    s = s.slice(0, start).concat(struggle, s.slice(start));
  }
  if (variant === 'tremor' || all) {
    const k = at();
    const hz = 4 + 4 * rng.next();
    const phase = [rng.next(), rng.next(), rng.next()].map((p) => 2 * Math.PI * p);
    for (let i = k + Math.round(0.5 * RATE_HZ); i < s.length; i++) {
      const t = i / RATE_HZ;
      const v = s[i] ?? [0, 0, 1];
      // Tremor (rms TREMOR_G per axis) and breathing (0.25 Hz, 0.01 g).
      s[i] = [0, 1, 2].map(
        (c) =>
          (v[c] ?? 0) +
          TREMOR_G * Math.SQRT2 * Math.sin(2 * Math.PI * hz * t + (phase[c] ?? 0)) +
          0.01 * Math.sin(2 * Math.PI * 0.25 * t + c),
      ) as Vec;
    }
  }
  return toRecording(s);
}

function meanOf(s: Vec[], from: number, to: number): Vec {
  const m: Vec = [0, 0, 0];
  let n = 0;
  for (let i = Math.max(0, from); i < Math.min(s.length, to); i++) {
    const v = s[i];
    if (!v) continue;
    m[0] += v[0];
    m[1] += v[1];
    m[2] += v[2];
    n++;
  }
  return n === 0 ? [0, 0, 1] : [m[0] / n, m[1] / n, m[2] / n];
}
function axes(s: Vec[]): [Float64Array, Float64Array, Float64Array] {
  return [Float64Array.from(s, (v) => v[0]), Float64Array.from(s, (v) => v[1]), Float64Array.from(s, (v) => v[2])];
}
function toRecording(s: Vec[]): UniformRecording {
  const [x, y, z] = axes(s);
  return { rateHz: RATE_HZ, x, y, z };
}

export interface OlderFallFigures {
  variant: OlderVariant;
  condition: StreamCondition;
  falls: number;
  caught: number;
  missed: string[];
}

export interface OlderFallOptions {
  params: RuleParams['fall'];
  conditions: StreamCondition[];
  /** Which young adults' falls (default SA01–SA07, the tuning subjects). */
  filter?: (trial: SisfallTrial) => boolean;
  variants?: readonly OlderVariant[];
  tuning?: Readonly<FallDetectorTuning>;
  onProgress?: (done: number, total: number) => void;
}

/** Sensitivity on young adults' falls made older, per variant and condition. */
export function evaluateOlderFalls(
  sisfallRoot: string,
  o: OlderFallOptions,
): { sitDownPeakG: number; figures: OlderFallFigures[] } {
  const sitDownPeakG = olderSitDownPeakG(sisfallRoot);
  const variants = o.variants ?? OLDER_VARIANTS;
  const trials = listSisfallTrials(sisfallRoot).filter((t) => t.isFall && !t.older && (o.filter ?? (() => true))(t));
  const figures: OlderFallFigures[] = [];
  for (const variant of variants)
    for (const condition of o.conditions) figures.push({ variant, condition, falls: 0, caught: 0, missed: [] });
  const startTs = Date.UTC(2016, 1, 1, 12);
  trials.forEach((trial, i) => {
    const rec = readSisfallRecording(trial.file);
    const label = `${trial.code}_${trial.subject}_R${String(trial.trialNo).padStart(2, '0')}`;
    for (const variant of variants) {
      const older = olderFall(rec, variant, seedOf(label, 7), sitDownPeakG);
      for (const f of figures.filter((g) => g.variant === variant)) {
        const c = f.condition;
        const messages = sensorMessages(older, startTs, {
          rateHz: c.rateHz,
          rangeG: c.rangeG,
          harsh: c.harsh,
          seed: seedOf(label, c.rateHz),
        });
        const { callOuts } = outcomeOf(runTrial(o.params, { messages }, o.tuning));
        f.falls++;
        if (callOuts > 0) f.caught++;
        else f.missed.push(label);
      }
    }
    o.onProgress?.(i + 1, trials.length);
  });
  return { sitDownPeakG, figures };
}
