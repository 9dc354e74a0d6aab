// The wearable evaluation's confidence bounds and its pooled specificity table compute what they claim.
import { describe, expect, it } from 'vitest';
import { formatSpecificityEvidence, type WearableResults } from '../../eval/wearable.js';
import { emptyFigures, poissonUpperPerHour, record, wilsonInterval } from '../../eval/wearable-figures.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';

describe('wearable evaluation figures', () => {
  it('gives the 95 % Wilson interval of a proportion', () => {
    const [lo, hi] = wilsonInterval(95, 100);
    expect(lo).toBeCloseTo(0.8882, 3);
    expect(hi).toBeCloseTo(0.9784, 3);
    // 19 of 19 does not show 95 %: the interval reaches down to 83 %.
    expect(wilsonInterval(19, 19)[0]).toBeCloseTo(0.8318, 3);
    expect(wilsonInterval(19, 19)[1]).toBe(1);
    expect(wilsonInterval(0, 0).every(Number.isNaN)).toBe(true);
  });

  it('bounds a rate per hour from above (exact Poisson, 95 %)', () => {
    expect(poissonUpperPerHour(0, 1)).toBeCloseTo(2.9957, 3);
    expect(poissonUpperPerHour(1, 1)).toBeCloseTo(4.7439, 3);
    // No alarm in 30 h is what < 0.1 per hour needs.
    expect(poissonUpperPerHour(0, 30)).toBeLessThan(0.1);
    expect(poissonUpperPerHour(0, 29)).toBeGreaterThan(0.1);
    expect(Number.isNaN(poissonUpperPerHour(0, 0))).toBe(true);
  });

  it('pools every daily-activity trial of both datasets per condition, tuned on and held out apart', () => {
    const condition = { rateHz: 20, irregular: false };
    const figures = (clean: number, alarms: number, walkingMs: number) => {
      const f = emptyFigures();
      for (let i = 0; i < clean; i++)
        record(f, { label: `c${i}`, isFall: false, walking: true, durationMs: walkingMs, callOuts: 0, records: 0 });
      for (let i = 0; i < alarms; i++)
        record(f, { label: `a${i}`, isFall: false, walking: false, durationMs: 1000, callOuts: 1, records: 0 });
      return f;
    };
    const results: WearableResults = {
      params: DEFAULT_RULE_PARAMS.fall,
      absent: [],
      rows: [
        { dataset: 'SisFall', group: 'a', heldOut: true, condition, figures: figures(90, 2, 60_000) },
        { dataset: 'MobiFall', group: 'b', heldOut: true, condition, figures: figures(8, 0, 450_000) },
        { dataset: 'SisFall', group: 'c', heldOut: false, condition, figures: figures(10, 0, 0) },
      ],
    };
    const table = formatSpecificityEvidence(results);
    // Held out: 98 of 100 clean; 0 alarms in 90 × 1 min + 8 × 7.5 min = 2.5 h of walking.
    expect(table).toContain(
      '**held out** (SisFall + MobiFall) | 98/100 | 98.0 % (93.0 %–99.4 %) | 0 in 2.50 h | 0.00 (≤ 1.20) |',
    );
    expect(table).toContain('tuned on (SisFall) | 10/10 |');
  });
});
