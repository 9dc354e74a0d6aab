// Review, session 62: retiring a hub hid its unanswered calls from the council's acknowledgement figures. `telecare
// central hub remove` (session 61) closes each open alert of the hub as `cancelled` (nobody gave it an outcome). The
// council report takes SPEC 7's "time to acknowledge" from the hub's report (analytics/report.ts), which leaves out an
// alert "cancelled before anyone acknowledged it": on a hub that is an alert the hub itself withdrew (a possible fall
// the resident got up from), which needed no answer. A call cancelled by the retirement did need one and never got it:
// before, ten critical pendant calls nobody answered counted in the week's critical and high alerts (none within 60 s)
// until the hub was retired, and then vanished from them, so the week read as if there had been no call to answer.
// Real console and PostgreSQL; the retirement through `retireHubAtCentre`, what the CLI runs at the centre.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { retireHubAtCentre } from '../../central/retire.js';
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
if (missing) console.warn(`skipping the council report's retired-hub test: ${missing}`);

const PASSWORD = 'a-long-password-1';
const HUB = 's62-retired-hub';
const OTHER = 's62-other-hub';

describe.skipIf(missing !== undefined)("the council report's calls of a retired hub", () => {
  let env: ConsoleEnv;
  let supervisor: ConsoleClient;
  // Monday 20 July 2026: the week of 6 July is known (its follow-up still runs, so the report is not final).
  const clock = new FakeClock(Date.UTC(2026, 6, 20, 9, 0, 0));

  beforeAll(async () => {
    ({ env, supervisor } = await consoleWithSupervisor({ clock }, PASSWORD));
  });

  afterAll(async () => {
    await env?.stop();
  });

  const week = async (): Promise<Json> => {
    const { status, body } = await supervisor.json('GET', '/api/reports/council?from=2026-07-06&to=2026-07-12');
    expect(status).toBe(200);
    return body.total;
  };

  it('still counts its unanswered calls as calls not answered, and withdrawn ones of other hubs still not', async () => {
    // Ten pendant calls at the hub on Tuesday 7 July, none acknowledged (the box was then taken out of the home).
    for (let i = 0; i < 10; i++) {
      await storeAlert(
        env.pool,
        HUB,
        hubAlert(`press-${String(i)}`, {
          kind: 'pendant',
          severity: 'critical',
          homeId: `home-${String(i)}`,
          raisedAt: '2026-07-07T10:00:00.000Z',
          lastSeenAt: '2026-07-07T10:00:00.000Z',
        }),
      );
    }
    // Ten possible falls another hub withdrew itself (the resident got up) before anyone acknowledged them: these
    // needed no answer, and stay out of the acknowledgement figures (SPEC 7, as the hub's own report).
    for (let i = 0; i < 10; i++) {
      await storeAlert(
        env.pool,
        OTHER,
        hubAlert(`withdrawn-${String(i)}`, {
          kind: 'possible-fall',
          severity: 'high',
          state: 'cancelled',
          homeId: `home-${String(i)}`,
          raisedAt: '2026-07-08T10:00:00.000Z',
          resolvedAt: '2026-07-08T10:02:00.000Z',
          lastSeenAt: '2026-07-08T10:00:00.000Z',
        }),
      );
    }
    // And a low smoke alert another hub closed as a false alarm (not a call: no answer time): a second outcome, so
    // that the outcomes are published (session 72: one outcome holding every alert is withheld, being the total).
    await storeAlert(
      env.pool,
      OTHER,
      hubAlert('smoke-test', {
        kind: 'smoke',
        severity: 'low',
        state: 'resolved',
        homeId: 'home-smoke',
        raisedAt: '2026-07-09T10:00:00.000Z',
        resolvedAt: '2026-07-09T10:05:00.000Z',
        outcome: 'false-alarm',
        lastSeenAt: '2026-07-09T10:00:00.000Z',
      }),
    );
    const before = await week();
    expect(before.acknowledgement).toMatchObject({ alerts: 10, within60s: 0, shareWithin60s: 0 });
    expect(before.outcomes.open).toBe(10);

    // The hub is retired on Wednesday 15 July: its ten open calls are cancelled at the centre.
    const retired = await retireHubAtCentre(env.pool, HUB, 'installer-ian', new Date(Date.UTC(2026, 6, 15, 9, 0, 0)));
    expect(retired.closedAlerts).toBe(10);

    const after = await week();
    // Still ten calls that needed an answer and got none (before the fix: 0 alerts, share null: as if no call).
    expect(after.acknowledgement).toEqual(before.acknowledgement);
    // Closed without an outcome: counted as cancelled (session 61), no longer open.
    expect(after.outcomes.cancelled).toBe(20);
    expect(after.outcomes.open).toBe(0);
    expect(after.outcomes['false-alarm']).toBe('*');
    expect(after.alerts.total).toBe(20);
  });
});
