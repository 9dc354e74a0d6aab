// The older-faller stress test: its transformations do what they claim physically, and the detector keeps catching the falls.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  evaluateOlderFalls,
  impactIndex,
  olderFall,
  OLDER_VARIANTS,
  type OlderVariant,
} from '../../eval/older-falls.js';
import { formatOlderFalls } from '../../eval/wearable.js';
import type { SisfallRecording } from '../../eval/sisfall-data.js';
import type { UniformRecording } from '../../eval/wearable-sensor.js';
import type { StreamCondition } from '../../eval/wearable-figures.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { fallSegments, render } from './signals.js';
import { projectRoot } from '../hub/helpers.js';

const RATE_HZ = 200;
const dataDir = path.resolve(projectRoot, '../shared/data');
const sisfallPresent = fs.existsSync(path.join(dataDir, 'sisfall'));
if (!sisfallPresent)
  console.log(`SisFall absent at ${dataDir}/sisfall: the older-faller stress test on it is skipped.`);

/** fallSegments(8) at 200 Hz: 3 s standing, 0.4 s free fall at 0.2 g, a 0.1 s impact of 3 g, 8 s lying. */
function generatedFall(): SisfallRecording {
  const samples = render(fallSegments(8), RATE_HZ);
  return {
    rateHz: RATE_HZ,
    x: Float32Array.from(samples, (v) => v[0]),
    y: Float32Array.from(samples, (v) => v[1]),
    z: Float32Array.from(samples, (v) => v[2]),
  };
}
const magAt = (r: UniformRecording, i: number): number => Math.hypot(r.x[i] ?? 0, r.y[i] ?? 0, r.z[i] ?? 0);
function magnitudes(r: UniformRecording, fromS: number, toS: number): number[] {
  const out: number[] = [];
  for (let i = Math.round(fromS * RATE_HZ); i < Math.min(r.x.length, Math.round(toS * RATE_HZ)); i++)
    out.push(magAt(r, i));
  return out;
}
const std = (v: number[]): number => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
};
/** The impulse of the impact: ∫ (|a| − 1 g)⁺ dt around the impact, in g·s. */
function impulseGs(r: UniformRecording): number {
  const k = impactIndex(r) / RATE_HZ;
  return magnitudes(r, k - 0.3, k + 0.5).reduce((a, g) => a + Math.max(0, g - 1) / RATE_HZ, 0);
}
const make = (variant: OlderVariant, sitDownPeakG = 2.2): UniformRecording =>
  olderFall(generatedFall(), variant, 1, sitDownPeakG);

