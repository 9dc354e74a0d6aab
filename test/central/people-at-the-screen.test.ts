// The centre's console at the screen, round 2 (session 35; docs/central-console.md): what the next shift reads of
// the closed alerts, whom an escalated alert went to, and the supervisor's tables on a phone. Debian's chromium.
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../central/console/index.js';
import { HUB_CHANNEL } from '../../central/schema.js';
import { hubAlert, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable("the console's people-at-the-screen test");

const WAIT = { timeout: 15_000, interval: 20 };
const PASSWORD = 'a-long-password-1';
const PHONE = { width: 390, height: 844 };

interface Cells {
  labels: string[];
  sideways: number;
}

/** Each data cell of `selector` with what a phone shows before its value (its column's name), and the page's overflow. */
const CELLS = (selector: string): string => `(() => ({
  labels: [...document.querySelectorAll(${JSON.stringify(selector)})].map(
    (td) => getComputedStyle(td, '::before').content),
  sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
}))()`;

describe.skipIf(!runnable)("the centre's console, at the screen (round 2)", () => {
  const stage = centreConsoleInChromium();
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await createOperator(stage.env.pool, { username: 'olive', role: 'operator', password: PASSWORD });
    await createOperator(stage.env.pool, { username: 'sam', role: 'supervisor', password: PASSWORD });
  });

  // Each test's pages closed when it ends: left open, every later test's alerts reached them live and were drawn
  // again on each (none of these tests reads a page of another).
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  /**
   * Each user's session from their first login through the page, given to their later contexts (`storageState`, as in
   * console-browser.test.ts): none of these tests is about the login (console-browser.test.ts has it), and each login
   * is a password hash and two pages more (docs/testing.md, session 38).
   */
  const sessions = new Map<string, Awaited<ReturnType<BrowserContext['storageState']>>>();

  /** A page of a context of its own (`viewport`) on `path`, logged in as `username`: through the page the first time. */
  async function logIn(path: string, username: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const saved = sessions.get(username);
    const context = await stage.newContext({
      viewport,
      locale: 'en-GB',
      timezoneId: 'Europe/London',
      ...(saved ? { storageState: saved } : {}),
    });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${stage.env.url}${path}`);
    if (saved) {
      // Still logged in: the page itself, not the login.
      expect(new URL(page.url()).pathname).toBe(path);
      return page;
    }
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${stage.env.url}${path}`);
    sessions.set(username, await context.storageState());
    return page;
  }

  it('lists the alerts closed before the page opened, each with how it was closed in words, or says none was', async () => {
    const page = await logIn('/alerts', 'olive', PHONE);
    await page.getByText('Live: connected').waitFor(WAIT);
    await page.getByText('No alert has been closed yet.').waitFor(WAIT);

    // The night's alerts, closed before the morning shift opens the page.
    await storeAlert(
      stage.env.pool,
      'hub-n',
      hubAlert('n1', {
        kind: 'pendant',
        severity: 'critical',
        state: 'resolved',
        homeId: 'home-3',
        room: 'living',
        resolvedAt: '2026-11-30T03:20:00.000Z',
        outcome: 'carer-visit',
        note: 'Warden helped her up',
        version: 3,
      }),
    );
    await storeAlert(
      stage.env.pool,
      'hub-n',
      hubAlert('n2', {
        kind: 'possible-fall',
        state: 'cancelled',
        homeId: 'home-4',
        room: 'bathroom',
        detail: { cancelReason: 'activity in kitchen' },
        version: 2,
      }),
    );
    await storeAlert(stage.env.pool, 'hub-n', hubAlert('n3', { homeId: 'home-5' }));

    const morning = await logIn('/alerts', 'olive', PHONE);
    const closed = morning.locator('#closed li');
    await expect.poll(() => closed.count(), WAIT).toBe(2);
    const texts = await closed.allInnerTexts();
    expect(texts.join('\n')).toContain(
      'Pendant · hub hub-n · home-3 · living · resolved: Carer visit ("Warden helped her up")',
    );
    expect(texts.join('\n')).toContain(
      'Possible fall · hub hub-n · home-4 · bathroom · cancelled by the hub: activity in kitchen',
    );
    expect(await morning.getByText('No alert has been closed yet.').isVisible()).toBe(false);
    // The open one is not among them; the API gives the newest closed first, as many as asked.
    const newest = (await (await morning.request.get(`${stage.env.url}/api/alerts?state=closed&limit=1`)).json()) as {
      alertId: string;
    }[];
    expect(newest.map((c) => c.alertId)).toEqual(['n2']);
    const open = (await (await morning.request.get(`${stage.env.url}/api/alerts`)).json()) as { alertId: string }[];
    expect(open.map((c) => c.alertId)).toContain('n3');
    expect((await morning.request.get(`${stage.env.url}/api/alerts?state=closed&limit=999`)).status()).toBe(400);
  });

  it('says whom an alert was sent to, and whom it went to when it escalated', async () => {
    const page = await logIn('/alerts', 'olive');
    await page.getByText('Live: connected').waitFor(WAIT);
    await storeAlert(
      stage.env.pool,
      'hub-e',
      hubAlert('e1', { escalationLevel: 1, notifiedGroups: ['wardens', 'night-team'], homeId: 'home-1' }),
    );
    await storeAlert(stage.env.pool, 'hub-e', hubAlert('e2', { notifiedGroups: ['wardens'], homeId: 'home-2' }));
    // From a hub older than session 35: the level only, as before.
    await storeAlert(stage.env.pool, 'hub-e', hubAlert('e3', { escalationLevel: 1, homeId: 'home-3' }));
    const meta = (id: string) => page.locator(`li[data-hub="hub-e"][data-alert="${id}"] .meta`);
    await expect
      .poll(() => meta('e1').innerText(), WAIT)
      .toContain('Escalated to level 1: sent to wardens, then night-team');
    await expect.poll(() => meta('e2').innerText(), WAIT).toContain('Sent to wardens');
    await expect.poll(() => meta('e3').innerText(), WAIT).toContain('Escalated to level 1');
    expect(await meta('e3').innerText()).not.toContain('sent to');
  });

  it('says since when a silent hub was last heard, not since the centre flagged it', async () => {
    const page = await logIn('/alerts', 'olive');
    await page.getByText('Live: connected').waitFor(WAIT);
    await storeAlert(
      stage.env.pool,
      'hub-s',
      hubAlert('s1', { kind: 'hub-offline', homeId: null, room: null, detail: {} }),
      'centre',
    );
    // Last heard 10 min ago, flagged offline 7 min ago (the silence had to last 3 min first); set after storeAlert,
    // which marks the hub as heard now (as a hub's own alert does). The NOTIFY sends the hub's cards again.
    await stage.env.pool.query(
      `UPDATE central_hubs SET status = 'offline', last_seen_at = now() - interval '10 minutes',
         offline_since = now() - interval '7 minutes' WHERE hub_id = 'hub-s'`,
    );
    await stage.env.pool.query('SELECT pg_notify($1, $2)', [
      HUB_CHANNEL,
      JSON.stringify({ hubId: 'hub-s', status: 'offline' }),
    ]);
    const card = page.locator('li[data-hub="hub-s"][data-alert="s1"]');
    await expect.poll(() => card.innerText(), WAIT).toMatch(/No word from hub hub-s since .* \(10 min ago\)/);
  });

  it("says on an offline hub's alert, before anything is pressed, that the centre cannot reach it", async () => {
    const page = await logIn('/alerts', 'olive', PHONE);
    await page.getByText('Live: connected').waitFor(WAIT);
    await storeAlert(stage.env.pool, 'hub-o', hubAlert('o1', { kind: 'fall', severity: 'critical', homeId: 'home-8' }));
    await storeAlert(
      stage.env.pool,
      'hub-u',
      hubAlert('u1', { kind: 'pendant', severity: 'critical', homeId: 'home-9' }),
    );
    const gone = page.locator('li[data-hub="hub-o"][data-alert="o1"]');
    await gone.waitFor(WAIT);
    await storeHub(stage.env.pool, 'hub-o', { status: 'offline', lastSeenAt: new Date(Date.now() - 4 * 60_000) });
    await expect
      .poll(() => gone.innerText(), WAIT)
      .toMatch(
        /Hub hub-o is offline \(last heard .+\): an acknowledgement or resolution sent from here cannot reach it now.*Phone the home\./s,
      );
    // Its badges read apart ("raised hub offline"), as a screen reader and a careful eye take them.
    expect(await gone.locator('h3').innerText()).toMatch(/raised hub offline/);
    // An online hub's card says nothing of the kind.
    expect(await page.locator('li[data-hub="hub-u"][data-alert="u1"]').innerText()).not.toContain('cannot reach');
  });

  it('names each value of the hub list and the council report on a phone, with days no reader mistakes', async () => {
    await storeHub(stage.env.pool, 'hub-p', {
      status: 'online',
      lastSeenAt: new Date(),
      heartbeat: { at: new Date().toISOString(), queue: 0, openAlerts: 1, uptimeS: 30 },
    });
    const hubs = await logIn('/hubs', 'sam', PHONE);
    const row = hubs.locator('tr[data-hub="hub-p"]');
    await row.waitFor(WAIT);
    const hubCells = await hubs.evaluate<Cells>(CELLS('#hubs tbody td'));
    expect(hubCells.labels.length).toBeGreaterThan(0);
    for (const label of hubCells.labels) expect(label).toMatch(/^"[A-Z]/);
    expect(hubCells.sideways).toBe(0);
    const text = await row.innerText();
    expect(text).not.toContain('ago ago');
    expect(text).not.toContain('just now ago');
    expect(text).toContain('under a minute');

    const council = await logIn('/council', 'sam', PHONE);
    await council.locator('#council-table td').first().waitFor(WAIT);
    const councilCells = await council.evaluate<Cells>(CELLS('#council-table td'));
    expect(councilCells.labels.length).toBeGreaterThan(0);
    for (const label of councilCells.labels)
      expect(label).toMatch(/^"(Week from \d{1,2} [A-Z][a-z]{2}|Whole period)"$/);
    expect(councilCells.sideways).toBe(0);
    // The charts' day labels too: "7 Oct", never "10-07" (10 July to a British reader).
    const chartLabels = await council.locator('#charts svg text').allTextContents();
    expect(chartLabels.some((t) => /^\d{1,2} [A-Z][a-z]{2}$/.test(t))).toBe(true);
    expect(chartLabels.some((t) => /^\d\d-\d\d$/.test(t))).toBe(false);
  });

  // Round 3 (session 35; docs/consoles.md): the shared charts' axis and the table's headers on a desktop.
  it("labels a count chart's axis only with what its ticks stand at, and breaks no header inside a word on a desktop", async () => {
    const council = await logIn('/council', 'sam');
    await council.locator('#council-table thead th').first().waitFor(WAIT);
    // Ten weeks and the whole period side by side (the page opens on eight), long before any alert of these tests.
    await council.locator('#from').fill('2025-01-06');
    await council.locator('#to').fill('2025-03-16');
    await council.locator('#to').press('Enter');
    await council.getByRole('columnheader', { name: 'Week from 6 Jan' }).waitFor(WAIT);
    expect(await council.locator('#council-table thead th').count()).toBe(12);
    // The y axis: the labels drawn at its left (text-anchor end), per chart, top to bottom as drawn.
    const axes = await council.$$eval('#charts svg', (svgs) =>
      svgs.map((svg) => [...svg.querySelectorAll('text[text-anchor="end"]')].map((t) => t.textContent)),
    );
    // No alert in these weeks: before, "0 / 1 / 1" (the middle tick, 0.5, rounded).
    expect(axes[0]).toEqual(['0', '1']);
    for (const labels of axes) expect(new Set(labels).size).toBe(labels.length);
    // Each header's words each on one line: before, "Whole period" went "Whol / e / perio / d".
    const broken = await council.evaluate<string[]>(`[...document.querySelectorAll('#council-table thead th')].flatMap(
      (th) => {
        const words = [];
        let at = 0;
        for (const word of th.textContent.split(' ')) {
          const range = document.createRange();
          range.setStart(th.firstChild, at);
          range.setEnd(th.firstChild, at + word.length);
          if (range.getClientRects().length > 1) words.push(word);
          at += word.length + 1;
        }
        return words;
      })`);
    expect(broken).toEqual([]);
  });

  // Round 4 (session 36; docs/consoles.md): where a wearer is, and the council's dates with their year.
  it("says on a worn pendant's card where the home's sensors last saw someone, not the pendant's configured room", async () => {
    const page = await logIn('/alerts', 'olive', PHONE);
    await page.getByText('Live: connected').waitFor(WAIT);
    // The detail as the hub's rules write it (rules/explain.ts `wornDetail`; test/rules/worn-where.test.ts).
    await storeAlert(
      stage.env.pool,
      'hub-w',
      hubAlert('w1', {
        kind: 'pendant',
        severity: 'critical',
        homeId: 'home-9',
        room: 'living',
        detail: {
          eventType: 'pendant',
          source: 'mqtt',
          deviceId: 'pendant',
          worn: true,
          deviceKind: 'pendant',
          seenRoom: 'kitchen',
          seenDeviceId: 'kitchen-pir',
          seenDeviceKind: 'motion',
          seenAt: '2026-11-30T02:55:00.000Z',
          seenMinutesBefore: 5,
        },
      }),
    );
    const card = page.locator('li[data-key="hub-w w1"]');
    // Before: "Hub hub-w · home-9 · living" and only "pendant button pressed on pendant".
    await card
      .locator('.why')
      .getByText(
        "pendant worn (set up in living): the home's sensors last saw someone in kitchen (motion sensor), 5 min before · pendant button pressed on pendant",
        { exact: true },
      )
      .waitFor(WAIT);
    expect(await card.locator('.meta span').allInnerTexts()).toEqual(expect.arrayContaining(['Hub hub-w', 'home-9']));
    expect((await card.locator('.meta').innerText()).includes('living')).toBe(false);
  });

  it('says the council report\'s period with its years, the weeks\' days as "6 Jan" under it', async () => {
    const council = await logIn('/council', 'sam');
    await council.locator('#council-table thead th').first().waitFor(WAIT);
    await council.locator('#from').fill('2025-01-06');
    await council.locator('#to').fill('2025-03-16');
    await council.locator('#to').press('Enter');
    // Before: no line said which period, nor its year; only "Week from 6 Jan" … in the table.
    await council.getByText('Report for 6 Jan 2025 to 16 Mar 2025', { exact: true }).waitFor(WAIT);
    await council.getByRole('columnheader', { name: 'Week from 6 Jan' }).waitFor(WAIT);
    // What a screen reader hears of the weekly charts: before, "Alerts per week: 10 days, latest 10 Mar: 0".
    const names = await council.$$eval('#charts svg[aria-label]', (svgs) =>
      svgs.map((svg) => svg.getAttribute('aria-label')),
    );
    expect(names[0]).toBe('Alerts per week: 10 weeks, latest week from 10 Mar 2025: 0');
    const numbers = council.locator('#charts figure').first().locator('table');
    expect(await numbers.locator('thead th').allTextContents()).toEqual(['Week', 'Alerts']);
    expect(await numbers.locator('tbody tr td').first().textContent()).toBe('week from 6 Jan 2025');
  });
});
