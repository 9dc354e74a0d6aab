// Night stillness: a possible fall in bed at night once the home's own nights say how long its sleeper lies still.
import { describe, expect, it } from 'vitest';
import { DEVICES, Harness, MONDAY, home } from './factories.js';
import { RulesEngine } from '../../rules/engine.js';
import { studentUpper } from '../../rules/night-stillness.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { HomeConfig } from '../../rules/types.js';

const SECOND = 1000;

/** A movement in bed as a mat that reports each movement sends it (a press of two seconds); or the bedroom PIR. */
function move(h: Harness, afterMs: number, bed: 'mat' | 'pir'): void {
  if (bed === 'pir') {
    h.at(afterMs, 'bedroom-pir', 'motion', true);
    return;
  }
  h.at(afterMs, 'bed', 'occupancy', true);
  h.at(2 * SECOND, 'bed', 'occupancy', false);
}

/**
 * Night `day` (0 = Monday evening): to bed at 23:00, a movement every 10 min, one still spell of `stillMinutes` from
 * 01:00, movements again until 06:30, then up (the kitchen every 30 min until 22:50).
 */
function night(h: Harness, day: number, stillMinutes: number, bed: 'mat' | 'pir' = 'mat'): void {
  const evening = MONDAY + day * DAY_MS + 23 * HOUR_MS;
  h.clock.advanceTo(evening);
  move(h, 0, bed);
  while (h.clock.now() + 10 * MINUTE_MS <= evening + 2 * HOUR_MS) move(h, 10 * MINUTE_MS, bed);
  move(h, stillMinutes * MINUTE_MS, bed);
  while (h.clock.now() + 10 * MINUTE_MS <= evening + 7.5 * HOUR_MS) move(h, 10 * MINUTE_MS, bed);
  h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
  while (h.clock.now() + 30 * MINUTE_MS <= evening + DAY_MS - 10 * MINUTE_MS)
    h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
}

/** To bed on night `day`, movements until 01:00, then none at all (a collapse in bed); the clock runs on 12 h. */
function collapse(h: Harness, day: number, bed: 'mat' | 'pir' = 'mat'): number {
  const evening = MONDAY + day * DAY_MS + 23 * HOUR_MS;
  h.clock.advanceTo(evening);
  move(h, 0, bed);
  while (h.clock.now() + 10 * MINUTE_MS <= evening + 2 * HOUR_MS) move(h, 10 * MINUTE_MS, bed);
  const lastMs = h.clock.now();
  h.clock.advanceTo(lastMs + 12 * HOUR_MS);
  return lastMs;
}

/** Longest still spell of each ordinary night: a sleeper whose nights differ by a few tens of minutes. */
const STEADY_NIGHTS = [40, 50, 60, 45, 55, 65, 50, 55, 45, 60, 50, 40, 65, 55];

