// Review, session 67: the centre had no role for a council's reader. Its council report was for supervisors only, so a
// council analyst given the report at an alarm receiving centre was a supervisor: every hub's open and closed alerts
// with their detail (the home, the room, the resident's silence and last sensor), the hub list, and the buttons to
// acknowledge and resolve calls. SPEC 9's analyst sees aggregated data only. Now the centre has `analyst`: the council
// report of whole weeks that have ended (as the hub's analyst sees whole ended months) and nothing else. Real console,
// PostgreSQL and nats-server; alert versions stored as the workers store them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { createOperator } from '../../central/console/index.js';
import { migrateConsole } from '../../central/console/schema.js';
import {
  ConsoleClient,
  hubAlert,
  missingForConsole,
  startConsoleEnv,
  storeAlert,
  type ConsoleEnv,
  type Json,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the council reader test: ${missing}`);

const PASSWORD = 'a-long-password-1';
const HUB = 's67-reader-hub';
const ALERT = 'mp3k2-flat12-fall';

describe.skipIf(missing !== undefined)("a council's reader at the centre", () => {
  let env: ConsoleEnv;
  let analyst: ConsoleClient;
  let supervisor: ConsoleClient;
  // Wednesday 2 December 2026: the week of 23-29 November has ended, the week from 30 November is under way.
  const clock = new FakeClock(Date.UTC(2026, 11, 2, 10, 0, 0));

  beforeAll(async () => {
    env = await startConsoleEnv({ clock, reportTimezone: 'Europe/London' });
    // A console table made before this version: its role check knew three roles. A start brings it up to date.
    await env.pool.query(`ALTER TABLE console_operators DROP CONSTRAINT console_operators_role_check,
      ADD CONSTRAINT console_operators_role_check CHECK (role IN ('operator', 'supervisor', 'admin'))`);
    const client = await env.pool.connect();
    try {
      await migrateConsole(client);
    } finally {
      client.release();
    }
    // Session 68: an analyst reads the report of their council's hubs (review-s68-council-analyst.test.ts).
    await createOperator(env.pool, { username: 'cora', role: 'analyst', password: PASSWORD, council: 'North' });
    await createOperator(env.pool, { username: 'sam', role: 'supervisor', password: PASSWORD });
    analyst = new ConsoleClient(env.url);
    supervisor = new ConsoleClient(env.url);
    expect((await analyst.login('cora', PASSWORD)).status).toBe(200);
    expect((await supervisor.login('sam', PASSWORD)).status).toBe(200);
    // One resident's fall, still open, and ten pendant calls of other homes on Tuesday 17 November.
    await storeAlert(
      env.pool,
      HUB,
      hubAlert(ALERT, {
        kind: 'possible-fall',
        severity: 'critical',
        homeId: 'flat-12',
        room: 'bathroom',
        raisedAt: '2026-11-17T07:40:00.000Z',
        lastSeenAt: '2026-11-17T07:40:00.000Z',
        detail: { silenceMinutes: 48, thresholdMinutes: 45, lastRoom: 'bathroom', lastDevice: 'bath-pir' },
      }),
    );
    await env.pool.query(`UPDATE central_hubs SET council = 'North' WHERE hub_id = $1`, [HUB]);
    for (let i = 0; i < 10; i++) {
      await storeAlert(
        env.pool,
        HUB,
        hubAlert(`pendant-${String(i)}`, {
          kind: 'pendant',
          severity: 'critical',
          homeId: `flat-${String(i)}`,
          raisedAt: '2026-11-17T09:00:00.000Z',
          lastSeenAt: '2026-11-17T09:00:00.000Z',
        }),
      );
    }
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('reads no alert, no hub and no operator, and acts on no call', async () => {
    const refused = [
      ['GET', '/api/alerts'],
      ['GET', '/api/alerts?state=closed&limit=10'],
      ['GET', `/api/alerts/${HUB}/${ALERT}`],
      ['GET', '/api/alerts/stream'],
      ['POST', `/api/alerts/${HUB}/${ALERT}/ack`],
      ['POST', `/api/alerts/${HUB}/${ALERT}/resolve`],
      ['GET', '/api/hubs'],
      ['GET', '/api/operators'],
      ['GET', '/api/audit'],
    ] as const;
    for (const [method, path] of refused) {
      const body = method === 'POST' ? (path.endsWith('resolve') ? { outcome: 'false-alarm' } : {}) : undefined;
      const res = await analyst.request(method, path, body, { origin: env.url });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(await res.text()).not.toContain('flat-12');
    }
    // Its pages: the alerts and hubs pages send it on to its own, the council report.
    for (const page of ['/alerts', '/hubs', '/operators']) {
      const res = await analyst.request('GET', page);
      expect({ page, status: res.status, to: res.headers.get('location') }).toEqual({ page, status: 302, to: '/' });
    }
    const home = await analyst.request('GET', '/');
    expect(home.headers.get('location')).toBe('/council');
    expect((await analyst.request('GET', '/council')).status).toBe(200);
    expect((await analyst.json('GET', '/api/me')).body).toEqual({ username: 'cora', role: 'analyst' });
  });

  it('reads the council report of whole weeks that have ended, counts only', async () => {
    const { status, body } = await analyst.json('GET', '/api/reports/council?from=2026-11-17&to=2026-12-02');
    expect(status).toBe(200);
    const report: Json = body;
    // Whole months of weeks that have ended (session 69: fixed boundaries; before, from the Monday of the first day's
    // week to the last Sunday ended): November's weeks, those whose Thursday is in November; not December's, under way.
    expect(report.period).toEqual({ from: '2026-11-02', to: '2026-11-29', timezone: 'Europe/London' });
    expect(report.weeks.map((w: Json) => [w.from, w.to, w.alerts.total])).toEqual([
      ['2026-11-02', '2026-11-08', 0],
      ['2026-11-09', '2026-11-15', 0],
      ['2026-11-16', '2026-11-22', 10],
      ['2026-11-23', '2026-11-29', 0],
    ]);
    expect(report.total.falls.total).toBe('*');
    const text = JSON.stringify(report);
    for (const name of [HUB, ALERT, 'flat-12', '"bathroom"', 'bath-pir']) expect(text).not.toContain(name);
    const csv = await analyst.request('GET', '/api/reports/council?from=2026-11-17&to=2026-11-17&format=csv');
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain('2026-11-16,period,from,date,2026-11-16');
    // A year and a week asked: its whole months of weeks (30 December 2024 to 1 February 2026) would be 399 days, so
    // the latest twelve months of weeks (session 69; before, the latest 53 weeks).
    const year = await analyst.json('GET', '/api/reports/council?from=2025-01-01&to=2026-01-06');
    expect(year.status).toBe(200);
    expect(year.body.period).toMatchObject({ from: '2025-02-03', to: '2026-02-01' });
  });

  it('is refused a day or a week under way, which a supervisor still gets', async () => {
    const underWay = await analyst.json('GET', '/api/reports/council?from=2026-12-01&to=2026-12-01');
    expect(underWay.status).toBe(400);
    expect(underWay.body.error).toBe('BAD_DATE_RANGE');
    const oneDay = await supervisor.json('GET', '/api/reports/council?from=2026-11-17&to=2026-11-17');
    expect(oneDay.status).toBe(200);
    expect(oneDay.body.period.from).toBe('2026-11-17');
    expect(oneDay.body.total.alerts.total).toBe(10);
    expect((await supervisor.json('GET', '/api/alerts')).status).toBe(200);
  });
});
