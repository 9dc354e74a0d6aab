// A hub's November for report tests: two flats, their alerts, acknowledgements and outcomes.
import type { RuleDecision } from '../../rules/types.js';
import { ev, utc } from './factories.js';
import { testConfig, type TestHubDb } from './hub-db.js';

export const SMITH = 'flat-12-smith';
export const JONES = 'flat-14-jones';
export const config = testConfig([
  { id: SMITH, timezone: 'Europe/London', residents: [{ id: 'mary-smith' }], devices: [] },
  { id: JONES, timezone: 'Europe/London', residents: [{ id: 'ann-jones' }, { id: 'john-jones' }], devices: [] },
  { id: 'flat-99-empty', timezone: 'Europe/London', residents: [{ id: 'nobody-yet' }], devices: [] },
]);
export const PERSONAL = [
  SMITH,
  JONES,
  'flat-99-empty',
  'mary-smith',
  'ann-jones',
  'john-jones',
  'nobody-yet',
  'smith',
  'jones',
  'hallway-upstairs',
];

type Raise = Extract<RuleDecision, { type: 'raise' }>;
const raise = (
  homeId: string,
  kind: Raise['kind'],
  severity: Raise['severity'],
  at: number,
  residentId?: string,
): Raise => ({
  type: 'raise',
  homeId,
  kind,
  severity,
  at,
  room: 'hallway-upstairs',
  detail: { feature: 'bathroomVisitsNight' },
  ...(residentId ? { residentId } : {}),
});

/**
 * November 2026: 13 routine-change flags for Ann (every other day from the 1st), the first 12 each followed
 * the next day by a fall (3 of them ending in an ambulance), then 9 pendant presses from Mary, acknowledged
 * in 30 s, and one cancelled before anyone answered.
 */
export async function november(hub: TestHubDb): Promise<void> {
  await hub.append([ev(SMITH, '2026-11-01T08:00', 'hall-pir'), ev(JONES, '2026-11-01T08:00', 'hall-pir')]);
  for (let k = 0; k < 13; k++) {
    hub.raise(
      raise(JONES, 'routine-change', 'low', utc(`2026-11-${String(1 + 2 * k).padStart(2, '0')}T09:00`), 'ann-jones'),
      undefined,
      'no-action-needed',
    );
    if (k < 12) {
      const at = utc(`2026-11-${String(2 + 2 * k).padStart(2, '0')}T10:00`);
      hub.raise(raise(JONES, 'fall', 'critical', at, 'ann-jones'), 90, k < 3 ? 'ambulance' : 'no-action-needed');
    }
  }
  for (let k = 0; k < 9; k++)
    hub.raise(
      raise(SMITH, 'pendant', 'critical', utc(`2026-11-26T${String(8 + k).padStart(2, '0')}:00`)),
      30,
      'false-alarm',
    );
  hub.raise(raise(SMITH, 'pendant', 'critical', utc('2026-11-27T08:00')));
  hub.clock.advanceBy(5_000);
  hub.alerts.apply({
    type: 'clear',
    homeId: SMITH,
    kind: 'pendant',
    at: hub.clock.now(),
    reason: 'pressed by mistake',
  });
}
