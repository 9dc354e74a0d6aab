// Session 70's measurement of fall features that do not hinge on one sample's peak (eval/wearable-features.ts): each
// feature measures what it says on a shaped fall, the integrals and the turn come out the same at 20 and 100 Hz while
// the peak does not survive a 20 Hz grid beside it, and bad samples change nothing.
import { describe, expect, it } from 'vitest';
import { featuresOf, separations, type FeatureTrial, type TrialFeatures } from '../../eval/wearable-features.js';
import type { AccelMessage } from '../../eval/wearable-sensor.js';

const START = Date.UTC(2026, 11, 7, 1);

/**
 * Standing (gravity on −y) for 3 s, a descent at 0.2 g for 0.4 s (0.32 g·s of speed gained), an impact of 3 g for 0.1 s
 * along +x (0.2 g·s of excess), then lying still on +x for 3 s; in 1 s messages at `rateHz`, a sample at each period's
 * start (`offsetMs` shifts the grid against the shape).
 */
function shapedFall(rateHz: number, offsetMs = 0): AccelMessage[] {
  const stepMs = 1000 / rateHz;
  const at = (tMs: number): [number, number, number] => {
    if (tMs < 3000) return [0, -1, 0];
    if (tMs < 3400) return [0, -0.2, 0];
    if (tMs < 3500) return [3, 0, 0];
    return [1, 0, 0];
  };
  const messages: AccelMessage[] = [];
  for (let s = 0; s < 7; s++) {
    const samples: [number, number, number][] = [];
    for (let k = 0; k < rateHz; k++) samples.push(at(s * 1000 + k * stepMs + offsetMs));
    messages.push({ ts: START + s * 1000, value: { rate: rateHz, samples } });
  }
  return messages;
}

describe('fall features of eval/wearable-features.ts', () => {
  it('measures the descent, the landing, their sum, the energy and the turn of a shaped fall', () => {
    const f = featuresOf(shapedFall(100));
    expect(f.peakG).toBeCloseTo(3, 9);
    expect(f.descentGs).toBeCloseTo(0.32, 6);
    expect(f.landingGs).toBeCloseTo(0.2, 6);
    expect(f.dvGs).toBeCloseTo(0.52, 6);
    // ∫ | |a| − 1 | over 1 s holds both: 0.32 + 0.2.
    expect(f.absGs).toBeCloseTo(0.52, 6);
    // (3 − 1)² × 0.1 s within 0.5 s; the descent's (0.8)² × 0.4 s partly in the same window.
    expect(f.energyG2s).toBeGreaterThanOrEqual(0.4 - 1e-9);
    expect(f.energyG2s).toBeLessThanOrEqual(0.4 + 0.64 * 0.4 + 1e-9);
    expect(f.turnDeg).toBeCloseTo(90, 6);
  });

  it('gives the same integrals and turn at 20 Hz as at 100 Hz; a 50 ms grid beside a short peak misses it', () => {
    const high = featuresOf(shapedFall(100));
    const low = featuresOf(shapedFall(20));
    for (const k of ['dvGs', 'absGs', 'descentGs', 'landingGs', 'turnDeg'] as const)
      expect(low[k]).toBeCloseTo(high[k], 6);
    // A 30 ms spike between two 20 Hz samples: seen at 100 Hz, not at all at 20 Hz.
    const spike = (rateHz: number): AccelMessage[] =>
      shapedFall(rateHz).map((m, s) => ({
        ts: m.ts,
        value: {
          rate: rateHz,
          samples: m.value.samples.map((v, k) => {
            const t = s * 1000 + (k * 1000) / rateHz;
            return t >= 5010 && t < 5040 ? [4, 0, 0] : v;
          }),
        },
      }));
    expect(featuresOf(spike(100)).peakG).toBeCloseTo(4, 9);
    expect(featuresOf(spike(20)).peakG).toBeCloseTo(3, 9);
  });

  it('skips samples that are not three finite numbers, and an empty stream gives zeros', () => {
    const clean = featuresOf(shapedFall(50));
    const dirty = shapedFall(50).map((m) => ({
      ts: m.ts,
      value: { rate: m.value.rate, samples: [...m.value.samples, [NaN, 0, 0] as [number, number, number]] },
    }));
    // Each message gains a bad sample at its end, which is skipped without taking a period.
    expect(featuresOf(dirty)).toEqual(clean);
    const none = featuresOf([]);
    expect(Object.values(none).every((v) => v === 0)).toBe(true);
  });

  it('counts the falls above every car transfer, and the missed ones among them', () => {
    const zero: TrialFeatures = {
      peakG: 0,
      dvGs: 0,
      absGs: 0,
      energyG2s: 0,
      descentGs: 0,
      landingGs: 0,
      turnDeg: 0,
    };
    const trial = (label: string, code: string, isFall: boolean, calledOut: boolean, dvGs: number): FeatureTrial => ({
      label,
      code,
      isFall,
      calledOut,
      features: { ...zero, dvGs },
    });
    const s = separations([
      trial('CSI_2_1', 'CSI', false, false, 0.19),
      trial('CSO_2_1', 'CSO', false, false, 0.15),
      // A walk reaches more, but is no car transfer: it sets no bar.
      trial('STN_2_1', 'STN', false, false, 0.3),
      trial('FOL_1_1', 'FOL', true, true, 0.25),
      trial('SDL_1_3', 'SDL', true, false, 0.15),
      trial('BSC_5_2', 'BSC', true, false, 0.2),
    ]).find((x) => x.feature === 'dvGs');
    expect(s).toEqual({
      feature: 'dvGs',
      carsMax: 0.19,
      falls: 3,
      fallsAbove: 2,
      missed: ['SDL_1_3', 'BSC_5_2'],
      missedAbove: ['BSC_5_2'],
    });
  });
});
