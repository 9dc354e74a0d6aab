// The evaluation on simulated flats (PIRs, mats, exit door) gives its figures, and a collapse there is caught.
import { assert, describe, expect, it } from 'vitest';
import { evaluateSimulated, formatSimulatedReport, DEFAULT_SIMULATED } from '../eval/simulated.js';
import { measureCollapses } from '../eval/collapse.js';
import type { ReplayLine } from '../replay/replay.js';
import { simulate } from '../simulate/generator.js';
import { schemeConfig } from '../simulate/layout.js';
import { HOUR_MS } from '../rules/time.js';

describe('evaluation on simulated flats', () => {
  it('reports false alarms per 30 home-days, collapse delays by place, and the 12-hour stopwatch', () => {
    const figures = evaluateSimulated({ ...DEFAULT_SIMULATED, homes: 1, days: 17, seeds: [3], stride: 60 });
    expect(figures.falseAlarms.coldStart.homeDays).toBeCloseTo(14, 0);
    expect(figures.falseAlarms.learned.homeDays).toBeCloseTo(3, 0);
    expect(Number.isFinite(figures.falseAlarms.learned.per30HomeDays)).toBe(true);
    expect(figures.delay.coldStart.cuts).toBeGreaterThan(10);
    expect(figures.delay.learned.cuts).toBeGreaterThan(0);
    expect(figures.delay.learned.missed).toBe(0);
    expect(figures.delay.learned.medianMinutes).not.toBeNull();
    expect(Object.keys(figures.delay.learnedByPlace).length).toBeGreaterThan(0);
    expect(figures.stopwatch.delayMinutes).toBe(720);
    const report = formatSimulatedReport(figures);
    expect(report).toMatch(/per 30 home-days[\s\S]*learned: \d+ cuts[\s\S]*12-hour stopwatch/);
  });

  it('catches a resident who collapses in the kitchen after two weeks of learned routine', () => {
    const timeZone = 'Europe/Amsterdam';
    const [home] = schemeConfig(1, timeZone).homes;
    assert.isDefined(home);
    const events: ReplayLine[] = [...simulate({ homes: 1, days: 16, start: '2026-03-02', seed: 5, timeZone })].map(
      (e) => ({ ...e }),
    );
    // The last kettle switched on with a day of simulation after it: she falls right there.
    const lastDayFrom = (events.at(-1)!.ts as number) - 24 * HOUR_MS;
    const kettle = events
      .filter((e) => e.deviceId === 'kettle' && (e.value as number) > 0 && (e.ts as number) < lastDayFrom)
      .at(-1)!;
    const outcome = measureCollapses(
      [home],
      events,
      [{ at: kettle.ts as number, groups: ['kitchen'] }],
      24 * HOUR_MS,
    ).get('kitchen')!;
    expect(outcome.missed).toBe(0);
    expect(outcome.delaysMs).toHaveLength(1);
    expect(outcome.delaysMs[0]).toBeGreaterThan(0);
    expect(outcome.delaysMs[0]).toBeLessThan(12 * HOUR_MS);
  });
});
