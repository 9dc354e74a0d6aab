// The bounds learned from the home's absences forget them (review, session 31). An outing nothing ends is believed for
// 1.25 x the home's longest outing, and a device alone in a home shown empty is waited on for 1.25 x the longest spell
// the home was shown empty; past `presence.outingBoundMaxHours` (22 h) there is no bound at all (a resident who goes
// away for days). Before, one trip of three days, or one day shown empty, was kept for ever: months later, a door that
// moved while the resident stayed in (answering it, the bins) and a collapse out of every sensor's sight was never
// called. The record now holds the longest of the last two spans of `ABSENCE_MEMORY_DAYS` (8 to 16 weeks).
import { describe, expect, it } from 'vitest';
import { ABSENCE_MEMORY_DAYS } from '../../rules/home-state.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { Harness, home, MONDAY } from './factories.js';

const FAMILY = new Set<string>(INACTIVITY_FAMILY);
const config = home();

/** The family's calls from `from` on (kind, time). */
function callsFrom(h: Harness, from: number): [string, number][] {
  return h
    .raised()
    .filter((d) => FAMILY.has(d.kind) && d.at >= from)
    .map((d) => [d.kind, d.at]);
}

/** Ordinary days: up at 07:00, a PIR every half hour until 22:30, in bed in the bedroom; no outing. */
function ordinaryDays(h: Harness, days: number): void {
  for (let i = 0; i < days; i++) {
    const now = h.clock.now();
    let up = MONDAY + Math.floor((now - MONDAY) / DAY_MS) * DAY_MS + 7 * HOUR_MS;
    if (up <= now) up += DAY_MS;
    h.at(up - now, 'bedroom-pir', 'motion', true);
    for (let k = 1; k <= 31; k++) h.at(30 * MINUTE_MS, k % 2 === 0 ? 'kitchen-pir' : 'living-pir', 'motion', true);
    h.at(10 * MINUTE_MS, 'bedroom-pir', 'motion', true);
  }
}

/** The next 10:00 after the clock. */
function nextTen(h: Harness): number {
  const now = h.clock.now();
  let at = MONDAY + Math.floor((now - MONDAY) / DAY_MS) * DAY_MS + 10 * HOUR_MS;
  if (at <= now) at += DAY_MS;
  return at;
}

/**
 * Away three days (out by the front door on Monday morning, back on Thursday), then `days` ordinary days (with a
 * restart after `restartAfter` of them), then at 10:00 the front door opened and closed while the resident stayed in,
 * and nothing more. Returns the family's calls from the closing on, over two days, and the closing's time.
 */
function doorAfterATrip(
  days: number,
  restartAfter?: number,
  homeConfig = config,
): { calls: [string, number][]; closedAt: number } {
  const h = new Harness(homeConfig, MONDAY + 7 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'hall-pir', 'motion', true);
  h.at(MINUTE_MS, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(72 * HOUR_MS);
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.at(30 * SECOND_MS, 'hall-pir', 'motion', true);
  if (restartAfter === undefined) ordinaryDays(h, days);
  else {
    ordinaryDays(h, restartAfter);
    h.restart();
    ordinaryDays(h, days - restartAfter);
  }
  h.advanceBy(nextTen(h) - h.clock.now());
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  const closedAt = h.clock.now();
  h.advanceBy(48 * HOUR_MS);
  return { calls: callsFrom(h, closedAt), closedAt };
}

/**
 * A home's record of a device firing alone while it stood empty (as in empty-home-shown.test.ts): two outings of
 * 4.5 h with the kitchen PIR firing alone, ended by someone coming in, then a day away (20 h) with it firing alone.
 */
function ghostRecord(h: Harness): void {
  const away = (hours: number): void => {
    h.at(0, 'front', 'contact', false);
    h.at(10 * SECOND_MS, 'front', 'contact', true);
    h.advanceBy(4.5 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
    h.advanceBy((hours - 4.5) * HOUR_MS);
    h.at(0, 'front', 'contact', false);
    h.at(10 * SECOND_MS, 'front', 'contact', true);
    h.at(30 * SECOND_MS, 'hall-pir', 'motion', true);
    h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', true);
    h.advanceBy(25 * MINUTE_MS);
    h.at(0, 'hall-pir', 'motion', true);
  };
  away(5);
  away(5);
  away(20);
}

/**
 * `ghostRecord`, `days` ordinary days, then out at 10:00 and the kitchen PIR alone 4.5 h later (the resident come back
 * unseen, the door's opening lost), and nothing more. Returns the family's calls from the lone report on, over two
 * days, and its time.
 */
function loneDeviceAfterAnEmptyDay(days: number): { calls: [string, number][]; blipAt: number } {
  const h = new Harness(config, MONDAY + 6 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'hall-pir', 'motion', true);
  ghostRecord(h);
  ordinaryDays(h, days);
  h.advanceBy(nextTen(h) - h.clock.now());
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(4.5 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
  const blipAt = h.clock.now();
  h.advanceBy(48 * HOUR_MS);
  return { calls: callsFrom(h, blipAt), blipAt };
}

describe('the bounds learned from absences forget them', () => {
  it('months after a three-day trip, an outing the door seemed to begin is called at the bound (18 h), not never', () => {
    const days = 2 * ABSENCE_MEMORY_DAYS + 10;
    const { calls, closedAt } = doorAfterATrip(days);
    expect(calls).toEqual([['inactivity', closedAt + 18 * HOUR_MS]]);
  });

  it('weeks after the trip it is still remembered: no bound, as for a resident who goes away for days', () => {
    // Guard: the design for a resident who does go away (both before and after the change).
    expect(doorAfterATrip(20).calls).toEqual([]);
    expect(doorAfterATrip(ABSENCE_MEMORY_DAYS + 20).calls).toEqual([]);
  });

  it('the record and its spans survive a restart', () => {
    // Restarted once the trip is in the span before: still remembered 20 days later, forgotten in due time. With the
    // outings by the hour they began (the trip at 07:00, the door at 10:00): the span before's, saved, are read.
    const byHour = home({}, { presence: { outingBoundHourWindow: 4 } });
    for (const c of [config, byHour]) {
      expect(doorAfterATrip(ABSENCE_MEMORY_DAYS + 20, ABSENCE_MEMORY_DAYS + 5, c).calls).toEqual([]);
      const { calls, closedAt } = doorAfterATrip(2 * ABSENCE_MEMORY_DAYS + 10, ABSENCE_MEMORY_DAYS + 5, c);
      expect(calls).toEqual([['inactivity', closedAt + 18 * HOUR_MS]]);
    }
  });

  it('months after the home was shown empty for a day, a device alone is waited on up to the bound, then called', () => {
    // Weeks after, as an outing of days: no bound (empty-home-shown.test.ts, "shown empty for 20 h").
    expect(loneDeviceAfterAnEmptyDay(20).calls).toEqual([]);
    const { calls, blipAt } = loneDeviceAfterAnEmptyDay(2 * ABSENCE_MEMORY_DAYS + 10);
    expect(calls).toEqual([['inactivity', blipAt + 18 * HOUR_MS]]);
  });
});
