// Review, session 49: an analyst's report of an ended month must not change while the next month is under way. Its
// follow-up figures (what followed a routine-change flag within 14 days) and its outcomes looked at alerts raised and
// resolved after the month, up to the moment of asking: asked each day, the November report told on which day of
// December the resident fell.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { USER_PASSWORD, login, raiseAlert, startDashboard, userWithRole, type Dashboard } from './support.js';

let hub: Dashboard | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const DAY = 86_400_000;

describe("an analyst's report of an ended month", () => {
  it('says nothing of the month under way: not a fall after a flag, nor when the flag was resolved', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 28, 9, 0, 0));
    hub = await startDashboard({ analytics: undefined, clock });
    const flag = raiseAlert(hub.alerts, clock, {
      kind: 'routine-change',
      severity: 'low',
      detail: { feature: 'bathroomVisitsNight' },
    });
    await userWithRole(hub.app, 'analyst');
    const november = async () => {
      const cookie = await login(hub!.app, 'analyst1', USER_PASSWORD);
      const res = await hub!.app.inject({
        url: '/api/reports/prevention?from=2026-11-01&to=2026-11-30',
        headers: { cookie },
      });
      expect(res.statusCode).toBe(200);
      return res.json<Record<string, unknown>>();
    };
    const figures = (report: Record<string, unknown>) => ({ ...report, generatedAt: undefined });

    clock.advanceTo(Date.UTC(2026, 11, 2, 9, 0, 0));
    const before = await november();

    // 3 December: the resident falls, a carer visits; the flag is closed with the visit on the 4th.
    clock.advanceTo(Date.UTC(2026, 11, 3, 6, 0, 0));
    const fall = raiseAlert(hub.alerts, clock, { kind: 'fall' });
    expect(hub.alerts.resolve(fall.id, 'carer-visit', null, 'responder1').ok).toBe(true);
    clock.advanceTo(clock.now() + DAY);
    expect(hub.alerts.resolve(flag.id, 'carer-visit', null, 'responder1').ok).toBe(true);
    clock.advanceTo(clock.now() + DAY);

    // Still December: November's report reads as it did on the 2nd.
    expect(figures(await november())).toEqual(figures(before));

    // Once December has ended, November's follow-up is known as a whole month's.
    clock.advanceTo(Date.UTC(2027, 0, 2, 9, 0, 0));
    const after = await november();
    expect(after.routineChanges).toMatchObject({ followedByFall: '*', followedByIntervention: '*' });
  });
});
