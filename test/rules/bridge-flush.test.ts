// A bridge that held its reports through an outage and flushes them at once (issue 11, session 28): the hub hears
// an hour of old reports in one go. Each is heard at its own time; before, a silence a report of the flush left
// overdue was decided at once, before the flush's later reports (the resident leaving by the front door) were heard:
// Kasteren A's flushed hour called a possible-fall 38 min after a front door the resident then went out by.
import { describe, expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { RuleDecision } from '../../rules/types.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { ev, home, MONDAY } from './factories.js';

const FAMILY = new Set<string>(INACTIVITY_FAMILY);
/** A possible-fall called after 30 min of silence in a room (a learned home's short threshold, as A's 38 min). */
const config = home({}, { possibleFall: { floorMinutes: 30, coldStartDayMinutes: 30, afterActivityPercent: 0 } });
const NINE = MONDAY + 9 * HOUR_MS;

/** The morning: the kitchen at 09:10; the front door opened and closed at 09:20 (out); home at 13:00. */
const morning = [
  ev(NINE + 10 * MINUTE_MS, 'kitchen-pir', 'motion', true, config),
  ev(NINE + 20 * MINUTE_MS, 'front', 'contact', false, config),
  ev(NINE + 20 * MINUTE_MS + 5_000, 'front', 'contact', true, config),
];
const home13 = [
  ev(MONDAY + 13 * HOUR_MS, 'front', 'contact', false, config),
  ev(MONDAY + 13 * HOUR_MS + 5_000, 'front', 'contact', true, config),
  ev(MONDAY + 13 * HOUR_MS + 30_000, 'hall-pir', 'motion', true, config),
];

/** The family's raises, the engine run to 13:10; reports from `flushFrom` on are held and arrive at `flushAt`. */
function run(flushFrom: number, flushAt: number): RuleDecision[] {
  const engine = new RulesEngine([config]);
  const out: RuleDecision[] = [];
  for (const e of [...morning, ...home13]) {
    if (e.ts >= flushFrom && e.ts < flushAt) continue;
    if (e.ts >= flushAt) {
      // The flush comes before the first report after it.
      for (const held of morning.filter((m) => m.ts >= flushFrom && m.ts < flushAt))
        out.push(...engine.handle(held, flushAt));
      flushFrom = Infinity;
    }
    out.push(...engine.handle(e));
  }
  out.push(...engine.advanceTo(MONDAY + 13 * HOUR_MS + 10 * MINUTE_MS));
  return out.filter((d) => d.type === 'raise' && FAMILY.has(d.kind));
}

describe("a bridge's flush of an hour of old reports", () => {
  it('is heard as a whole: the resident who went out during it is out, nothing is called', () => {
    // On time: out at 09:30, nothing called.
    expect(run(Infinity, Infinity)).toEqual([]);
    // The hub started at 10:05 with the bridge's buffer (or cut off since before 09:10): the flush brings the kitchen at
    // 09:10, whose silence was due at 09:40, and the leaving at 09:20.
    expect(run(NINE, NINE + 65 * MINUTE_MS)).toEqual([]);
  });

  it('a silence the flush leaves overdue is still called, at its time, after the flush', () => {
    // Only the kitchen at 09:10 in the flush (no leaving): the silence from it was due at 09:40.
    const engine = new RulesEngine([config]);
    const flushAt = NINE + 65 * MINUTE_MS;
    const during = engine.handle(morning[0]!, flushAt);
    const after = engine.advanceTo(flushAt);
    const raised = [...during, ...after].filter((d) => d.type === 'raise' && FAMILY.has(d.kind));
    expect(raised.map((d) => [d.kind, d.at])).toEqual([['possible-fall', NINE + 40 * MINUTE_MS]]);
  });
});
