// Review, session 51: the centre's council report counted routine-change ALERTS, under the first flag's feature, in
// the week each alert was raised. A hub merges a second flag for a home (another habit, the same day or days later)
// into the open routine-change alert, now keeping it in `detail.laterFlags`: each flag counts, in the week it was
// made, under its own feature, even when its alert was raised before the period. The real console on PostgreSQL,
// alert versions stored as the workers store them.
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
if (missing) console.warn(`skipping the council flags tests: ${missing}`);

const PASSWORD = 'a-long-password-1';
const HUB = 's51-hub';

/** A flag merged into an open routine-change alert, as the hub keeps it (hub/alerts/lifecycle.ts). */
const later = (feature: string, change: string, date: string, seenAt: string) => ({
  feature,
  change,
  direction: change === 'down' ? 'down' : 'up',
  days: 3,
  date,
  values: [1, 1, 1],
  baseline: { median: 7 },
  unit: 'count',
  eventAt: seenAt,
  seenAt,
});

describe.skipIf(missing !== undefined)("the centre's council report of routine-change flags", () => {
  let env: ConsoleEnv;
  let supervisor: ConsoleClient;
  const clock = new FakeClock(Date.UTC(2027, 0, 20, 9, 0, 0));

  beforeAll(async () => {
    ({ env, supervisor } = await consoleWithSupervisor({ clock }, PASSWORD));
  });

  afterAll(async () => {
    await env?.stop();
  });

  const council = async (from: string, to: string): Promise<Json> => {
    const { status, body } = await supervisor.json('GET', `/api/reports/council?from=${from}&to=${to}`);
    expect(status).toBe(200);
    return body;
  };

  it('counts each flag of an alert in the week it was made, under its own feature', async () => {
    // Eight homes: night bathroom visits up on 28 October (the alert left open), then rising later on Tuesday 3
    // November and kitchen uses down on Tuesday 10 November, both merged into it.
    for (let h = 1; h <= 8; h++) {
      await storeAlert(
        env.pool,
        HUB,
        hubAlert(`flag-${h}`, {
          kind: 'routine-change',
          severity: 'low',
          homeId: `h${h}`,
          raisedAt: '2026-10-28T09:00:00.000Z',
          lastSeenAt: '2026-11-10T09:00:00.000Z',
          count: 3,
          detail: {
            feature: 'bathroomVisitsNight',
            change: 'up',
            direction: 'up',
            days: 3,
            laterFlags: [
              later('risingTime', 'later', '2026-11-02', '2026-11-03T09:00:00.000Z'),
              later('kitchenUses', 'down', '2026-11-09', '2026-11-10T09:00:00.000Z'),
            ],
          },
        }),
      );
    }

    const october = await council('2026-10-01', '2026-10-31');
    expect(october.total.routineChanges).toMatchObject({
      flags: 10, // 8
      byFeature: { bathroomVisitsNight: 10, risingTime: 0, kitchenUses: 0 },
    });

    // Before: no routine-change alert was raised in November, so November counted no flag at all.
    const november = await council('2026-11-01', '2026-11-30');
    expect(november.total.routineChanges).toMatchObject({
      flags: 20, // 16: the weeks' 10 + 10 as published (session 70)
      byFeature: { bathroomVisitsNight: 0, risingTime: 10, kitchenUses: 10 },
    });
    expect(november.total.alerts.byKind['routine-change']).toBe(0);
    const week = (from: string): Json => (november.weeks as Json[]).find((w: Json) => w.from === from)!;
    expect(week('2026-11-02').routineChanges).toMatchObject({
      flags: 10,
      byFeature: { risingTime: 10, kitchenUses: 0 },
    });
    expect(week('2026-11-09').routineChanges).toMatchObject({
      flags: 10,
      byFeature: { risingTime: 0, kitchenUses: 10 },
    });
    expect(week('2026-11-16').routineChanges).toMatchObject({ flags: 0 });
  });
});
