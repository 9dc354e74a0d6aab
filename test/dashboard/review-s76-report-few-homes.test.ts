// Review, session 76: a hub of 1 to 7 homes. Suppression hid a count of 1 to 7, not whether it was 0: the analyst of a
// one-flat hub read November's `homesMonitored: *` and, per kind, 0 or `*`, so "falls `*`" was that resident's fall
// that month. Now an analyst's month of 1 to 7 homes publishes every count as `*`, 0 included (JSON and CSV), and a run
// of months holding one gives `*` for what is not its months' figures added up (residents with, the median). An admin's
// report is the hub's record as before. The real dashboard by `inject`, the real alert service and report over a real
// SQLite file in a temp dir.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import {
  ADMIN_PASSWORD,
  USER_PASSWORD,
  askReport,
  login,
  raiseAlert,
  startDashboard,
  userWithRole,
  type Dashboard,
} from './support.js';

let hub: Dashboard | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/** Every count-like leaf of a report (not its dates, texts, days off or follow-up days), with its path. */
function counts(report: Record<string, unknown>): [string, unknown][] {
  const skip = new Set([
    'report',
    'period',
    'generatedAt',
    'disclosure',
    'knownBy',
    'final',
    'hubOffDays',
    'recordEndsAt',
    'recordStartsAt',
    'followUpDays',
    'severities',
  ]);
  const walk = (value: unknown, path: string): [string, unknown][] =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value as Record<string, unknown>)
          .filter(([k]) => !skip.has(k))
          .flatMap(([k, v]) => walk(v, path ? `${path}.${k}` : k))
      : [[path, value]];
  return walk(report, '');
}

describe("an analyst's report of a hub of 1 to 7 homes", () => {
  it('publishes no count about people, 0 included; an admin’s is as it was', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 20, 9, 0, 0));
    hub = await startDashboard({ analytics: undefined, clock });
    // 20 November: the one flat's resident falls; a carer visits.
    const fall = raiseAlert(hub.alerts, clock, { homeId: 'h1', kind: 'fall', severity: 'critical' });
    expect(hub.alerts.resolve(fall.id, 'carer-visit', null, 'responder1').ok).toBe(true);
    // 10 December: ten flats press their pendants (a hub of 8 homes or more that month).
    clock.advanceTo(Date.UTC(2026, 11, 10, 9, 0, 0));
    for (let i = 0; i < 10; i++) raiseAlert(hub.alerts, clock, { homeId: `d${String(i)}` });
    clock.advanceTo(Date.UTC(2027, 1, 2, 9, 0, 0));
    await userWithRole(hub.app, 'analyst');
    const ask = async (from: string, to: string, format: 'json' | 'csv', role: 'analyst' | 'admin' = 'analyst') =>
      askReport(
        hub!.app,
        role === 'analyst'
          ? await login(hub!.app, 'analyst1', USER_PASSWORD)
          : await login(hub!.app, 'admin', ADMIN_PASSWORD),
        from,
        to,
        format,
      );

    // November, one flat: before, homes `*`, falls `*`, every other kind 0 (the fall was that resident's).
    const november = (await ask('2026-11-01', '2026-11-30', 'json')).json<Record<string, unknown>>();
    const leaves = counts(november);
    expect(leaves.length).toBeGreaterThan(40);
    for (const [path, v] of leaves) expect({ path, v }).toEqual({ path, v: '*' });
    expect(november.disclosure).toMatch(/1 to 7 homes were monitored publishes no count about people/);
    const csv = (await ask('2026-11-01', '2026-11-30', 'csv')).body
      .trim()
      .split('\r\n')
      .slice(1)
      .map((r) => r.split(','));
    const people = csv.filter(([section]) =>
      ['alerts', 'acknowledgement', 'outcomes', 'falls', 'routine-change', 'residents'].includes(section!),
    );
    expect(people.length).toBeGreaterThan(40);
    for (const row of people) expect({ row: row.join(','), v: row[3] }).toEqual({ row: row.join(','), v: '*' });
    expect(csv).toContainEqual(['alerts', 'pendant', 'count', '*']);

    // November and December: December's 10 homes published, November counted as 0 in the sums; residents with and the
    // median, the run's own, `*` (residents with a fall `*` against December's 0 falls told November's fall).
    const run = (await ask('2026-11-01', '2026-12-31', 'json')).json<{
      homesMonitored: unknown;
      alerts: { byKind: Record<string, unknown> };
      acknowledgement: { medianSeconds: unknown };
      residentsWith: Record<string, unknown>;
    }>();
    expect(run.homesMonitored).toBe(10);
    expect(run.alerts.byKind).toMatchObject({ pendant: 10, fall: '*', smoke: '*' });
    expect(run.acknowledgement.medianSeconds).toBe('*');
    expect(run.residentsWith).toEqual({ alerts: '*', falls: '*', routineChanges: '*' });
    // December alone, 10 homes: as it was.
    const december = (await ask('2026-12-01', '2026-12-31', 'json')).json<Record<string, unknown>>();
    expect(december).toMatchObject({ homesMonitored: 10, alerts: { byKind: { pendant: 10, fall: 0 } } });

    // An admin's November: the hub's record as before, the 0s shown.
    const admin = (await ask('2026-11-01', '2026-11-30', 'json', 'admin')).json<Record<string, unknown>>();
    expect(admin).toMatchObject({ homesMonitored: '*', alerts: { byKind: { fall: '*', pendant: 0 } } });
    expect(admin.disclosure).not.toMatch(/publishes no count about people/);
  });
});

const haveChromium = chromiumAvailable('the council page of a hub of few homes');
const pageClock = new FakeClock(Date.UTC(2026, 10, 20, 9, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock: pageClock });

describe.skipIf(!haveChromium)("the council page of a hub of 1 to 7 homes, in Debian's chromium", () => {
  it('says in words that no figure about people is shown, with no chart of `*`', async () => {
    raiseAlert(stage.dashboard.alerts, pageClock, { homeId: 'h1', kind: 'fall', severity: 'critical' });
    pageClock.advanceTo(Date.UTC(2027, 1, 2, 9, 0, 0));
    await userWithRole(stage.dashboard.app, 'analyst', 'ana');
    const page = await loggedInPage(stage.browser, stage.base, 1024, 'ana', USER_PASSWORD);
    try {
      await page.goto(`${stage.base}/council?from=2026-11-01&to=2026-11-30`);
      await page.locator('#few-homes').waitFor();
      expect(await page.locator('#few-homes').textContent()).toBe(
        'Fewer than 8 homes were monitored in this period: no figure about people is shown (not even 0), so that nobody can be recognised.',
      );
      expect(await page.getByRole('heading', { name: 'Alerts by kind' }).count()).toBe(0);
      expect(await page.locator('#charts rect.bar').count()).toBe(0);
      expect(await page.locator('#summary').textContent()).not.toMatch(/Falls and possible falls/);
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
