// Review, session 63: inactivity kept the thresholds a dead device had taught it. A device found dead (a battery run
// out: `presence.deadDeviceDays` living days without a report from one that reported every day) holds possible-fall
// and bathroom-too-long off for the silences it used to end (`roomRulesHeld`, session 29), since they are longer now.
// Inactivity, the one silence rule left watching them, still judged them by what the home learned while that device
// ended them: its learned values, shorter than the cold-start allowance, called the longer silences (Kasteren A and C
// with their busiest device dead half way: 2 and 3 false alarms after the fortnight, eval/README.md "Session 63"). Now
// learned normal may only lengthen the allowance there.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, home, MONDAY } from './factories.js';

const DAY_MS = 24 * HOUR_MS;
// Possible-fall out of the way (past the 12 h cap), to time inactivity on its own.
const config = home(
  {},
  {
    possibleFall: { floorMinutes: 720, coldStartDayMinutes: 720, coldStartNightMinutes: 720, afterActivityPercent: 0 },
  },
);

/**
 * From 07:00 to 22:00 on `day`, a movement every 20 minutes: the kitchen's, the hall's, the living room's and the
 * bedroom's PIRs in turn (a day the home lived: three devices or more reported), the hall's left out once it is dead.
 * Each silence that begins in the kitchen ends at the hall's PIR while it works.
 */
const ROUND = ['kitchen-pir', 'hall-pir', 'living-pir', 'bedroom-pir'];
function day(h: Harness, d: number, hallWorks: boolean, until = 22 * HOUR_MS): void {
  const round = hallWorks ? ROUND : ROUND.filter((id) => id !== 'hall-pir');
  for (let t = 7 * HOUR_MS, i = 0; t <= until; t += 20 * MINUTE_MS, i++) {
    const at = MONDAY + d * DAY_MS + t;
    h.advanceBy(at - h.clock.now());
    h.at(0, round[i % round.length]!, 'motion', true);
  }
}

function firstCallHours(hallDies: boolean): number {
  const h = new Harness(config, MONDAY + 7 * HOUR_MS);
  for (let d = 0; d < 21; d++) day(h, d, true);
  // The hall's PIR dies (or not) on the 22nd day; four days of the kitchen's reports (or both) follow.
  for (let d = 21; d < 25; d++) day(h, d, !hallDies);
  const before = h.raised().length;
  // Day 26: up at 07:00, in the kitchen at 10:00, and nothing after.
  day(h, 25, !hallDies, 9 * HOUR_MS + 40 * MINUTE_MS);
  h.advanceBy(MONDAY + 25 * DAY_MS + 10 * HOUR_MS - h.clock.now());
  h.at(0, 'kitchen-pir', 'motion', true);
  const last = h.clock.now();
  h.advanceBy(14 * HOUR_MS);
  const first = h
    .raised()
    .slice(before)
    .find((d) => d.kind === 'inactivity');
  expect(first).toBeDefined();
  return (first!.at - last) / HOUR_MS;
}

describe('review s63: a silence a dead device used to end', () => {
  it('is judged by the cold-start allowance (4 h by day), not by what the home learned while that device worked', () => {
    expect(firstCallHours(true)).toBeCloseTo(4, 1);
  });

  it('guard: with the device working, the learned threshold (near the 2 h floor) stands', () => {
    expect(firstCallHours(false)).toBeLessThan(3);
  });
});
