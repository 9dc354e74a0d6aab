// The evaluation's wearable model: anti-aliased decimation, range clipping and harsh timing do what they claim.
import { describe, expect, it } from 'vitest';
import { gapRange, HARSH_DROP_SHARE, sensorMessages, sensorSamples, toUniform } from '../../eval/wearable-sensor.js';

/** 10 s at 200 Hz: gravity on y plus a vibration of `amplitudeG` at `hz` on x. */
function recording(hz: number, amplitudeG: number): { rateHz: number; x: number[]; y: number[]; z: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  const z: number[] = [];
  for (let k = 0; k < 2000; k++) {
    x.push(amplitudeG * Math.sin((2 * Math.PI * hz * k) / 200));
    y.push(-1);
    z.push(0);
  }
  return { rateHz: 200, x, y, z };
}
const maxAbs = (values: number[]): number => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('wearable sensor model of the evaluation', () => {
  it('filters before decimating: 23 Hz vibration does not alias into a 20 Hz stream, gravity passes', () => {
    // Every 10th sample of a 23 Hz sine is a 3 Hz sine of full amplitude (aliasing); the filter removes it.
    const rec = recording(23, 0.5);
    const naive = rec.x.filter((_, k) => k % 10 === 3);
    expect(maxAbs(naive)).toBeGreaterThan(0.4);
    const samples = sensorSamples(rec, { rateHz: 20 });
    expect(samples).toHaveLength(200);
    // Away from the recording's ends (where the kernel is cut short).
    expect(maxAbs(samples.slice(10, -10).map((s) => s[0]))).toBeLessThan(0.05);
    for (const s of samples) expect(s[1]).toBeCloseTo(-1, 6);
    // Within the pass band (2 Hz) the signal is kept.
    expect(maxAbs(sensorSamples(recording(2, 0.5), { rateHz: 20 }).map((s) => s[0]))).toBeGreaterThan(0.45);
  });

  it('clips each axis at the range', () => {
    const samples = sensorSamples(recording(2, 3), { rateHz: 50, rangeG: 2 });
    expect(maxAbs(samples.map((s) => s[0]))).toBeLessThanOrEqual(2);
    expect(maxAbs(samples.map((s) => s[0]))).toBeGreaterThan(1.9);
    expect(maxAbs(sensorSamples(recording(2, 3), { rateHz: 200 }).map((s) => s[0]))).toBeGreaterThan(2.9);
  });

  it('harsh timing drops about 5 % of samples and sends bursts under one stamp, deterministically', () => {
    const rec = recording(2, 0.5);
    const messages = sensorMessages(rec, 0, { rateHz: 20, harsh: true, seed: 7 });
    const sent = messages.reduce((n, m) => n + m.value.samples.length, 0);
    expect(sent).toBeLessThan(200);
    expect(sent).toBeGreaterThan(200 * (1 - 3 * HARSH_DROP_SHARE));
    expect(messages.some((m, i) => i > 0 && messages[i - 1]?.ts === m.ts)).toBe(true);
    expect(sensorMessages(rec, 0, { rateHz: 20, harsh: true, seed: 7 })).toEqual(messages);
    expect(sensorMessages(rec, 0, { rateHz: 20 }).map((m) => m.ts)).toEqual([
      0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000,
    ]);
  });

  it('loses 1–2 s of samples by the largest magnitude in a radio gap, each message stamped at its first sample', () => {
    const rec = recording(2, 0.5);
    rec.y[1000] = -4; // the "impact", 5 s in
    for (const where of ['before', 'across', 'after'] as const) {
      const messages = sensorMessages(rec, 0, { rateHz: 50, gap: where, seed: 3 });
      const samples = sensorSamples(rec, { rateHz: 50 });
      const [from, to] = gapRange(samples, 50, where, 3);
      expect(to - from).toBeGreaterThanOrEqual(50);
      expect(to - from).toBeLessThanOrEqual(100);
      const peakAt = 250;
      if (where === 'before') expect(to).toBe(peakAt - 5);
      if (where === 'across') expect(from < peakAt && to > peakAt).toBe(true);
      if (where === 'after') expect(from).toBe(peakAt + 15);
      expect(messages.reduce((n, m) => n + m.value.samples.length, 0)).toBe(samples.length - (to - from));
      // Every message's stamp is its first sample's own time: nothing is squeezed into the gap.
      for (const m of messages) {
        const k = Math.round((m.ts * 50) / 1000);
        expect(k < from || k >= to).toBe(true);
        expect(m.value.samples[0]).toEqual(samples[k]);
      }
    }
  });

  it('puts an irregular recording on a regular grid', () => {
    const u = toUniform([0, 7, 20, 31, 40], [0, 0.7, 2, 3.1, 4], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0], 200);
    expect(u.x.length).toBe(9);
    expect(u.x[2]).toBeCloseTo(1, 6);
    expect(u.x[8]).toBeCloseTo(4, 6);
  });
});
