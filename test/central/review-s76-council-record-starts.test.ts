// Review, session 76: a council report over weeks before any of its hubs was heard read as good news. A council whose
// scheme was connected to the centre in the second week of July asked for June, or for July: every week before said
// 0 homes, 0 alerts, 0 falls, and "Final", the same as weeks in which nothing happened; nothing told "no data" from
// "no falls". Now the report says where the centre's record of its hubs begins (`recordStartsOn`: the first day of
// the first week in which any of them had been heard, first seen, a day of features or an alert; the day after the
// period when none had been heard by its end; null when the record covers the period), in the JSON, the CSV
// (`all,report,record,startsOn`) and on the Council page. A week, not an instant: an alert's time would say more than
// the weeks do. Another council's hub, heard earlier, does not count for this council.
// Real console and PostgreSQL; days and alert versions stored as the workers store them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ConsoleClient,
  consoleWithSupervisor,
  councilAnalyst,
  hubAlert,
  missingForConsole,
  numberedHomes,
  storeAlert,
  storeDays,
  type ConsoleEnv,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the council record-start test: ${missing}`);

const PASSWORD = 'a-long-password-1';

/** The dates `from..to` (YYYY-MM-DD), inclusive. */
function dates(from: string, to: string): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += 86_400_000) {
    out.push(new Date(ms).toISOString().slice(0, 10));
  }
  return out;
}

describe.skipIf(missing !== undefined)('review s76: weeks before any hub of the report was heard', () => {
  let env: ConsoleEnv;
  let supervisor: ConsoleClient;
  let analyst: ConsoleClient;
  const clock = new FakeClock(Date.UTC(2026, 7, 10, 9, 0, 0));

  beforeAll(async () => {
    ({ env, supervisor } = await consoleWithSupervisor({ clock }, PASSWORD));
    const hub = async (hubId: string, firstSeen: string): Promise<void> => {
      await env.pool.query(
        `INSERT INTO central_hubs (hub_id, first_seen_at, last_seen_at, status) VALUES ($1, $2, $3, 'online')`,
        [hubId, new Date(firstSeen), new Date(clock.now())],
      );
    };
    // The North scheme: connected on Wednesday 8 July, its 10 homes' days from then on, and a fall on the 9th.
    await hub('s76-north', '2026-07-08T09:00:00.000Z');
    await storeDays(env.pool, 's76-north', numberedHomes('north', 10), dates('2026-07-08', '2026-08-02'));
    await storeAlert(
      env.pool,
      's76-north',
      hubAlert('n1', {
        kind: 'fall',
        severity: 'critical',
        raisedAt: '2026-07-09T14:07:31.000Z',
        lastSeenAt: '2026-07-09T14:07:31.000Z',
      }),
    );
    // The South scheme, another council's, heard since May.
    await hub('s76-south', '2026-05-20T09:00:00.000Z');
    await storeDays(env.pool, 's76-south', numberedHomes('south', 10), dates('2026-06-01', '2026-08-02'));
    analyst = await councilAnalyst(env, ['s76-north'], 'North');
    const admin = new ConsoleClient(env.url);
    expect((await admin.login('admin', 'admin-password-for-tests')).status).toBe(200);
    expect((await admin.json('PUT', '/api/hubs/s76-south/council', { council: 'South' })).status).toBe(200);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('says from which week the council’s hubs were heard, in the JSON and the CSV', async () => {
    // July's month of weeks (29 June to 2 August): North was heard from the week of 6 July.
    const july = await analyst.json('GET', '/api/reports/council?from=2026-07-06&to=2026-07-12');
    expect(july.status).toBe(200);
    expect(july.body.period).toMatchObject({ from: '2026-06-29', to: '2026-08-02' });
    expect(july.body.recordStartsOn).toBe('2026-07-06');
    expect(july.body.weeks[0]).toMatchObject({ homesMonitored: 0, alerts: { total: 0 } });
    expect(july.body.disclosure).toMatch(/recordStartsOn/);
    // Only the week: not the day it was first seen, nor the fall's time.
    expect(JSON.stringify(july.body)).not.toMatch(/2026-07-0[89]|14:07/);
    const csv = await (
      await analyst.request('GET', '/api/reports/council?from=2026-07-06&to=2026-07-12&format=csv')
    ).text();
    expect(csv.split('\r\n')).toContain('all,report,record,startsOn,2026-07-06');

    // June, before any North hub was heard: the day after the period, nothing of it is known.
    const june = await analyst.json('GET', '/api/reports/council?from=2026-06-01&to=2026-06-28');
    expect(june.status).toBe(200);
    expect(june.body.period).toMatchObject({ from: '2026-06-01', to: '2026-06-28' });
    expect(june.body.recordStartsOn).toBe('2026-06-29');

    // The whole centre (a supervisor's report): South was heard from May, so the record covers June and July.
    const all = await supervisor.json('GET', '/api/reports/council?from=2026-06-01&to=2026-06-28');
    expect(all.body.recordStartsOn).toBeNull();
    const allCsv = await (
      await supervisor.request('GET', '/api/reports/council?from=2026-06-01&to=2026-06-28&format=csv')
    ).text();
    expect(allCsv.split('\r\n')).toContain('all,report,record,startsOn,');
    // A supervisor's period begun mid-week: the week of the first hub heard, clipped to the period.
    const mid = await supervisor.json('GET', '/api/reports/council?from=2026-05-13&to=2026-05-31');
    expect(mid.body.recordStartsOn).toBe('2026-05-18');
  });
});
