// Review, session 68: a hub that sends no daily features (set up without HUB_COUNCIL_KEY, docs/uplink.md) counted its
// alerts in the council report but none of its homes: a scheme of 30 flats whose installer left the key out added 30
// falls to the week and no home to "homes monitored", so the falls per home monitored, the figure a council compares
// across weeks and schemes, read four times what it was, and nothing said why. Now the report says how many hubs sent
// alerts in the period but no day of features (`hubsWithoutFeatures`, suppressed as any count; CSV
// `all,summary,hubs,withoutFeatures`), and the Council page says their homes are not among the homes monitored.
// Real console and PostgreSQL; days and alert versions stored as the workers store them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ConsoleClient,
  consoleWithSupervisor,
  hubAlert,
  JULY_WEEK,
  missingForConsole,
  numberedHomes,
  storeAlert,
  storeDays,
  type ConsoleEnv,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the no-features council report test: ${missing}`);

const PASSWORD = 'a-long-password-1';

describe.skipIf(missing !== undefined)('review s68: a hub that sends alerts but no daily features', () => {
  let env: ConsoleEnv;
  let supervisor: ConsoleClient;
  const clock = new FakeClock(Date.UTC(2026, 7, 10, 9, 0, 0));

  beforeAll(async () => {
    ({ env, supervisor } = await consoleWithSupervisor({ clock }, PASSWORD));
  });

  afterAll(async () => {
    await env?.stop();
  });

  const falls = async (hubId: string, count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      await storeAlert(
        env.pool,
        hubId,
        hubAlert(`mf${String(i)}-fall`, {
          kind: 'fall',
          severity: 'critical',
          homeId: `flat-${String(i)}`,
          raisedAt: '2026-07-08T10:00:00.000Z',
          lastSeenAt: '2026-07-08T10:00:00.000Z',
        }),
      );
    }
  };

  it('says how many hubs sent alerts but no day of features, in the JSON and the CSV', async () => {
    // A scheme of 10 flats with the key: its days and 10 falls. Three schemes of 10 flats without it: 30 falls, no day.
    await storeDays(env.pool, 's68-keyed', numberedHomes('keyed', 10), JULY_WEEK);
    await falls('s68-keyed', 10);
    for (const hubId of ['s68-keyless-1', 's68-keyless-2', 's68-keyless-3']) await falls(hubId, 10);

    const { status, body } = await supervisor.json('GET', '/api/reports/council?from=2026-07-06&to=2026-07-12');
    expect(status).toBe(200);
    expect(body.total).toMatchObject({ homesMonitored: 10, falls: { total: 40 } });
    expect(body.hubsWithoutFeatures).toBe('*');
    expect(body.disclosure).toMatch(/no daily features/);
    const csv = await (
      await supervisor.request('GET', '/api/reports/council?from=2026-07-06&to=2026-07-12&format=csv')
    ).text();
    expect(csv.split('\r\n')).toContain('all,summary,hubs,withoutFeatures,*');
    // A week in which every hub sent its days: none.
    const june = await supervisor.json('GET', '/api/reports/council?from=2026-06-01&to=2026-06-07');
    expect(june.body.hubsWithoutFeatures).toBe(0);
  });
});
