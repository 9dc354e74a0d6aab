// In a real browser (Debian chromium): an alert raised while a device is dead to the rules (session 29) says on the
// responder's card which device, since when (in the home's time, not the viewer's), and that the room checks are paused.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { cannedAnalytics, raiseAlert, USER_PASSWORD } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';

const haveChromium = chromiumAvailable('the dead-device card test');

const clock = new FakeClock(Date.UTC(2026, 10, 26, 11, 0, 0));

const screen = dashboardInChromium(haveChromium, { clock, analytics: cannedAnalytics() }, { responder: true });

describe.skipIf(!haveChromium)('a dead device on the responder console card', () => {
  it("names the dead device, its room, its last report in the home's time, and that the room checks are paused; sensor-offline names it too", async () => {
    // The viewer in New York; home h1 in London: the card gives London's time (14:05), as for the rest of the card.
    const context = await screen.browser.newContext({ timezoneId: 'America/New_York', locale: 'en-GB' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(`${screen.base}/console`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Username').fill('sam');
    await page.getByLabel('Password').fill(USER_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${screen.base}/console`);
    // The detail as rules/explain.ts gives it (test/rules/dead-device-detail.test.ts: the real engine's).
    const alert = raiseAlert(screen.dashboard.alerts, clock, {
      kind: 'inactivity',
      severity: 'high',
      homeId: 'h1',
      room: 'bathroom',
      detail: {
        silenceMinutes: 240,
        thresholdMinutes: 240,
        thresholdSource: 'cold-start',
        lastRoom: 'bathroom',
        lastDeviceId: 'bathroom-pir',
        lastDeviceKind: 'motion',
        matOccupied: null,
        lastActivityAt: '2026-11-26T07:00:00.000Z',
        deadDevices: [{ id: 'bathroom-door', kind: 'door', room: 'bathroom', silentSince: '2026-11-24T14:05:00.000Z' }],
      },
    });
    await page
      .locator(`#alert-${alert.id} .why`)
      .getByText(
        'Silent for 4 h 00 min (first-weeks limit: 4 h 00 min) · last seen: bathroom, motion sensor · no mat occupied · bathroom door contact silent since Tue 14:05 (taken as failed): room checks paused',
        { exact: true },
      )
      .waitFor();
    // The alert that told the staff first (sensor-offline, 25 h after its last report): which device, since when.
    const offline = raiseAlert(screen.dashboard.alerts, clock, {
      kind: 'sensor-offline',
      severity: 'low',
      homeId: 'h1',
      room: 'bathroom',
      detail: {
        reason: 'silent for 25 h',
        lastSeenAt: '2026-11-24T14:05:00.000Z',
        deviceId: 'bathroom-door',
        eventAt: '2026-11-25T15:05:00.000Z',
      },
    });
    await page
      .locator(`#alert-${offline.id} .why`)
      .getByText('bathroom-door silent since Tue 14:05', { exact: true })
      .waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
