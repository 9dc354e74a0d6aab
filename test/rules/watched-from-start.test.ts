// A collapse before any sensor has reported (issue 11, session 27): the hub knows when it began watching the home,
// and that is the start of a silence too. Before, a home with no activity known had no silence timer at all: a
// resident who fell in the hub's first minutes, or where only failed sensors see them, was never called.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { Harness, home, MONDAY, WITHOUT_POSSIBLE_FALL } from './factories.js';

const FAMILY = new Set<string>(INACTIVITY_FAMILY);
const family = (h: Harness) => h.raised().filter((d) => FAMILY.has(d.kind));
const kinds = (h: Harness): [string, number][] => family(h).map((d) => [d.kind, d.at]);

/** Monday 23:20 UTC: the hub installed and started late in the evening (Kasteren A's recording begins so). */
const LATE = MONDAY + 23 * HOUR_MS + 20 * MINUTE_MS;
/** Nothing known, the resident may be out: the night's allowance (10 h), by day too. */
const IN_DOUBT_MS = 600 * MINUTE_MS;

describe('a home nothing has reported from since the hub started', () => {
  it('is a silence from the start: inactivity calls after the allowance in doubt, and says no sensor reported', () => {
    const h = new Harness(home(), LATE);
    h.watch();
    h.advanceBy(IN_DOUBT_MS - MINUTE_MS);
    expect(family(h)).toEqual([]);
    h.advanceBy(2 * MINUTE_MS);
    expect(kinds(h)).toEqual([['inactivity', LATE + IN_DOUBT_MS]]);
    expect(family(h)[0]?.detail).toEqual(
      expect.objectContaining({
        silenceMinutes: 600,
        thresholdMinutes: 600,
        lastActivityAt: null,
        presenceInDoubt: true,
        watchedSince: new Date(LATE).toISOString(),
      }),
    );
  });

  it('by day as well (in doubt: the night allowance, not the 4-h day value)', () => {
    const start = MONDAY + 10 * HOUR_MS;
    const h = new Harness(home(), start);
    h.watch();
    h.advanceBy(12 * HOUR_MS);
    expect(kinds(h)).toEqual([['inactivity', start + IN_DOUBT_MS]]);
  });

  it('a first report ends it: the silence runs from that report, and the report clears a call already made', () => {
    const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), LATE);
    h.watch();
    h.at(2 * HOUR_MS, 'kitchen-pir', 'motion', true);
    const seenAt = h.clock.now();
    h.at(30_000, 'kitchen-pir', 'motion', false);
    h.advanceBy(IN_DOUBT_MS - 2 * HOUR_MS + MINUTE_MS);
    expect(family(h).filter((d) => d.at <= LATE + IN_DOUBT_MS)).toEqual([]);
    h.advanceBy(12 * HOUR_MS);
    const called = family(h);
    expect(called.length).toBeGreaterThan(0);
    expect(called[0]!.at).toBeGreaterThan(LATE + IN_DOUBT_MS);
    expect(called[0]!.detail).not.toHaveProperty('watchedSince');
    expect(called[0]!.detail).toEqual(
      expect.objectContaining({ lastActivityAt: new Date(seenAt + 30_000).toISOString() }),
    );

    // Called from the start, then a sensor reports: the alert is cleared as any silence's.
    const late = new Harness(home(), LATE);
    late.watch();
    late.advanceBy(IN_DOUBT_MS + HOUR_MS);
    expect(kinds(late)).toEqual([['inactivity', LATE + IN_DOUBT_MS]]);
    late.at(0, 'hall-pir', 'motion', true);
    expect(late.of('clear', 'inactivity')).toHaveLength(1);
  });

  it('a restart does not start it again: the watch began at the first start (saved), and a later start keeps it', () => {
    const h = new Harness(home(), LATE);
    h.watch();
    h.advanceBy(3 * HOUR_MS);
    h.restart();
    h.watch();
    h.advanceBy(5 * HOUR_MS);
    h.restart();
    h.watch();
    h.advanceBy(3 * HOUR_MS);
    expect(kinds(h)).toEqual([['inactivity', LATE + IN_DOUBT_MS]]);
  });

  it('a home whose activity is known is not touched by a later start; one in away mode is not watched', () => {
    const known = new Harness(home(), MONDAY + 10 * HOUR_MS);
    known.at(0, 'kitchen-pir', 'motion', true);
    known.at(30_000, 'kitchen-pir', 'motion', false);
    known.advanceBy(HOUR_MS);
    const before = known.engine.nextDueAt();
    known.watch();
    expect(known.engine.nextDueAt()).toBe(before);

    const away = new Harness(home({ away: true }), LATE);
    away.watch();
    away.advanceBy(24 * HOUR_MS);
    expect(family(away)).toEqual([]);
  });
});
