// What a wearable at another rate, range and timing would send, from a recording: anti-aliased decimation, per-axis clipping, sample-time jitter, dropped samples and bursts.
import type { AccelValue } from '../rules/types.js';
import { createRng } from '../simulate/random.js';

export interface AccelMessage {
  ts: number;
  value: AccelValue;
}

/** A recording on a regular grid, in g, gravity included. */
export interface UniformRecording {
  rateHz: number;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  z: ArrayLike<number>;
}

export interface SensorModel {
  /** Output data rate the wearable claims in its messages. */
  rateHz: number;
  /** Each axis saturates at ±rangeG (a ±2/4/8 g setting); absent: the recording's own range. */
  rangeG?: number;
  /**
   * Harsh timing: each sample taken up to ±30 % of the period off its nominal instant (the message still
   * claims the nominal rate), 5 % of samples dropped, messages of 0.25–2 s, and bursts of 2–4 messages
   * sent together under the first one's stamp.
   */
  harsh?: boolean;
  /** Seed of the harsh timing and of the gap (per trial, so a trial's stream does not depend on the others run). */
  seed?: number;
  /**
   * A radio gap of 1–2 s (a BLE wearable losing its link as the body hits the floor or lies on it),
   * placed by the recording's largest magnitude (the impact of a fall, the hardest moment of a daily
   * activity, so both are treated alike): `before` ends 0.1 s before it (the posture before the
   * impact and the descent are lost), `across` is centred on it (the impact is lost), `after` starts
   * 0.3 s after it (the settling and part of the stillness are lost). Regular timing only.
   */
  gap?: GapPlace;
}

export type GapPlace = 'before' | 'across' | 'after';
/** The gap lasts GAP_MIN_S to GAP_MIN_S + GAP_SPREAD_S seconds (seeded). */
const GAP_MIN_S = 1;
const GAP_SPREAD_S = 1;

/**
 * The output filter's −6 dB point as a share of the output rate. MEMS accelerometers filter before
 * decimating: the ADXL345 (SisFall's sensor) has a bandwidth of ODR/2, others (BMI160 normal mode,
 * LIS3DH) about 0.4 × ODR. 0.4 keeps aliasing of the band above Nyquist low, as a real part does.
 */
const CUTOFF_SHARE = 0.4;
/** Half-length of the windowed-sinc kernel, in output periods (Hamming window: ~ −50 dB stop band). */
const KERNEL_HALF_PERIODS = 3;
export const HARSH_JITTER_SHARE = 0.3;
export const HARSH_DROP_SHARE = 0.05;
const HARSH_BURST_SHARE = 0.15;

const sinc = (v: number): number => (v === 0 ? 1 : Math.sin(Math.PI * v) / (Math.PI * v));
const clip = (v: number, rangeG: number | undefined): number =>
  rangeG === undefined ? v : Math.max(-rangeG, Math.min(rangeG, v));

/**
 * The samples the wearable takes: the recording clipped to the range (the sensing element saturates),
 * low-passed by a windowed sinc at CUTOFF_SHARE of the output rate and read at each (jittered) instant,
 * then clipped again (the output register saturates; the filter's small overshoot cannot exceed it).
 * At the recording's own rate with regular timing the samples are the recording's (clipped).
 */
export function sensorSamples(rec: UniformRecording, model: SensorModel): [number, number, number][] {
  const n = rec.x.length;
  const srcStepS = 1 / rec.rateHz;
  const durationS = n * srcStepS;
  const outStepS = 1 / model.rateHz;
  const rand = createRng(model.seed ?? 1).next;
  const jitter = model.harsh ? HARSH_JITTER_SHARE : 0;
  const range = model.rangeG;
  const src = (a: ArrayLike<number>, j: number): number => clip(a[j] ?? 0, range);
  const out: [number, number, number][] = [];
  const total = Math.floor(durationS / outStepS);
  if (model.rateHz >= rec.rateHz && jitter === 0) {
    for (let j = 0; j < n; j++) out.push([src(rec.x, j), src(rec.y, j), src(rec.z, j)]);
    return out;
  }
  const cutoffHz = CUTOFF_SHARE * Math.min(model.rateHz, rec.rateHz);
  const halfS = KERNEL_HALF_PERIODS / Math.min(model.rateHz, rec.rateHz);
  for (let k = 0; k < total; k++) {
    const t = (k + (rand() - 0.5) * 2 * jitter) * outStepS;
    const from = Math.max(0, Math.ceil((t - halfS) / srcStepS));
    const to = Math.min(n - 1, Math.floor((t + halfS) / srcStepS));
    let sw = 0;
    let sx = 0;
    let sy = 0;
    let sz = 0;
    for (let j = from; j <= to; j++) {
      const tau = j * srcStepS - t;
      const w = sinc(2 * cutoffHz * tau) * (0.54 + 0.46 * Math.cos((Math.PI * tau) / halfS));
      sw += w;
      sx += w * src(rec.x, j);
      sy += w * src(rec.y, j);
      sz += w * src(rec.z, j);
    }
    // Normalised by the weights: gravity passes unchanged, also at the recording's ends.
    if (sw > 0) out.push([clip(sx / sw, range), clip(sy / sw, range), clip(sz / sw, range)]);
  }
  return out;
}

