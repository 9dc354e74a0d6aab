// The power cuts of the hub-off reviews (sessions 61, 62): three evenings the hub was off, the resident's routine as
// the hub stored it around them, the hub's routine review on the test database's clock, and the changes it raised.
import { RoutineReview } from '../../hub/routine-review.js';
import { silentLogger } from '../../hub/logger.js';
import type { SensorEvent } from '../../rules/types.js';
import { isoDate, routineDay } from './daily.js';
import { utc } from './factories.js';
import { FLAT_7, FLAT_7_CONFIG, type TestHubDb } from './hub-db.js';

/** The power cut evenings: 1, 2 and 3 December, 17:00 to 23:00 (GMT). */
export const CUTS = ['2026-12-01', '2026-12-02', '2026-12-03'].map(
  (d) => [utc(`${d}T17:00`), utc(`${d}T23:00`)] as const,
);

/** Her routine from 1 November to 4 December, as the hub stored it: nothing in the power cuts. */
export function routineWithCuts(): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let i = 0; i < 34; i++) events.push(...routineDay(FLAT_7, isoDate('2026-11-01', i), i, i % 3 === 0 ? 1 : 0));
  return events.filter((e) => e.ts < utc('2026-12-05T06:00') && !CUTS.some(([off, on]) => e.ts >= off && e.ts < on));
}

/** The hub's hourly routine review in the loop (no analytics thread), started on the test database's clock. */
export function startReview(h: TestHubDb): RoutineReview {
  const alerts = h.alerts;
  const review = new RoutineReview({
    db: h.db,
    config: FLAT_7_CONFIG,
    clock: h.clock,
    logger: silentLogger,
    decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
  });
  review.start();
  return review;
}

/** The routine changes raised: feature, change, date. */
export const routineChanges = (h: TestHubDb): unknown[] =>
  h.alerts
    .list({})
    .filter((a) => a.kind === 'routine-change')
    .map((a) => [a.detail.feature, a.detail.change, a.detail.date]);
