import { describe, expect, it } from 'vitest';
import { parseIsoMs } from '../../rules/iso-time.js';

describe("a sensor's ts as text", () => {
  it.each([
    ['2026-11-22T08:01:02.345Z', Date.UTC(2026, 10, 22, 8, 1, 2, 345)],
    ['2026-11-22T08:01:02Z', Date.UTC(2026, 10, 22, 8, 1, 2)],
    ['2026-11-22t08:01:02z', Date.UTC(2026, 10, 22, 8, 1, 2)],
    ['2026-11-22 08:01:02Z', Date.UTC(2026, 10, 22, 8, 1, 2)],
    ['2026-11-22T08:01Z', Date.UTC(2026, 10, 22, 8, 1)],
    ['2026-11-22T08:01:02.3456789Z', Date.UTC(2026, 10, 22, 8, 1, 2, 345)],
    ['2026-11-22T09:01:02+01:00', Date.UTC(2026, 10, 22, 8, 1, 2)],
    ['2026-11-22T03:31:02-0430', Date.UTC(2026, 10, 22, 8, 1, 2)],
    ['2026-11-22T10:01:02+02', Date.UTC(2026, 10, 22, 8, 1, 2)],
    ['2028-02-29T12:00:00Z', Date.UTC(2028, 1, 29, 12)],
  ])('%s is that instant', (text, ms) => {
    expect(parseIsoMs(text)).toBe(ms);
  });

  it('a date and time without a zone is local time, as in ECMAScript', () => {
    expect(parseIsoMs('2026-11-22T08:01:02')).toBe(new Date(2026, 10, 22, 8, 1, 2).getTime());
  });

  it.each([
    '2026-11-22', // a date alone: which time of day?
    '08:01:02Z',
    '5', // Date.parse reads the year 2005
    'Tue Dec 1 2026 08:00:00',
    '22/11/2026 08:01',
    '2026-02-30T08:00:00Z', // no such day (Date.UTC would roll it into March)
    '2027-02-29T08:00:00Z',
    '2026-11-22T24:00:00Z',
    '2026-11-22T08:60:00Z',
    '2026-13-01T08:00:00Z',
    '2026-11-22T08:01:02+25:00',
    '2026-11-22T08:01:02.345ZZ',
    '2026-11-22X08:01:02.345Z', // the fast path's length, not its shape
    '',
  ])('%j is refused', (text) => {
    expect(parseIsoMs(text)).toBeNaN();
  });
});