describe('night-stillness on a bed mat that reports each movement', () => {
  it('after a fortnight of nights, no movement in bed is a possible fall under the 2 h floor, and no ordinary night is called', () => {
    const h = new Harness(undefined, MONDAY + 22 * HOUR_MS);
    STEADY_NIGHTS.forEach((still, day) => {
      night(h, day, still);
    });
    expect(h.raised()).toEqual([]);
    const lastMs = collapse(h, STEADY_NIGHTS.length);
    const first = h.raised().at(0);
    expect(first).toEqual(
      expect.objectContaining({
        kind: 'possible-fall',
        room: 'bedroom',
        detail: expect.objectContaining({
          thresholdSource: 'learned',
          matOccupied: 'bed',
          stillInBed: true,
          nightContext: 'bed-mat',
          learnedNights: 14,
          longestNightMinutes: 65,
        }),
      }),
    );
    const delayMs = (first?.at ?? Infinity) - lastMs;
    // Above the longest still night seen with the learned margin (65 × 1.1 + 10), under inactivity's 2 h floor.
    expect(delayMs).toBeGreaterThan(81 * MINUTE_MS);
    expect(delayMs).toBeLessThan(120 * MINUTE_MS);
    expect(first?.detail.thresholdMinutes).toBe(Math.round(delayMs / MINUTE_MS));
  });

  it('the cold start stays as it was: before 14 nights, the same alerts as without the rule', () => {
    const run = (minNights: number): { kind: string; afterMs: number }[] => {
      const h = new Harness(home({}, { possibleFall: { stillMinNights: minNights } }), MONDAY + 22 * HOUR_MS);
      STEADY_NIGHTS.slice(0, 13).forEach((still, day) => {
        night(h, day, still);
      });
      const lastMs = collapse(h, 13);
      return h.raised().map((d) => ({ kind: d.kind, afterMs: d.at - lastMs }));
    };
    const without = run(10_000);
    expect(without.at(0)?.kind).toBe('inactivity');
    expect(run(14)).toEqual(without);
  });

  it('a home whose still nights vary much (Kasteren B: 36 to 246 min) gets no faster call than inactivity gives', () => {
    const h = new Harness(undefined, MONDAY + 22 * HOUR_MS);
    // B's nights (tuning home) in its order, twice over: the 246-min night (asleep) is one of them.
    const nights = [246, 63, 145, 60, 69, 36, 50, 246, 63, 145, 60, 69, 36, 50];
    nights.forEach((still, day) => {
      night(h, day, still);
    });
    // No night is called by night-stillness (inactivity's own learned still periods in bed are another matter), nor is a
    // collapse after them called sooner than inactivity's floor: such nights bound the next one at hours, not minutes.
    expect(h.raised('possible-fall')).toEqual([]);
    const lastMs = collapse(h, nights.length);
    expect(h.raised('possible-fall')).toEqual([]);
    expect((h.raised().at(-1)?.at ?? 0) - lastMs).toBeGreaterThanOrEqual(120 * MINUTE_MS);
  });

  it('the nights learned survive a restart', () => {
    const h = new Harness(undefined, MONDAY + 22 * HOUR_MS);
    STEADY_NIGHTS.forEach((still, day) => {
      night(h, day, still);
    });
    h.restart();
    const lastMs = collapse(h, STEADY_NIGHTS.length);
    const first = h.raised().at(0);
    expect(first?.kind).toBe('possible-fall');
    expect((first?.at ?? Infinity) - lastMs).toBeLessThan(120 * MINUTE_MS);
  });

  it('a damaged saved slice is read as far as it makes sense, never a crash', () => {
    const h = new Harness(undefined, MONDAY + 22 * HOUR_MS);
    night(h, 0, 50);
    night(h, 1, 60);
    const state = JSON.parse(JSON.stringify(h.engine.exportState())) as {
      homes: Record<string, { rules: Record<string, { v: number; s: unknown }> }>;
    };
    const rules = state.homes.h1?.rules;
    expect(rules?.['night-stillness']?.s).toEqual(
      expect.objectContaining({
        nights: expect.objectContaining({ 'bed-mat': expect.objectContaining({ longestMinutes: [50] }) }),
      }),
    );
    if (rules)
      rules['night-stillness'] = {
        v: 1,
        s: { nights: { 'bed-mat': { longestMinutes: ['x', -1, 70], night: 'y' } }, spellSince: 'z' },
      };
    const restored = RulesEngine.fromState([h.config], state);
    const saved = (restored.exportState() as typeof state).homes.h1?.rules['night-stillness']?.s;
    expect(saved).toEqual(
      expect.objectContaining({
        nights: expect.objectContaining({ 'bed-mat': expect.objectContaining({ longestMinutes: [70], night: -1 }) }),
      }),
    );
  });

  it('a mat that pulses, pressed and never released: no press since is no movement, called as a still night (as inactivity reads it)', () => {
    const h = new Harness(undefined, MONDAY + 22 * HOUR_MS);
    STEADY_NIGHTS.forEach((still, day) => {
      night(h, day, still);
    });
    const evening = MONDAY + STEADY_NIGHTS.length * DAY_MS + 23 * HOUR_MS;
    h.clock.advanceTo(evening);
    move(h, 0, 'mat');
    h.at(10 * MINUTE_MS, 'bed', 'occupancy', true); // pressed; its release never comes (lost, or none)
    const pressMs = h.clock.now();
    h.clock.advanceTo(evening + 8 * HOUR_MS);
    const first = h.raised().at(0);
    expect(first).toEqual(
      expect.objectContaining({
        kind: 'possible-fall',
        detail: expect.objectContaining({ stillInBed: true, nightContext: 'bed-mat', learnedNights: 14 }),
      }),
    );
    // Stillness once the press outlasts the mat's own presses (all brief: a minute), then the learned still night
    // (over 65 × 1.1 + 10 min), before inactivity's call (the still allowance, 5 h); was nothing until the morning.
    const delayMs = (first?.at ?? Infinity) - pressMs;
    expect(delayMs).toBeGreaterThan(81 * MINUTE_MS);
    expect(delayMs).toBeLessThan(3 * HOUR_MS);
    expect(first?.detail.thresholdMinutes).toBe(Math.round(delayMs / MINUTE_MS));
  });
});

describe('night-stillness in a bedroom with a PIR and no bed mat', () => {
  const withoutMat: HomeConfig = home({ devices: DEVICES.filter((d) => d.kind !== 'bed') });

  it('after a fortnight of nights in which the PIR saw the sleeper turn, its silence is a possible fall', () => {
    const h = new Harness(withoutMat, MONDAY + 22 * HOUR_MS);
    STEADY_NIGHTS.forEach((still, day) => {
      night(h, day, still, 'pir');
    });
    expect(h.raised()).toEqual([]);
    const lastMs = collapse(h, STEADY_NIGHTS.length, 'pir');
    const first = h.raised().at(0);
    expect(first).toEqual(
      expect.objectContaining({
        kind: 'possible-fall',
        detail: expect.objectContaining({ nightContext: 'bedroom-pir', learnedNights: 14, lastRoom: 'bedroom' }),
      }),
    );
    expect((first?.at ?? Infinity) - lastMs).toBeLessThan(120 * MINUTE_MS);
  });

  it('a bedroom PIR that does not see the bed (Kasteren B: hours without motion in sleep) gets no faster call', () => {
    const h = new Harness(withoutMat, MONDAY + 22 * HOUR_MS);
    // B's nights without the bedroom PIR seeing motion, 357 to 492 min, from 01:00 (its 671 and 730 would run past noon).
    const nights = [357, 437, 366, 450, 489, 492, 420, 357, 437, 366, 450, 489, 492, 420];
    nights.forEach((still, day) => {
      night(h, day, still, 'pir');
    });
    collapse(h, nights.length, 'pir');
    expect(h.raised('possible-fall')).toEqual([]);
  });
});

describe("Student's t quantile (the prediction bound)", () => {
  it('agrees with the tables at 1 % from 4 degrees of freedom', () => {
    // One-sided 99 % quantiles: 4 → 3.747, 6 → 3.143, 10 → 2.764, 30 → 2.457.
    expect(studentUpper(0.01, 4)).toBeCloseTo(3.747, 1);
    expect(studentUpper(0.01, 6)).toBeCloseTo(3.143, 2);
    expect(studentUpper(0.01, 10)).toBeCloseTo(2.764, 2);
    expect(studentUpper(0.01, 30)).toBeCloseTo(2.457, 2);
  });
});
