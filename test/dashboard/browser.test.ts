// In a real browser (Debian chromium): a responder logs in, sees an alert arrive live, acknowledges and resolves it.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ADMIN_PASSWORD,
  USER_PASSWORD,
  cannedAnalytics,
  login,
  raiseAlert,
  listenLocally,
  startDashboard,
  userWithRole,
  type Dashboard,
} from './support.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';

const haveChromium = chromiumAvailable('the browser tests');

let dashboard: Dashboard;
let browser: Browser;
let base: string;
const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));

beforeAll(async () => {
  if (!haveChromium) return;
  dashboard = await startDashboard({ clock, analytics: cannedAnalytics() });
  await userWithRole(dashboard.app, 'responder', 'sam');
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

/** Page errors and console errors (a CSP violation shows up here) must stay empty. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return errors;
}

function logIn(page: Page, username: string, password: string, path: string): Promise<void> {
  return openThroughLogin(page, base, path, username, password);
}

describe.skipIf(!haveChromium)('the responder console in a browser', () => {
  it('shows a new alert live; the responder acknowledges it and resolves it with an outcome and a note', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await logIn(page, 'sam', USER_PASSWORD, '/console');
    await page.getByText('Live: connected').waitFor();
    await page.getByText('No open alerts.').waitFor();

    const alert = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', room: 'living' });
    const card = page.locator(`#alert-${alert.id}`);
    await card.getByText('Pendant').waitFor();
    await page.getByText('1 critical alert waiting for acknowledgement').waitFor();

    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await card.getByText('acknowledged', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Resolve…' }).click();
    await card.getByLabel('Outcome').selectOption('carer-visit');
    await card.getByLabel('Note').fill('Daughter went round; resident fine');
    await card.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.locator(`#closed-${alert.id}`).getByText('resolved: Carer visit').waitFor();
    await card.waitFor({ state: 'detached' });

    const cookie = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    const stored = (await dashboard.app.inject({ url: `/api/alerts/${alert.id}`, headers: { cookie } })).json();
    expect(stored).toMatchObject({
      state: 'resolved',
      outcome: 'carer-visit',
      note: 'Daughter went round; resident fine',
      acknowledgedBy: 'sam',
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an inactivity-family card says why: how long, against which threshold, where last seen, which mat; a fall card gives the impact', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await logIn(page, 'sam', USER_PASSWORD, '/console');
    await page.getByText('Live: connected').waitFor();
    const silence = raiseAlert(dashboard.alerts, clock, {
      kind: 'possible-fall',
      severity: 'high',
      homeId: 'h2',
      room: 'bathroom',
      detail: {
        silenceMinutes: 65,
        thresholdMinutes: 52,
        thresholdSource: 'learned',
        lastRoom: 'bathroom',
        lastDeviceId: 'bath-pir',
        lastDeviceKind: 'motion',
        matOccupied: null,
      },
    });
    await page
      .locator(`#alert-${silence.id} .why`)
      .getByText(
        'Silent for 1 h 05 min (learned normal for this hour: 52 min) · last seen: bathroom, motion sensor · no mat occupied',
        { exact: true },
      )
      .waitFor();
    const morning = raiseAlert(dashboard.alerts, clock, {
      kind: 'no-morning-activity',
      severity: 'medium',
      homeId: 'h3',
      room: 'bedroom',
      detail: {
        silenceMinutes: 600,
        thresholdMinutes: null,
        thresholdSource: 'care-plan',
        checkTime: '12:30',
        lastRoom: 'bedroom',
        lastDeviceId: 'bed-1',
        lastDeviceKind: 'bed',
        matOccupied: 'bed',
      },
    });
    await page
      .locator(`#alert-${morning.id} .why`)
      .getByText(
        'Silent for 10 h 00 min (morning check at 12:30, from the care plan) · last seen: bedroom, bed mat · in bed (bed mat occupied)',
        { exact: true },
      )
      .waitFor();
    const still = raiseAlert(dashboard.alerts, clock, {
      kind: 'inactivity',
      severity: 'high',
      homeId: 'h5',
      room: 'bedroom',
      detail: {
        silenceMinutes: 300,
        thresholdMinutes: 300,
        thresholdSource: 'cold-start',
        lastRoom: 'bedroom',
        lastDeviceId: 'bed-1',
        lastDeviceKind: 'bed',
        matOccupied: 'bed',
        stillInBed: true,
      },
    });
    await page
      .locator(`#alert-${still.id} .why`)
      .getByText(
        'Silent for 5 h 00 min (first-weeks limit: 5 h 00 min) · last seen: bedroom, bed mat · in bed, no movement on the bed mat',
        { exact: true },
      )
      .waitFor();
    const night = raiseAlert(dashboard.alerts, clock, {
      kind: 'possible-fall',
      severity: 'high',
      homeId: 'h6',
      room: 'bedroom',
      detail: {
        silenceMinutes: 175,
        thresholdMinutes: 169,
        thresholdSource: 'learned',
        lastRoom: 'bedroom',
        lastDeviceId: 'bed-1',
        lastDeviceKind: 'bed',
        matOccupied: 'bed',
        stillInBed: true,
        nightContext: 'bed-mat',
        learnedNights: 14,
        longestNightMinutes: 103,
      },
    });
    await page
      .locator(`#alert-${night.id} .why`)
      .getByText(
        "Silent for 2 h 55 min (limit from 14 of this home's nights, longest still spell 1 h 43 min: 2 h 49 min) · last seen: bedroom, bed mat · in bed, no movement on the bed mat",
        { exact: true },
      )
      .waitFor();
    const arrived = raiseAlert(dashboard.alerts, clock, {
      kind: 'inactivity',
      severity: 'high',
      homeId: 'h7',
      room: 'entrance',
      detail: {
        silenceMinutes: 240,
        thresholdMinutes: 240,
        thresholdSource: 'cold-start',
        lastRoom: 'entrance',
        lastDeviceId: 'front',
        lastDeviceKind: 'exit-door',
        matOccupied: null,
        arrivedAt: '2026-11-30T14:02:00.000Z',
        arrivedBy: 'front',
        seenSinceArrival: false,
      },
    });
    await page
      .locator(`#alert-${arrived.id} .why`)
      .getByText(
        'Silent for 4 h 00 min (first-weeks limit: 4 h 00 min) · last seen: entrance, front door · came in by the front door, nothing seen inside since · no mat occupied',
        { exact: true },
      )
      .waitFor();
    const unended = raiseAlert(dashboard.alerts, clock, {
      kind: 'inactivity',
      severity: 'high',
      homeId: 'h8',
      room: 'entrance',
      detail: {
        silenceMinutes: 1080,
        thresholdMinutes: 600,
        thresholdSource: 'cold-start',
        lastRoom: 'entrance',
        lastDeviceId: 'front',
        lastDeviceKind: 'exit-door',
        matOccupied: null,
        presenceInDoubt: true,
        outingUnended: { since: '2026-11-30T21:10:00.000Z' },
      },
    });
    await page
      .locator(`#alert-${unended.id} .why`)
      .getByText(
        'Silent for 18 h 00 min (first-weeks limit: 10 h 00 min) · last seen: entrance, front door · taken as out since the front door closed, longer than any outing of this home · no mat occupied',
        { exact: true },
      )
      .waitFor();
    // Nothing reported since the hub started watching the home (session 27): the silence runs from the start.
    const watched = raiseAlert(dashboard.alerts, clock, {
      kind: 'inactivity',
      severity: 'high',
      homeId: 'h10',
      detail: {
        silenceMinutes: 600,
        thresholdMinutes: 600,
        thresholdSource: 'cold-start',
        lastRoom: null,
        lastDeviceId: null,
        lastDeviceKind: null,
        matOccupied: null,
        lastActivityAt: null,
        watchedSince: '2026-11-30T23:20:00.000Z',
        presenceInDoubt: true,
      },
    });
    await page
      .locator(`#alert-${watched.id} .why`)
      .getByText(
        'Silent for 10 h 00 min (first-weeks limit: 10 h 00 min) · no sensor of this home has reported since the hub started watching it · no mat occupied',
        { exact: true },
      )
      .waitFor();
    // A device alone in a home its own returns show to stand empty: waited on as an outing (session 26).
    const lone = raiseAlert(dashboard.alerts, clock, {
      kind: 'inactivity',
      severity: 'high',
      homeId: 'h9',
      room: 'kitchen',
      detail: {
        silenceMinutes: 1080,
        thresholdMinutes: 1080,
        thresholdSource: 'outing-bound',
        lastRoom: 'kitchen',
        lastDeviceId: 'kitchen-pir',
        lastDeviceKind: 'motion',
        matOccupied: null,
        presenceInDoubt: true,
      },
    });
    await page
      .locator(`#alert-${lone.id} .why`)
      .getByText(
        'Silent for 18 h 00 min (one device alone in a home that often stands empty: waited as long as its outings: 18 h 00 min) · last seen: kitchen, motion sensor · no mat occupied',
        { exact: true },
      )
      .waitFor();
    const fall = raiseAlert(dashboard.alerts, clock, {
      kind: 'fall',
      homeId: 'h4',
      detail: { peakG: 3.42, descentMps: 1.37, postureChangeDeg: 81.6, stillSeconds: 12 },
    });
    await page
      .locator(`#alert-${fall.id} .why`)
      .getByText('impact 3.4 g · falling at 1.4 m/s · posture changed 82° · still for 12 s', { exact: true })
      .waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an admin sees activity charts of a home, the council report with its CSV link, and the API docs', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors = watchErrors(page);
    await logIn(page, 'admin', ADMIN_PASSWORD, '/home?home=h1&from=2026-11-01&to=2026-11-14');
    await page.getByText('14 days of h1').waitFor();
    expect(await page.locator('figure.chart svg rect.bar').count()).toBeGreaterThan(14);
    expect(await page.locator('figure.chart svg path.line').count()).toBeGreaterThan(0);

    await page.goto(`${base}/council?from=2026-08-01&to=2026-10-31`);
    await page.getByText('Report for 1 Aug 2026 to 31 Oct 2026').waitFor();
    expect(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe(
      '/api/reports/prevention?from=2026-08-01&to=2026-10-31&format=csv',
    );
    await page.getByRole('heading', { name: 'Alerts by kind' }).waitFor();
    // A count of 1 to 7 is published as '*': it shows as '*', never as a bar of some height.
    expect(await page.locator('figure.chart svg text', { hasText: '*' }).count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);

    // Swagger UI runs from the hub's own copy of its files (Node 20, no CDN).
    await page.goto(`${base}/docs`);
    await page.getByText('Telecare hub API').first().waitFor();
    // Under its content security policy: nothing refused, nothing failing.
    expect(errors).toEqual([]);
    await page.close();
  });
});
