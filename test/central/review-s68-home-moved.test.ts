// Review, session 68: a home moved from one hub to another without `--replaced-by` was counted once under each hub.
// A scheme's flats moved to a second box while the first stays in service for the other flats (a scheme split in two,
// a block re-wired to its own Pi): the installer copies each flat's configuration, same home id, so its days come under
// the same council pseudonym and its alerts under the same home id, from the other hub. No hub is retired, so
// `--replaced-by` cannot say it. The report counted each moved flat as two homes, and a routine change flagged at the
// first box followed by a fall at the second as followed by nothing. Homes of two hubs that both call theirs "h1", heard
// side by side all along, are two homes and stay two.
//
// Real console and PostgreSQL: the days and alert versions stored as the workers store them, the report as a
// supervisor asks it over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ConsoleClient,
  consoleWithSupervisor,
  hubAlert,
  JULY_WEEK,
  missingForConsole,
  storeAlert,
  storeDays,
  storeHub,
  type ConsoleEnv,
  type Json,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the moved-home council report test: ${missing}`);

const PASSWORD = 'a-long-password-1';
const SCHEME_A = 's68-scheme-a';
const SCHEME_B = 's68-scheme-b';
const WEEK = JULY_WEEK;
/** Pseudonyms (as the hubs' HMAC gives them): the flats that move, and those that stay. */
const MOVED = Array.from({ length: 8 }, (_, i) => `a${String(i)}00000000000000`);
const STAYING = Array.from({ length: 8 }, (_, i) => `b${String(i)}00000000000000`);
/** Each pair of houses' shared pseudonym (both hubs call their home `house-<k>`). */
const shared = (k: number): string => `c${String(k)}00000000000000`;
const HOUSES = Array.from({ length: 8 }, (_, i) => [`s68-house-${String(i)}a`, `s68-house-${String(i)}b`] as const);

describe.skipIf(missing !== undefined)('review s68: the council report of a home moved to another hub', () => {
  let env: ConsoleEnv;
  let supervisor: ConsoleClient;
  const clock = new FakeClock(Date.UTC(2026, 7, 10, 9, 0, 0));

  beforeAll(async () => {
    ({ env, supervisor } = await consoleWithSupervisor({ clock }, PASSWORD));
  });

  afterAll(async () => {
    await env?.stop();
  });

  const sendDays = (hubId: string, homes: readonly string[], days: readonly string[]): Promise<void> =>
    storeDays(env.pool, hubId, homes, days);

  const flag = (id: string, homeId: string, raisedAt: string): Record<string, unknown> =>
    hubAlert(id, {
      kind: 'routine-change',
      severity: 'low',
      homeId,
      raisedAt,
      lastSeenAt: raisedAt,
      detail: { feature: 'activeMinutes', direction: 'down' },
    });
  const fall = (id: string, homeId: string, raisedAt: string): Record<string, unknown> =>
    hubAlert(id, {
      kind: 'fall',
      severity: 'critical',
      homeId,
      raisedAt,
      lastSeenAt: raisedAt,
      acknowledgedAt: raisedAt,
      resolvedAt: raisedAt,
      state: 'resolved',
      outcome: 'hospital-admission',
    });

  it('counts a moved flat as one home with one history, and homes of two hubs that share an id as two', async () => {
    // Eight flats at scheme A Monday to Wednesday, then at scheme B from Wednesday (the day of the move, sent by both);
    // eight flats at scheme A all week. Scheme A stays in service: nobody retires it.
    await sendDays(SCHEME_A, MOVED, WEEK.slice(0, 3));
    await sendDays(SCHEME_B, MOVED, WEEK.slice(2));
    await sendDays(SCHEME_A, STAYING, WEEK);
    // Each moved flat's routine change flagged at scheme A on Monday, its resident's fall at scheme B on Friday.
    for (let i = 0; i < 8; i++) {
      await storeAlert(
        env.pool,
        SCHEME_A,
        flag(`mra${String(i)}-flag`, `flat-${String(i)}`, '2026-07-06T09:00:00.000Z'),
      );
      await storeAlert(
        env.pool,
        SCHEME_B,
        fall(`mrb${String(i)}-fall`, `flat-${String(i)}`, '2026-07-10T09:00:00.000Z'),
      );
    }
    // Sixteen single-home hubs in pairs, both hubs of a pair calling their home by the same id (one pseudonym), all heard
    // all week: sixteen homes. In each pair a routine change at one and a fall at the other: two residents, neither
    // followed by a fall. Their alerts alone (a flag on Monday at one hub, a fall on Friday at the other) look like a
    // home that moved; the days say the two were heard side by side.
    for (const [k, [first, second]] of HOUSES.entries()) {
      await sendDays(first, [shared(k)], WEEK);
      await sendDays(second, [shared(k)], WEEK);
      await storeAlert(env.pool, first, flag(`mh-${first}-flag`, `house-${String(k)}`, '2026-07-06T09:00:00.000Z'));
      await storeAlert(env.pool, second, fall(`mh-${second}-fall`, `house-${String(k)}`, '2026-07-10T09:00:00.000Z'));
    }
    for (const hubId of [SCHEME_A, SCHEME_B, ...HOUSES.flat()]) {
      await storeHub(env.pool, hubId, { status: 'online', lastSeenAt: new Date('2026-07-12T10:00:00Z') });
    }

    const { status, body } = await supervisor.json('GET', '/api/reports/council?from=2026-07-06&to=2026-07-12');
    expect(status).toBe(200);
    const week: Json = body.total;
    // 8 moved + 8 staying + 16 houses = 32 homes (30); before: 40 (the moved flats twice).
    expect(week.homesMonitored).toBe(30);
    // 8 × 7 + 8 × 7 + 16 × 7 = 224 home-days (210, rounded to 35 a week since session 70); before: 232 (245), the
    // day of the move twice.
    expect(week.homeDays).toBe(210);
    // The moved flats' flags were followed by their falls at the other box (8: 10); the houses' were not (16: 15, had
    // their alerts been joined). Before: 0.
    expect(week.routineChanges.flags).toBe(15);
    expect(week.routineChanges.followedByFall).toBe(10);
    expect(week.routineChanges.followedByIntervention).toBe(10);
    // What was joined is said: 8 homes (10) heard from a second hub, and in the CSV.
    expect(body.homesMoved).toBe(10);
    expect(body.disclosure).toMatch(/moved/);
    const csv = await (
      await supervisor.request('GET', '/api/reports/council?from=2026-07-06&to=2026-07-12&format=csv')
    ).text();
    expect(csv).toContain('all,summary,homes,moved,10\r\n');
  });
});
