// Up and about: a silence with no mat occupied, the exit door shut, in a room nobody rests in, judged on the home's own such silences.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { RuleOverrides } from '../../rules/params.js';

/**
 * Day `day`: up at 07:00 (the bed mat released), the kitchen every 15 min until 17:45, the chair mat 18:00-19:00
 * (unless `chairMat` is false), the kitchen every 15 min again, then at 20:00 the front door opened and the kitchen
 * seen once: three quiet hours with the door open (out in the garden), in, door shut, to bed at 23:00 on a held mat.
 */
function day(h: Harness, d: number, chairMat = true): void {
  const morning = MONDAY + d * DAY_MS + 7 * HOUR_MS;
  h.clock.advanceTo(morning);
  h.at(0, 'bed', 'occupancy', false);
  while (h.clock.now() + 15 * MINUTE_MS < morning + 11 * HOUR_MS) h.at(15 * MINUTE_MS, 'kitchen-pir', 'motion', true);
  h.clock.advanceTo(morning + 11 * HOUR_MS);
  if (chairMat) {
    h.at(0, 'chair', 'occupancy', true);
    h.at(HOUR_MS, 'chair', 'occupancy', false);
  } else h.at(HOUR_MS, 'living-pir', 'motion', true);
  while (h.clock.now() + 15 * MINUTE_MS < morning + 13 * HOUR_MS) h.at(15 * MINUTE_MS, 'kitchen-pir', 'motion', true);
  h.clock.advanceTo(morning + 13 * HOUR_MS);
  h.at(0, 'front', 'contact', false);
  h.at(30_000, 'kitchen-pir', 'motion', true);
  h.at(3 * HOUR_MS, 'kitchen-pir', 'motion', true);
  h.at(10_000, 'front', 'contact', true);
  h.at(20_000, 'bed', 'occupancy', true);
}

/** Fourteen ordinary days, then day 15's routine up to 19:45 and the kitchen at 20:00 with the door shut: a collapse. */
function collapseAfterFortnight(rules: RuleOverrides = {}, chairMat = true): { h: Harness; lastMs: number } {
  const h = new Harness(home({}, rules), MONDAY + 6 * HOUR_MS);
  h.at(0, 'bed', 'occupancy', true);
  for (let d = 0; d < 14; d++) day(h, d, chairMat);
  const morning = MONDAY + 14 * DAY_MS + 7 * HOUR_MS;
  h.clock.advanceTo(morning);
  h.at(0, 'bed', 'occupancy', false);
  while (h.clock.now() + 15 * MINUTE_MS <= morning + 13 * HOUR_MS) h.at(15 * MINUTE_MS, 'kitchen-pir', 'motion', true);
  const lastMs = h.clock.now();
  h.clock.advanceTo(lastMs + 12 * HOUR_MS);
  return { h, lastMs };
}

function firstAfter(h: Harness, lastMs: number): { kind: string; minutes: number; detail: unknown } | undefined {
  const first = h.raised().find((d) => d.at > lastMs);
  return first && { kind: first.kind, minutes: (first.at - lastMs) / MINUTE_MS, detail: first.detail };
}

describe('possible-fall up and about (no mat occupied, mats working, a room nobody rests in)', () => {
  it("calls a silence in the kitchen on the home's up-and-about silences, not on the kitchen's hours with the door open", () => {
    const { h, lastMs } = collapseAfterFortnight();
    const first = firstAfter(h, lastMs);
    // The up-and-about silences are 15 min: the 30-min floor, not the three hours the kitchen's 20:00 has seen.
    expect(first?.kind).toBe('possible-fall');
    expect(first?.minutes).toBeGreaterThanOrEqual(30);
    expect(first?.minutes).toBeLessThan(45);
    expect(first?.detail).toMatchObject({ thresholdSource: 'learned', upAndAbout: true, matOccupied: null });
    // The silences it rests on: 13 days' kitchen quarter-hours and evenings (each day joins at the day's turn).
    expect((first?.detail as { upSilences?: number }).upSilences).toBeGreaterThanOrEqual(30);
  });

  it('with the rule off (upMinSilences 0) the same silence waits for the kitchen hour, over three hours', () => {
    const { h, lastMs } = collapseAfterFortnight({ possibleFall: { upMinSilences: 0 } });
    const first = firstAfter(h, lastMs);
    expect(first?.minutes).toBeGreaterThan(180);
    expect(first?.detail).not.toHaveProperty('upAndAbout');
  });

  it('not in a home whose chair mat has never reported: an empty chair may be a mat that does not work', () => {
    const { h, lastMs } = collapseAfterFortnight({}, false);
    expect(firstAfter(h, lastMs)?.minutes).toBeGreaterThan(180);
  });

  it('not before the home has shown enough such silences: the cold start is unchanged', () => {
    const { h, lastMs } = collapseAfterFortnight({ possibleFall: { upMinSilences: 100_000 } });
    expect(firstAfter(h, lastMs)?.minutes).toBeGreaterThan(180);
  });

  it('the silences up and about survive a restart mid-silence (the one under way is learned when it ends)', () => {
    const h = new Harness(home(), MONDAY + 6 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    day(h, 0);
    const kitchen = MONDAY + DAY_MS + 8 * HOUR_MS;
    h.clock.advanceTo(kitchen);
    h.at(0, 'bed', 'occupancy', false);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    const upSince = (): unknown =>
      (h.engine.exportState() as { homes: Record<string, { rules?: Record<string, { s: { upSince?: unknown } }> }> })
        .homes.h1?.rules?.['possible-fall']?.s.upSince;
    expect(upSince()).toBe(kitchen + MINUTE_MS);
    h.restart();
    expect(upSince()).toBe(kitchen + MINUTE_MS);
  });
});
