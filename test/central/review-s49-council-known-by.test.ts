// Review, session 49: the centre's council report of a past period must not move as time passes. Its routine-change
// follow-up (alerts in the 14 days after each flag), its acknowledgements and its outcomes read every alert raised and
// closed up to the moment of asking: asked each day, November's report told on which day of December the resident
// who had been flagged fell, and an outcome given weeks later changed a report already published.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ConsoleClient,
  hubAlert,
  missingForConsole,
  consoleWithSupervisor,
  storeAlert,
  type ConsoleEnv,
  type Json,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the council report tests: ${missing}`);

const PASSWORD = 'a-long-password-1';
const HUB = 's49-hub';

describe.skipIf(missing !== undefined)("the centre's council report of a past period", () => {
  let env: ConsoleEnv;
  let supervisor: ConsoleClient;
  const clock = new FakeClock(Date.UTC(2026, 10, 28, 9, 0, 0));

  beforeAll(async () => {
    ({ env, supervisor } = await consoleWithSupervisor({ clock }, PASSWORD));
  });

  afterAll(async () => {
    await env?.stop();
  });

  const november = async (): Promise<Json> => {
    const { status, body } = await supervisor.json('GET', '/api/reports/council?from=2026-11-01&to=2026-11-30');
    expect(status).toBe(200);
    return body;
  };
  const figures = (report: Json): Json => ({ weeks: report.weeks, total: report.total, hubs: report.hubs });

  it('says nothing of the weeks after it until its follow-up has ended, then never changes', async () => {
    // November: ten homes with features, a routine-change flag on the 28th, two unanswered pendant calls.
    for (let home = 0; home < 10; home++) {
      for (let day = 1; day <= 30; day++) {
        const date = `2026-11-${String(day).padStart(2, '0')}`;
        await env.pool.query(`INSERT INTO central_features (hub_id, home, day, features) VALUES ($1, $2, $3, $4)`, [
          HUB,
          `c${home}`,
          date,
          { date, activeMinutes: 300, alerts: 0 },
        ]);
      }
    }
    const flag = hubAlert('flag', {
      kind: 'routine-change',
      severity: 'low',
      homeId: 'h1',
      raisedAt: '2026-11-28T08:00:00.000Z',
      detail: { feature: 'bathroomVisitsNight' },
    });
    await storeAlert(env.pool, HUB, flag);
    const call = hubAlert('call', {
      kind: 'pendant',
      severity: 'critical',
      homeId: 'h2',
      raisedAt: '2026-11-20T10:00:00.000Z',
    });
    await storeAlert(env.pool, HUB, call);
    const slow = hubAlert('slow', {
      kind: 'pendant',
      severity: 'critical',
      homeId: 'h3',
      raisedAt: '2026-11-25T10:00:00.000Z',
    });
    await storeAlert(env.pool, HUB, slow);

    // Wednesday 2 December (the week began on Monday 30 November).
    clock.advanceTo(Date.UTC(2026, 11, 2, 9, 0, 0));
    const before = await november();
    expect(before.total.routineChanges).toMatchObject({ flags: '*', followedByFall: 0, followedByIntervention: 0 });
    // Every alert still open: one outcome alone is withheld (session 72: it is the total the kinds hide).
    expect(before.total.outcomes).toBeNull();

    // 3 December: the flagged resident falls, a carer visits; the call is answered and the flag closed with the visit.
    await storeAlert(
      env.pool,
      HUB,
      hubAlert('fall', {
        kind: 'fall',
        severity: 'critical',
        homeId: 'h1',
        raisedAt: '2026-12-03T06:00:00.000Z',
        state: 'resolved',
        acknowledgedAt: '2026-12-03T06:00:30.000Z',
        resolvedAt: '2026-12-03T07:00:00.000Z',
        outcome: 'carer-visit',
      }),
    );
    await storeAlert(env.pool, HUB, {
      ...call,
      version: 2,
      state: 'resolved',
      acknowledgedAt: '2026-12-03T08:00:00.000Z',
      resolvedAt: '2026-12-03T08:10:00.000Z',
      outcome: 'false-alarm',
    });
    await storeAlert(env.pool, HUB, {
      ...flag,
      version: 2,
      state: 'resolved',
      acknowledgedAt: '2026-12-04T09:00:00.000Z',
      resolvedAt: '2026-12-04T09:00:00.000Z',
      outcome: 'carer-visit',
    });

    // Saturday 5 December, the same week: November reads as it did on the 2nd.
    clock.advanceTo(Date.UTC(2026, 11, 5, 9, 0, 0));
    const sameWeek = await november();
    expect(figures(sameWeek)).toEqual(figures(before));
    expect(sameWeek).toMatchObject({ final: false, knownBy: '2026-11-30T00:00:00.000Z' });
    // Nor does the week under way show the fall in a report of its own days.
    const underWay = await supervisor.json('GET', '/api/reports/council?from=2026-12-01&to=2026-12-06');
    expect(underWay.status).toBe(200);
    expect(underWay.body).toMatchObject({ final: false, knownBy: '2026-11-30T00:00:00.000Z' });
    expect(underWay.body.total.alerts.total).toBe(0);

    // Once its 14 days of follow-up have ended (15 December; asked in the week of Monday 21 December), November is
    // final: the fall and the visit count, as does the answer to the call.
    clock.advanceTo(Date.UTC(2026, 11, 23, 9, 0, 0));
    const final = await november();
    expect(final.final).toBe(true);
    expect(final.knownBy).toBe('2026-12-15T00:00:00.000Z');
    expect(final.total.routineChanges).toMatchObject({ followedByFall: '*', followedByIntervention: '*' });
    expect(final.total.outcomes).toMatchObject({ 'false-alarm': '*', 'carer-visit': '*', ambulance: 0, open: '*' });

    // The call still unanswered on 15 December is answered in January: November's figures stay as published.
    await storeAlert(env.pool, HUB, {
      ...slow,
      version: 2,
      state: 'resolved',
      acknowledgedAt: '2027-01-10T10:00:00.000Z',
      resolvedAt: '2027-01-10T10:10:00.000Z',
      outcome: 'ambulance',
    });
    clock.advanceTo(Date.UTC(2027, 1, 3, 9, 0, 0));
    expect(figures(await november())).toEqual(figures(final));
  });
});
