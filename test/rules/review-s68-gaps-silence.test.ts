// Review, session 68: days with no report at all from any device of a home. A receiver unplugged for days while the hub
// ran (or a recording that stopped) is one silence of the whole home: it is called once, and when the home is heard
// again the rules took the first report after it as the end of a silence of the resident's, of days, and learned it as
// that hour's normal: every later morning's threshold at that hour went to the 12 h cap (the CASAS home with 7 days cut
// in at 23:30: nine night and morning collapses called at 721 min instead of 312-499). A silence of the whole home
// longer than `sensorOffline.silentHours` (every device would be called offline) is now a span the hub did not hear the
// home, as a time it was down (`HomeState.noteHeard`, `unheardUntil`): not learned when it ends. Not while the resident
// is out (the exit door said so): an outing's length is learned as before.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, WITHOUT_POSSIBLE_FALL, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

const GAP_START = MONDAY + 8 * DAY_MS + 7 * HOUR_MS + 40 * MINUTE_MS;
const COLLAPSE = MONDAY + 22 * DAY_MS + 7 * HOUR_MS + 40 * MINUTE_MS;

/**
 * Three weeks of days up 07:00-22:00 (the kitchen and hall PIRs in turn, every 20 min), and from Tuesday 13 January
 * 07:40 nothing at all from any device for `silentMs` (with `outing`, the front door closed behind the resident at
 * 07:45 and opened and closed again at her return; with `restartMidway`, the engine restarted from its saved state
 * just before her return). On Tuesday 27 January up at 07:00 and nothing after 07:40: a
 * collapse, watched to the day's end.
 */
function threeWeeks(silentMs: number, outing = false, restartMidway = false): Harness {
  const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY);
  const back = GAP_START + silentMs;
  const door = (at: number): void => {
    h.clock.advanceTo(at);
    h.at(0, 'front', 'contact', false);
    h.at(10_000, 'front', 'contact', true);
  };
  const step = 20 * MINUTE_MS;
  for (let day = 0; day <= 22; day++) {
    const end = day === 22 ? 7 * HOUR_MS + 40 * MINUTE_MS : 22 * HOUR_MS;
    for (let t = MONDAY + day * DAY_MS + 7 * HOUR_MS; t <= MONDAY + day * DAY_MS + end; t += step) {
      if (t > GAP_START && t < back) continue;
      if (silentMs > 0 && t >= back && t - step < back) {
        if (restartMidway) h.restart();
        if (outing) door(back);
        h.clock.advanceTo(back);
        h.at(0, 'hall-pir', 'motion', true);
      }
      if (t === back) continue;
      h.clock.advanceTo(t);
      h.at(0, t % (2 * step) === 0 ? 'kitchen-pir' : 'hall-pir', 'motion', true);
      if (outing && t === GAP_START) door(t + 5 * MINUTE_MS);
    }
  }
  h.clock.advanceTo(MONDAY + 23 * DAY_MS);
  return h;
}

/** How long after the collapse the first call of the inactivity family came (hours). */
function collapseCalledAfterHours(h: Harness): number {
  const first = h.familyCalls().find(([, at]) => at > COLLAPSE);
  expect(first).toBeDefined();
  return (first![1] - COLLAPSE) / HOUR_MS;
}

describe('days with no report from any device of the home', () => {
  it('are one silence: called once, not each day nor by each rule in turn', () => {
    const h = threeWeeks(4 * DAY_MS);
    const calls = h.familyCalls().filter(([, at]) => at > GAP_START && at <= GAP_START + 4 * DAY_MS);
    // One inactivity call at the learned value for 07:40 (about 3 h), then nothing more of the family for four days.
    expect(calls.map(([kind]) => kind)).toEqual(['inactivity']);
    expect(calls[0]![1] - GAP_START).toBeLessThan(4 * HOUR_MS);
    expect(h.of('clear', 'inactivity')).toHaveLength(1);
  });

  it('are not learned as that hour’s normal: a collapse at that hour two weeks later is called in hours, not at the cap', () => {
    // Her days' silences are 20 minutes and her nights' 9 h: at 07:40 the threshold learned is a few hours, as with no
    // days unheard (before the fix the four days, learned at 07:40, put it at the 12 h cap: called at 19:40).
    const unheard = collapseCalledAfterHours(threeWeeks(4 * DAY_MS));
    expect(unheard).toBeLessThan(5);
    // Four days fewer of her days learned: within a few minutes of the home with no days unheard.
    expect(Math.abs(unheard - collapseCalledAfterHours(threeWeeks(0)))).toBeLessThan(0.25);
  });

  it('across a restart from the saved state in the middle of the days, too', () => {
    expect(collapseCalledAfterHours(threeWeeks(4 * DAY_MS, false, true))).toBeLessThan(5);
  });

  it('a silence heard within the offline time (20 h) is the resident’s own and is learned as before', () => {
    // A day in bed, say: learned at 07:40, it lengthens that hour's threshold (to the cap here), as before this review.
    expect(collapseCalledAfterHours(threeWeeks(20 * HOUR_MS))).toBeGreaterThan(
      collapseCalledAfterHours(threeWeeks(0)) + 4,
    );
  });

  it('an outing of days by the exit door is still learned as an outing, its length kept for the bound', () => {
    const h = threeWeeks(4 * DAY_MS, true);
    // Called once, at the outing's bound (18 h after the door closed: she was seen away no longer than that before).
    const calls = h.familyCalls().filter(([, at]) => at > GAP_START && at <= GAP_START + 4 * DAY_MS);
    expect(calls).toHaveLength(1);
    const saved = h.engine.exportState() as { homes: Record<string, { outing?: { longestMs?: number } }> };
    expect(saved.homes.h1?.outing?.longestMs).toBeGreaterThan(3 * DAY_MS);
  });
});
