// Review, session 69: a hub moved to another council took its history with it. `central_hubs.council` (session 68) was
// read as if the hub had always served its council now: when a supervisor moved a scheme's hub from North to South
// (the scheme transferred), North's final report of a past week lost that hub's homes and falls, and South's analyst
// read that scheme's past (homes South never served) in theirs. The two reports of one week, asked before and after
// the move, differed by exactly the moved hub's figures: a 0 falls one day and `*` the next says the scheme's residents
// fell that week, whatever suppression does. Now a hub's council counts from the moment it is given (its first council
// counts for all its past, as before); what it sent before a move stays its old council's. Real console, PostgreSQL and
// nats-server; alert versions and days stored as the workers store them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ADMIN_PASSWORD,
  ConsoleClient,
  hubAlert,
  missingForConsole,
  numberedHomes,
  startConsoleEnv,
  storeAlert,
  storeDays,
  storeHub,
  type ConsoleEnv,
  type Json,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the moved hub council test: ${missing}`);

const PASSWORD = 'a-long-password-1';
/** North's own scheme (stays North), the scheme transferred to South, and South's own. */
const STAYS = 's69-north-stays';
const MOVES = 's69-north-moves';
const SOUTH = 's69-south';
const daysFrom = (first: number): string[] =>
  Array.from({ length: 7 }, (_, i) => new Date(Date.UTC(2026, 10, first + i)).toISOString().slice(0, 10));
/** The week of Monday 16 November 2026 (before the move) and of Monday 21 December (after it). */
const BEFORE = daysFrom(16);
const AFTER = daysFrom(51);

describe.skipIf(missing !== undefined)("review s69: a hub's past stays with the council it served then", () => {
  let env: ConsoleEnv;
  let admin: ConsoleClient;
  const clock = new FakeClock(Date.UTC(2026, 11, 16, 10, 0, 0));

  /** Each hub's 10 flats a day each of the week, and a call from each: falls at the moving scheme, pendants elsewhere. */
  const storeWeek = async (days: readonly string[]): Promise<void> => {
    for (const hubId of [STAYS, MOVES, SOUTH]) {
      await storeDays(env.pool, hubId, numberedHomes(hubId, 10), days);
      const kind = hubId === MOVES ? 'fall' : 'pendant';
      for (let i = 0; i < 10; i++) {
        const at = `${days[1]}T09:00:00.000Z`;
        await storeAlert(
          env.pool,
          hubId,
          hubAlert(`${days[0]}-${kind}-${String(i)}`, {
            kind,
            severity: 'critical',
            homeId: `flat-${String(i)}`,
            raisedAt: at,
            lastSeenAt: at,
          }),
        );
      }
      await storeHub(env.pool, hubId, { status: 'online', lastSeenAt: new Date(clock.now()) });
    }
  };

  const analyst = async (username: string, council: string): Promise<ConsoleClient> => {
    const made = await admin.json('POST', '/api/operators', { username, role: 'analyst', password: PASSWORD, council });
    expect(made.status).toBe(201);
    const client = new ConsoleClient(env.url);
    expect((await client.login(username, PASSWORD)).status).toBe(200);
    return client;
  };

  const week = async (client: ConsoleClient, days: readonly string[]): Promise<Json> => {
    const res = await client.json('GET', `/api/reports/council?from=${days[0]}&to=${days[6]}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    env = await startConsoleEnv({ clock });
    admin = new ConsoleClient(env.url);
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it("keeps a moved hub's past in its old council's report, and its days from the move on in its new one's", async () => {
    await storeWeek(BEFORE);
    // The hubs' first councils (given after they were heard, as when the centre first had councils): their whole past.
    for (const [hubId, council] of [
      [STAYS, 'North'],
      [MOVES, 'North'],
      [SOUTH, 'South'],
    ] as const) {
      expect((await admin.json('PUT', `/api/hubs/${hubId}/council`, { council })).status).toBe(200);
    }
    const nora = await analyst('nora', 'North');
    const sian = await analyst('sian', 'South');
    const northBefore = await week(nora, BEFORE);
    expect(northBefore.final).toBe(true);
    expect(northBefore.total).toMatchObject({ homesMonitored: 20, alerts: { total: 20 }, falls: { total: 10 } });
    const southBefore = await week(sian, BEFORE);
    expect(southBefore.total).toMatchObject({ homesMonitored: 10, falls: { total: 0 } });

    // 16 December: the moving scheme is transferred to South.
    expect((await admin.json('PUT', `/api/hubs/${MOVES}/council`, { council: 'South' })).status).toBe(200);

    // North's final report of November's week does not change; South's does not gain a scheme it did not serve then.
    // Before the fix: North 10 homes and 0 falls, South 20 homes and 10 falls (the difference: the scheme's falls).
    const northAgain = await week(nora, BEFORE);
    expect(northAgain.final).toBe(true);
    expect(northAgain.total).toEqual(northBefore.total);
    expect(northAgain.weeks).toEqual(northBefore.weeks);
    const southAgain = await week(sian, BEFORE);
    expect(southAgain.total).toEqual(southBefore.total);

    // From the move on the scheme is South's: the week of 21 December, asked once its follow-up has ended.
    clock.advanceTo(Date.UTC(2027, 0, 20, 10, 0, 0));
    await storeWeek(AFTER);
    const northAfter = await week(nora, AFTER);
    expect(northAfter.total).toMatchObject({ homesMonitored: 10, alerts: { total: 10 }, falls: { total: 0 } });
    const southAfter = await week(sian, AFTER);
    expect(southAfter.total).toMatchObject({ homesMonitored: 20, alerts: { total: 20 }, falls: { total: 10 } });
    // The centre's own report (every hub) is as it was: 30 homes each week.
    expect((await week(admin, BEFORE)).total.homesMonitored).toBe(30);
    expect((await week(admin, AFTER)).total.homesMonitored).toBe(30);
  });
});
