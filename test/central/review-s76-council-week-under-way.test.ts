// Review, session 76: the week under way read as a week without alerts. The council report reads only what was known
// before `knownBy`, for a supervisor's period asked up to today the Monday that starts the week under way (session 49:
// so that a report does not move day by day). The Council page asks for the last 8 weeks up to today by default, so its
// last column, "Week from 7 Dec", always said 0 homes monitored, 0 alerts, 0 falls, and its charts dropped to 0 there,
// while the scheme's days and calls of that week were stored: no data looked like the quietest week of the period. Now
// a week that begins at or after `knownBy` is marked `notYetKnown: true` in the JSON, has a CSV row
// `<week>,report,status,known,not yet`, and the page says "not known yet" in its column and draws no bar for it. An
// analyst's weeks have all ended, and never carry the mark.
// Real console and PostgreSQL (days and alert versions stored as the workers store them), and Debian's chromium.
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
import { createOperator } from '../../central/console/index.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the council week-under-way test: ${missing}`);

const PASSWORD = 'a-long-password-1';

describe.skipIf(missing !== undefined)('review s76: the week under way in the council report', () => {
  let env: ConsoleEnv;
  let supervisor: ConsoleClient;
  let analyst: ConsoleClient;
  // Wednesday 12 August 2026: the week under way began on Monday 10 August.
  const clock = new FakeClock(Date.UTC(2026, 7, 12, 9, 0, 0));

  beforeAll(async () => {
    ({ env, supervisor } = await consoleWithSupervisor({ clock }, PASSWORD));
    const days = ['2026-07-27', '2026-07-28', '2026-08-03', '2026-08-04', '2026-08-10', '2026-08-11'];
    await storeDays(env.pool, 's76-scheme', numberedHomes('scheme', 10), days);
    for (const [i, raisedAt] of ['2026-07-28T10:00:00.000Z', '2026-08-11T10:00:00.000Z'].entries()) {
      await storeAlert(
        env.pool,
        's76-scheme',
        hubAlert(`w${String(i)}`, { kind: 'fall', severity: 'critical', raisedAt, lastSeenAt: raisedAt }),
      );
    }
    analyst = await councilAnalyst(env, ['s76-scheme'], 'North');
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('marks the weeks from knownBy on as not known yet, in the JSON and the CSV', async () => {
    const { status, body } = await supervisor.json('GET', '/api/reports/council?from=2026-07-27&to=2026-08-12');
    expect(status).toBe(200);
    expect(body.knownBy).toBe('2026-08-10T00:00:00.000Z');
    expect(body.weeks.map((w: { from: string }) => w.from)).toEqual(['2026-07-27', '2026-08-03', '2026-08-10']);
    // The week under way: its stored days and fall are not read, and it says so.
    expect(body.weeks[2]).toMatchObject({ homesMonitored: 0, falls: { total: 0 }, notYetKnown: true });
    expect(body.weeks[0]).toMatchObject({ homesMonitored: 10, falls: { total: '*' } });
    expect(body.weeks[0].notYetKnown).toBeUndefined();
    expect(body.weeks[1].notYetKnown).toBeUndefined();
    expect(body.total.notYetKnown).toBeUndefined();
    expect(body.disclosure).toMatch(/notYetKnown/);
    const csv = (
      await (await supervisor.request('GET', '/api/reports/council?from=2026-07-27&to=2026-08-12&format=csv')).text()
    ).split('\r\n');
    expect(csv).toContain('2026-08-10,report,status,known,not yet');
    expect(csv.filter((line) => line.includes('not yet'))).toHaveLength(1);

    // An analyst's report (whole ended months of weeks): no week is marked.
    const july = await analyst.json('GET', '/api/reports/council?from=2026-07-27&to=2026-08-12');
    expect(july.status).toBe(200);
    expect(july.body.weeks.some((w: { notYetKnown?: true }) => w.notYetKnown)).toBe(false);
  });
});

const runnable = consoleInChromiumRunnable('the council week-under-way page test');

describe.skipIf(!runnable)('review s76: the week under way on the Council page, in a browser', () => {
  const stage = centreConsoleInChromium();

  beforeAll(async () => {
    await createOperator(stage.env.pool, { username: 'sue', role: 'supervisor', password: PASSWORD });
  });

  it('says "not known yet" for the week under way instead of zeros', async () => {
    const context = await stage.newContext();
    const page = await context.newPage();
    await page.goto(`${stage.env.url}/login?next=/council`);
    await page.getByLabel('Username').fill('sue');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${stage.env.url}/council`);
    await page.locator('#council-table').waitFor();
    // The default period ends today: its last week is the week under way, whatever the day.
    const headers = await page.locator('#council-table thead th').allTextContents();
    expect(headers.at(-2)).toMatch(/^Week from .+ \(not known yet\)$/);
    expect(headers.filter((h) => h.includes('not known yet'))).toHaveLength(1);
    const alertsRow = await page.locator('#council-table tbody tr').nth(2).locator('td').allTextContents();
    expect(alertsRow.at(-2)).toBe('not known yet');
  });
});