describe('older-faller stress test: the transformations', () => {
  const fall = generatedFall();
  const impactS = impactIndex(fall) / RATE_HZ;

  it('as recorded: the fall untouched, the lying after it extended by 12 s', () => {
    const same = make('as recorded');
    expect(same.x.length).toBe(fall.x.length + 12 * RATE_HZ);
    for (let i = 0; i < fall.x.length; i += 37) expect(same.z[i]).toBeCloseTo(fall.z[i] ?? NaN, 6);
    expect(std(magnitudes(same, fall.x.length / RATE_HZ, same.x.length / RATE_HZ))).toBeLessThan(0.03);
  });

  it('slow descent: the same drop 1.5 × slower, so a shallower dip and a longer second before the impact', () => {
    const slow = make('slow descent');
    const dip = (r: UniformRecording): number => {
      const k = impactIndex(r) / RATE_HZ;
      return Math.min(...magnitudes(r, k - 1, k - 0.05));
    };
    expect(dip(fall)).toBeLessThan(0.25);
    // A free fall at 0.2 g (0.8 g short of gravity) slowed 1.5 ×: about 1 − 0.8 / 1.5² ≈ 0.64 g (less where the
    // 0.5 s estimate of gravity's direction already turns towards the lying posture).
    expect(dip(slow)).toBeGreaterThan(0.5);
    expect(dip(slow)).toBeLessThan(0.7);
    expect(slow.x.length - fall.x.length - 12 * RATE_HZ).toBeCloseTo(0.95 * 0.5 * RATE_HZ, -1);
  });

  it('absorbed impact: the same change of speed over 2.5 × the time (impulse kept, peak excess / 2.5)', () => {
    const soft = make('absorbed impact');
    const peak = (r: UniformRecording): number => magAt(r, impactIndex(r));
    expect(peak(fall)).toBeGreaterThan(2.9);
    expect(peak(soft) - 1).toBeCloseTo((peak(fall) - 1) / 2.5, 1);
    expect(impulseGs(soft)).toBeCloseTo(impulseGs(fall), 2);
  });

  it('sit-down peak: the impact scaled so that its peak is the older adults’ sit-down peak', () => {
    const low = make('sit-down peak', 2.2);
    expect(magAt(low, impactIndex(low))).toBeCloseTo(2.2, 1);
    // A target above the fall's own peak leaves it as it was.
    expect(magAt(make('sit-down peak', 5), impactIndex(fall))).toBeCloseTo(magAt(fall, impactIndex(fall)), 3);
  });

  it('slow to still: 3 s of struggling (not still by the detector’s measure) from 1 s after the impact, then lying', () => {
    const slow = make('slow to still');
    expect(std(magnitudes(slow, impactS + 1.5, impactS + 3.5))).toBeGreaterThan(DEFAULT_RULE_PARAMS.fall.stillStdG);
    expect(std(magnitudes(slow, impactS + 4.5, impactS + 9))).toBeLessThan(0.03);
    expect(slow.x.length).toBe(fall.x.length + 12 * RATE_HZ + 3 * RATE_HZ);
  });

  it('tremor: a small shake on the lying, well under the stillness threshold', () => {
    const shaking = make('tremor');
    const spread = std(magnitudes(shaking, impactS + 2, impactS + 8));
    expect(spread).toBeGreaterThan(0.005);
    expect(spread).toBeLessThan(DEFAULT_RULE_PARAMS.fall.stillStdG / 2);
  });
});

describe('older-faller stress test: the table', () => {
  it('prints a row per variant and subject group, a column per condition, with the counts', () => {
    const condition: StreamCondition = { rateHz: 20, irregular: false };
    const figures = OLDER_VARIANTS.map((variant, i) => ({ variant, condition, falls: 10, caught: 10 - i, missed: [] }));
    const table = formatOlderFalls(2.73, [{ label: 'SA08–SA23', heldOut: true, figures }], [condition]);
    expect(table.split('\n').filter((l) => l.startsWith('| **SA08–SA23** |'))).toHaveLength(OLDER_VARIANTS.length);
    expect(table).toContain('| **SA08–SA23** | slow to still | 50.0 % (5/10) |');
    expect(table).toContain('2.73 g');
  });
});

describe.skipIf(!sisfallPresent)(
  'older-faller stress test on SisFall held-out young adults (not real older falls)',
  () => {
    // Floor: this subset's figure when it was set (docs/fall-detection.md, "Seventh round"), less about two trials.
    it('catches falls after which the wearer struggles for 3 s before lying still, at 200 Hz and on a cheap 20 Hz ±2 g wearable', () => {
      const conditions: StreamCondition[] = [
        { rateHz: 200, irregular: false },
        { rateHz: 20, irregular: false, harsh: true, rangeG: 2 },
      ];
      const subset = new Set(['SA08', 'SA16']);
      const { figures } = evaluateOlderFalls(path.join(dataDir, 'sisfall'), {
        params: DEFAULT_RULE_PARAMS.fall,
        conditions,
        variants: ['slow to still'],
        filter: (t) => subset.has(t.subject),
      });
      for (const f of figures) {
        console.log(`slow to still, ${f.condition.rateHz} Hz: ${f.caught}/${f.falls}; missed ${f.missed.join(' ')}`);
        expect(f.falls).toBeGreaterThan(140);
        // 147/150 at 200 Hz and 140/150 on the cheap wearable when set; about 34 % before the stillness search.
        expect(f.caught / f.falls).toBeGreaterThanOrEqual(f.condition.rateHz === 200 ? 0.96 : 0.92);
      }
    });
  },
);
