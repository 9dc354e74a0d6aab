// Review, session 59: a local time skipped by a spring-forward change came out an hour early west of UTC. The rules
// read a wall time in the home's zone (`ZoneClock.fromWall`, `instantOf`) for the morning check, a usual bedtime or a
// night window, the report's day ranges and a replayed `ts` without a zone; the formula was right east of UTC
// (London, Sydney) but in New York 02:30 on the spring-forward day came out as 01:30 EST, and where the change skips
// midnight (Santiago, Havana) a day began at 23:00 the day before, so a council report counted that hour in the wrong
// day. Now a skipped wall time is read in the offset before the change (an hour later in effect) everywhere, and a
// repeated one is its first occurrence.
import { describe, expect, it } from 'vitest';
import { parseIsoMs } from '../../rules/iso-time.js';
import { ZoneClock } from '../../rules/local-time.js';

const DAY_MS = 86_400_000;
const dayOf = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d) / DAY_MS;

describe('a wall time skipped or repeated by a change of offset', () => {
  it.each([
    // zone, local day, minute of day, the instant (UTC), the local time it shows
    ['America/New_York', [2026, 3, 8], 150, Date.UTC(2026, 2, 8, 7, 30), '03:30'], // skipped 02:30 EST
    ['America/Santiago', [2026, 9, 6], 0, Date.UTC(2026, 8, 6, 4), '01:00'], // skipped midnight
    ['America/Havana', [2026, 3, 8], 0, Date.UTC(2026, 2, 8, 5), '01:00'], // skipped midnight
    ['Europe/London', [2026, 3, 29], 90, Date.UTC(2026, 2, 29, 1, 30), '02:30'], // skipped 01:30 GMT (was right)
    ['Australia/Lord_Howe', [2026, 10, 4], 135, Date.UTC(2026, 9, 3, 15, 45), '02:45'], // a half-hour change
  ] as const)('%s: skipped, read in the offset before the change', (zone, [y, m, d], minute, instant, shown) => {
    const clock = new ZoneClock(zone);
    const t = clock.instantOf(dayOf(y, m, d), minute);
    expect(new Date(t).toISOString()).toBe(new Date(instant).toISOString());
    expect(clock.hhmm(t)).toBe(shown);
    expect(clock.dayNumber(t)).toBe(dayOf(y, m, d)); // before: Santiago's and Havana's day began the day before
    expect(clock.fromWall(Date.UTC(y, m - 1, d) + minute * 60_000)).toBe(t);
  });

  it.each([
    ['America/New_York', [2026, 11, 1], 90, Date.UTC(2026, 10, 1, 5, 30)], // 01:30 EDT, not EST
    ['Europe/London', [2026, 10, 25], 90, Date.UTC(2026, 9, 25, 0, 30)], // 01:30 BST, not GMT
  ] as const)('%s: repeated, its first occurrence', (zone, [y, m, d], minute, instant) => {
    const clock = new ZoneClock(zone);
    expect(clock.instantOf(dayOf(y, m, d), minute)).toBe(instant);
    expect(clock.fromWall(Date.UTC(y, m - 1, d) + minute * 60_000)).toBe(instant);
  });

  it('a day in Santiago begins at its first local minute, so a report of that day leaves out the evening before', () => {
    const clock = new ZoneClock('America/Santiago');
    const start = clock.instantOf(dayOf(2026, 9, 6), 0);
    const lastOfDayBefore = Date.UTC(2026, 8, 6, 3, 30); // 23:30 on 5 September, local (-04)
    expect(clock.dayNumber(lastOfDayBefore)).toBe(dayOf(2026, 9, 5));
    expect(lastOfDayBefore).toBeLessThan(start);
    // The day's length is 23 h, its end the next local midnight.
    expect(clock.instantOf(dayOf(2026, 9, 7), 0) - start).toBe(23 * 3_600_000);
  });

  it("a replayed ts without a zone, in a skipped hour of the home's zone, is read as the hour after", () => {
    const clock = new ZoneClock('America/New_York');
    expect(parseIsoMs('2026-03-08T02:30:00', clock)).toBe(Date.UTC(2026, 2, 8, 7, 30));
    expect(parseIsoMs('2026-03-08T01:30:00', clock)).toBe(Date.UTC(2026, 2, 8, 6, 30)); // EST, unchanged
    expect(parseIsoMs('2026-03-08T03:30:00', clock)).toBe(Date.UTC(2026, 2, 8, 7, 30)); // EDT, unchanged
  });
});
