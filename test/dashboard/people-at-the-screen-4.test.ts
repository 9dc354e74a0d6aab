// Session 36, the people at the screen, round 4 (Debian chromium; docs/consoles.md): where a wearer's pendant press or
// fall happened, said from the home's own sensors rather than the worn device's configured room; and the council
// page's dates said one way ("1 Sep 2026").
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import type { DeviceConfig, RuleDecision } from '../../rules/types.js';
import { ev, Harness, home } from '../rules/factories.js';
import {
  USER_PASSWORD,
  cannedAnalytics,
  listenLocally,
  raiseAlert,
  startDashboard,
  userWithRole,
  type Dashboard,
} from './support.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the people-at-the-screen round 4 tests');

let dashboard: Dashboard;
let browser: Browser;
let base: string;
const NOW = Date.UTC(2026, 10, 23, 3, 0, 0);
const clock = new FakeClock(NOW);

beforeAll(async () => {
  if (!haveChromium) return;
  const canned = cannedAnalytics();
  // The report as the hub's gives it (analytics/report.ts): the period it covers and when it was made.
  const analytics = {
    ...canned,
    preventionReport(fromDate: string, toDate: string) {
      return {
        report: 'prevention',
        period: { from: fromDate, to: toDate, timezone: 'Europe/London' },
        generatedAt: new Date(NOW).toISOString(),
        homesMonitored: 40,
      };
    },
  };
  dashboard = await startDashboard({ clock, analytics });
  await userWithRole(dashboard.app, 'responder', 'sam');
  await userWithRole(dashboard.app, 'analyst', 'ann');
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

async function loggedIn(width: number, username: string, password = USER_PASSWORD): Promise<Page> {
  return loggedInPage(browser, base, width, username, password);
}

/** The simulator's homes: a pendant configured in the living room. */
const DEVICES: DeviceConfig[] = [
  { id: 'pendant', kind: 'pendant', room: 'living', residentId: 'r1' },
  { id: 'hall-pir', kind: 'motion', room: 'hall' },
];

describe.skipIf(!haveChromium)('the hub pages, round 4', () => {
  it("a pendant press's card says where the home's sensors last saw someone, not the pendant's configured room", async () => {
    // The real rules engine's decision: the hall's PIR 13 minutes before the press.
    const h = new Harness(home({ devices: DEVICES }), NOW - 13 * 60_000);
    h.send(ev(NOW - 13 * 60_000, 'hall-pir', 'motion', true, h.config));
    const [press] = h.send(ev(NOW, 'pendant', 'pendant', true, h.config)) as Extract<RuleDecision, { type: 'raise' }>[];
    expect(press?.room).toBe('living');
    const alert = raiseAlert(dashboard.alerts, clock, {
      kind: 'pendant',
      room: press!.room,
      detail: { ...press!.detail, deviceId: press!.deviceId },
    });
    const page = await loggedIn(390, 'sam');
    const card = page.locator(`#alert-${alert.id}`);
    // Before: "h1 · living" and "pendant button pressed on pendant": a responder would look in the living room.
    await card
      .locator('.why')
      .getByText(
        "pendant worn (set up in living): the home's sensors last saw someone in hall (motion sensor), 13 min before · pendant button pressed on pendant",
        { exact: true },
      )
      .waitFor();
    const where = await card.locator('.meta span').first().innerText();
    expect(where).toBe('h1');
    // A smoke alarm keeps its room: that is where it is.
    const smoke = raiseAlert(dashboard.alerts, clock, {
      kind: 'smoke',
      room: 'hall',
      detail: { eventType: 'smoke', deviceId: 'smoke-hall' },
    });
    expect(await page.locator(`#alert-${smoke.id} .meta span`).first().innerText()).toBe('h1 · hall');
    await page.context().close();
  });

  it("says in the closed list where a withdrawn alert was, as the centre does, and no worn device's room", async () => {
    const fall = raiseAlert(dashboard.alerts, clock, { kind: 'possible-fall', severity: 'high', room: 'bathroom' });
    dashboard.alerts.apply({
      type: 'clear',
      homeId: 'h1',
      kind: 'possible-fall',
      at: clock.now(),
      reason: 'activity in hall',
    });
    const press = raiseAlert(dashboard.alerts, clock, {
      kind: 'pendant',
      room: 'living',
      detail: { eventType: 'pendant', deviceId: 'pendant', worn: true, deviceKind: 'pendant', seenRoom: null },
    });
    dashboard.alerts.resolve(press.id, 'false-alarm', null, 'admin');
    const page = await loggedIn(390, 'sam');
    // Before: "Possible fall · h1 · cancelled by the hub: activity in hall": the next shift could not tell where.
    await page.locator(`#closed-${fall.id}`).waitFor();
    expect(await page.locator(`#closed-${fall.id}`).innerText()).toMatch(
      /^Possible fall · h1 · bathroom · cancelled by the hub: activity in hall · /,
    );
    expect(await page.locator(`#closed-${press.id}`).innerText()).toMatch(/^Pendant · h1 · resolved: False alarm · /);
    await page.context().close();
  });

  it('says every date of the council page one way, "1 Sep 2026", and keeps the CSV link ISO', async () => {
    const page = await loggedIn(390, 'ann');
    await page.goto(`${base}/council?from=2026-09-04&to=2026-11-20`);
    // Before: "Report for 2026-09-01 to 2026-10-31: …, not 2026-09-04 to 2026-11-20 as asked", "Period from
    // 2026-09-01" in the summary and "23 November 2026 at 03:00:00 GMT" under charts saying "7 Oct".
    await page
      .getByText(
        'Report for 1 Sep 2026 to 31 Oct 2026: whole months that have ended, not 4 Sep 2026 to 20 Nov 2026 as asked (so that no single day can be told apart)',
        { exact: true },
      )
      .waitFor();
    const summary = await page.$$eval('dl.summary dt', (dts) =>
      Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])),
    );
    // Before: "Report prevention" first, the report's kind for programs.
    expect(summary).not.toHaveProperty('Report');
    expect(summary).toMatchObject({
      'Period from': '1 Sep 2026',
      'Period to': '31 Oct 2026',
      'Period timezone': 'Europe/London',
      'Generated at': '23 Nov 2026, 03:00 GMT',
    });
    const text = await page.locator('main').innerText();
    expect(text).not.toMatch(/\d{4}-\d\d-\d\d/);
    expect(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe(
      '/api/reports/prevention?from=2026-09-04&to=2026-11-20&format=csv',
    );
    await page.context().close();
  });
});
