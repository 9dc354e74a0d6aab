// The browser files' common stage: the real dashboard in-process on a local port (with a responder, `sam`, when
// asked) and the run's chromium, started before the file's tests when chromium is there, closed after them.
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Harness } from '../rules/factories.js';
import { launchChromium } from '../support/chromium.js';
import { cuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { COUNTING_AUDIO } from '../support/screen.js';
import { ADMIN_PASSWORD, listenLocally, startDashboard, userWithRole, type Dashboard } from './support.js';

export interface DashboardInChromium {
  dashboard: Dashboard;
  browser: Browser;
  /** `http://127.0.0.1:<port>` of the dashboard. */
  base: string;
}

/** Registers the stage's hooks in the calling file; its fields are there from the file's first test on. */
export function dashboardInChromium(
  haveChromium: boolean,
  options: Parameters<typeof startDashboard>[0],
  { responder = false }: { responder?: boolean } = {},
): DashboardInChromium {
  const stage: Partial<DashboardInChromium> = {};
  beforeAll(async () => {
    if (!haveChromium) return;
    const dashboard = await startDashboard(options);
    stage.dashboard = dashboard;
    if (responder) await userWithRole(dashboard.app, 'responder', 'sam');
    stage.base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
    stage.browser = await launchChromium();
  });
  afterAll(async () => {
    await stage.browser?.close();
    await stage.dashboard?.close();
  });
  return stage as DashboardInChromium;
}

/** The responder console reached through a proxy that can cut its live stream. */
export interface ConsoleBehindProxy {
  /** Stands between the stage's dashboard and the page; `cut()` drops the connections through it. */
  proxy: CuttingProxy;
  /** `http://127.0.0.1:<port>` of the proxy. */
  base: string;
  /** The session cookie of the responder `sam`, made for the stage's dashboard. */
  cookie: string;
}

/** Registers, after the stage's own, the hooks that log in a responder `sam` and start a cutting proxy before the stage. */
export function consoleBehindProxy(haveChromium: boolean, stage: DashboardInChromium): ConsoleBehindProxy {
  const behind: Partial<ConsoleBehindProxy> = {};
  beforeAll(async () => {
    if (!haveChromium) return;
    behind.cookie = await userWithRole(stage.dashboard.app, 'responder', 'sam');
    behind.proxy = await cuttingProxy(Number(new URL(stage.base).port));
    behind.base = `http://127.0.0.1:${behind.proxy.port}`;
  });
  afterAll(async () => behind.proxy?.close());
  return behind as ConsoleBehindProxy;
}

/** A new context of `browser` that sends the session cookie `cookie` (`name=value`) to `base`. */
export async function contextWithCookie(
  browser: Browser,
  base: string,
  cookie: string,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  const equals = cookie.indexOf('=');
  await context.addCookies([{ name: cookie.slice(0, equals), value: cookie.slice(equals + 1), url: base }]);
  return context;
}

/** The real rules engine's first raise of `kind` in `h`, stored by the stage's alert service at its clock's time; its id. */
export function storeFirstRaise(stage: DashboardInChromium, h: Harness, kind: string): string {
  const raise = h.raised(kind)[0];
  expect(raise, kind).toBeDefined();
  const alert = stage.dashboard.alerts.apply(raise!);
  expect(alert, kind).toBeTruthy();
  return alert!.id;
}

/**
 * The responder console of the stage in a new context, logged in as admin, live, its sound turned on, its AudioContext
 * counting tones (`countedTones`, test/support/screen.ts).
 */
export async function consoleWithSound(
  stage: DashboardInChromium,
  options: { pageClock?: boolean } = {},
): Promise<Page> {
  const context = await stage.browser.newContext({ locale: 'en-GB' });
  await context.addInitScript(COUNTING_AUDIO);
  // The page's own clock, moved on by the test (`page.clock.fastForward`) for what the page does on a timer.
  if (options.pageClock) await context.clock.install();
  const page = await context.newPage();
  await page.goto(`${stage.base}/login`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${stage.base}/console`);
  // Live first, then the sound: the alerts still open from earlier tests of the stage are listed with the sound off
  // (as the centre's helper does). Turned on before the list came (a loaded machine), each critical one listed was
  // rightly sounded (a call this screen had not shown) and counted: 6 tones where 3 were meant (session 68).
  await page.getByText('Live: connected').waitFor();
  await page.locator('#sound').click();
  await page.locator('#sound[aria-pressed="true"]').waitFor();
  return page;
}
