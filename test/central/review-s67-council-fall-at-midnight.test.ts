// Review, session 67: the centre's council report counted a fall again in a period begun while the resident was still
// on the floor. A wearable reports a fall at 23:50 on Sunday (a `fall` alert, an ambulance on its way); lying still
// after midnight, the hub's silence rule raises a `possible-fall` about the same fall. The hub's report (SPEC 7) counts
// that possible fall as the open fall, looking a day back before its period (`fallsOf`, session 64); the centre's
// looked for the open fall only among the period's own alerts. So the week from Monday counted each such fall again,
// after the week before had counted it: ten residents who fell on Sunday night read as ten falls in each of two weekly
// reports, and the hospital admissions after them twice. Real console and PostgreSQL, alerts stored as the workers do.
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
if (missing) console.warn(`skipping the council fall-at-midnight test: ${missing}`);

const PASSWORD = 'a-long-password-1';
const HUB = 's67-midnight-hub';

describe.skipIf(missing !== undefined)("the centre's council report of a fall across midnight", () => {
  let env: ConsoleEnv;
  let supervisor: ConsoleClient;
  // Long after both weeks and their follow-up: the reports are final.
  const clock = new FakeClock(Date.UTC(2026, 11, 20, 9, 0, 0));

  beforeAll(async () => {
    ({ env, supervisor } = await consoleWithSupervisor({ clock }, PASSWORD));
    for (let i = 0; i < 10; i++) {
      const homeId = `flat-${String(i)}`;
      // The wearable's fall at 23:50 on Sunday 8 November, acknowledged at once, closed at 01:30 with an ambulance.
      await storeAlert(
        env.pool,
        HUB,
        hubAlert(`fall-${String(i)}`, {
          kind: 'fall',
          severity: 'critical',
          homeId,
          state: 'resolved',
          raisedAt: '2026-11-08T23:50:00.000Z',
          acknowledgedAt: '2026-11-08T23:50:30.000Z',
          acknowledgedBy: 'resp',
          resolvedAt: '2026-11-09T01:30:00.000Z',
          outcome: 'ambulance',
          lastSeenAt: '2026-11-08T23:50:00.000Z',
          version: 3,
        }),
      );
      // The silence rule's possible fall at 00:20 on Monday, the resident still on the floor, closed with the fall.
      await storeAlert(
        env.pool,
        HUB,
        hubAlert(`possible-${String(i)}`, {
          kind: 'possible-fall',
          severity: 'critical',
          homeId,
          state: 'resolved',
          raisedAt: '2026-11-09T00:20:00.000Z',
          acknowledgedAt: '2026-11-09T00:20:40.000Z',
          acknowledgedBy: 'resp',
          resolvedAt: '2026-11-09T01:30:00.000Z',
          outcome: 'hospital-admission',
          lastSeenAt: '2026-11-09T00:20:00.000Z',
          version: 3,
        }),
      );
    }
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('counts each fall once, in the week it began, whichever week the report starts on', async () => {
    const both = await supervisor.json('GET', '/api/reports/council?from=2026-11-02&to=2026-11-15');
    expect(both.status).toBe(200);
    expect(both.body.weeks.map((w: Json) => [w.from, w.falls.total])).toEqual([
      ['2026-11-02', 10],
      ['2026-11-09', 0],
    ]);
    const monday = await supervisor.json('GET', '/api/reports/council?from=2026-11-09&to=2026-11-15');
    expect(monday.status).toBe(200);
    const week: Json = monday.body.total;
    expect([week.falls.total, week.falls.possibleFall, week.falls.outcomes['hospital-admission']]).toEqual([0, 0, 0]);
    // Still an alert of its kind, as in the hub's report.
    expect(week.alerts.byKind['possible-fall']).toBe(10);
  });
});