/** The samples as `accel` messages: 1 s each (regular), or harsh (drops, sizes, bursts: SensorModel). */
export function sensorMessages(rec: UniformRecording, startTs: number, model: SensorModel): AccelMessage[] {
  const samples = sensorSamples(rec, model);
  const rate = model.rateHz;
  const stepMs = 1000 / rate;
  const messages: AccelMessage[] = [];
  if (model.gap) return gapMessages(samples, startTs, model.rateHz, model.gap, model.seed ?? 1);
  if (!model.harsh) {
    for (let i = 0; i < samples.length; i += rate)
      messages.push({ ts: startTs + Math.round(i * stepMs), value: { rate, samples: samples.slice(i, i + rate) } });
    return messages;
  }
  const rand = createRng((model.seed ?? 1) ^ 0x5bd1e995).next;
  let burstLeft = 0;
  let burstTs = 0;
  for (let i = 0; i < samples.length;) {
    const size = Math.max(1, Math.round(rate * (0.25 + 1.75 * rand())));
    const kept = samples.slice(i, i + size).filter(() => rand() >= HARSH_DROP_SHARE);
    const ownTs = startTs + Math.round(i * stepMs);
    if (burstLeft === 0 && rand() < HARSH_BURST_SHARE) {
      burstLeft = 2 + Math.floor(3 * rand());
      burstTs = ownTs;
    }
    const ts = burstLeft > 0 ? burstTs : ownTs;
    if (burstLeft > 0) burstLeft--;
    if (kept.length > 0) messages.push({ ts, value: { rate, samples: kept } });
    i += size;
  }
  return messages;
}

/** The sample indices [from, to) lost in a gap placed by the largest magnitude (SensorModel.gap). */
export function gapRange(
  samples: readonly (readonly [number, number, number])[],
  rateHz: number,
  where: GapPlace,
  seed: number,
): [number, number] {
  let peakAt = 0;
  let peakG = -Infinity;
  samples.forEach(([x, y, z], k) => {
    const g = Math.hypot(x, y, z);
    if (g > peakG) [peakG, peakAt] = [g, k];
  });
  const gapSamples = Math.round((GAP_MIN_S + GAP_SPREAD_S * createRng(seed ^ 0x27d4eb2f).next()) * rateHz);
  const from =
    where === 'before'
      ? peakAt - Math.round(0.1 * rateHz) - gapSamples
      : where === 'across'
        ? peakAt - Math.round(gapSamples / 2)
        : peakAt + Math.round(0.3 * rateHz);
  const start = Math.max(0, from);
  return [start, Math.min(samples.length, from + gapSamples)];
}

/** 1 s messages with the gap's samples lost; a message the gap cuts is sent as two, each stamped at its first sample. */
function gapMessages(
  samples: [number, number, number][],
  startTs: number,
  rate: number,
  where: GapPlace,
  seed: number,
): AccelMessage[] {
  const [from, to] = gapRange(samples, rate, where, seed);
  const messages: AccelMessage[] = [];
  const send = (a: number, b: number): void => {
    if (b > a)
      messages.push({ ts: startTs + Math.round((a * 1000) / rate), value: { rate, samples: samples.slice(a, b) } });
  };
  for (let i = 0; i < samples.length; i += rate) {
    const end = Math.min(samples.length, i + rate);
    send(i, Math.min(end, Math.max(i, from)));
    send(Math.max(i, to), end);
  }
  return messages;
}

/** An irregularly timed recording (ms from its first sample) put on a regular grid by linear interpolation. */
export function toUniform(
  tMs: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  z: ArrayLike<number>,
  rateHz: number,
): UniformRecording {
  const n = tMs.length;
  const endMs = tMs[n - 1] ?? 0;
  const total = n < 2 ? 0 : Math.floor((endMs * rateHz) / 1000) + 1;
  const ox = new Float64Array(total);
  const oy = new Float64Array(total);
  const oz = new Float64Array(total);
  let j = 0;
  for (let k = 0; k < total; k++) {
    const t = (k * 1000) / rateHz;
    while (j < n - 2 && (tMs[j + 1] ?? Infinity) <= t) j++;
    const t0 = tMs[j] ?? 0;
    const span = (tMs[j + 1] ?? t0) - t0;
    const f = span > 0 ? Math.min(1, Math.max(0, (t - t0) / span)) : 0;
    const lerp = (a: ArrayLike<number>): number => (a[j] ?? 0) + f * ((a[j + 1] ?? 0) - (a[j] ?? 0));
    ox[k] = lerp(x);
    oy[k] = lerp(y);
    oz[k] = lerp(z);
  }
  return { rateHz, x: ox, y: oy, z: oz };
}
