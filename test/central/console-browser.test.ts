// The centre's console in Debian's chromium: log in, an alert appears live when stored and NOTIFYed, acknowledge it.
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createOperator } from '../../central/console/index.js';
import { retireHubAtCentre } from '../../central/retire.js';
import { focused, recordLiveRegion, tabTo } from '../support/screen.js';
import { hubAlert, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the console browser test');

const WAIT = { timeout: 15_000, interval: 20 };
/** How far the page scrolls sideways, and how many cards are wider than their box (run in the page). */
const OVERFLOW = `(() => ({
  page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  cards: [...document.querySelectorAll('li.card')].filter((li) => li.scrollWidth > li.clientWidth + 1).length,
}))()`;
const PASSWORD = 'a-long-password-1';

describe.skipIf(!runnable)('central console in a browser', () => {
  const stage = centreConsoleInChromium();

  beforeAll(async () => {
    await createOperator(stage.env.pool, { username: 'olive', role: 'operator', password: PASSWORD });
    await createOperator(stage.env.pool, { username: 'sam', role: 'supervisor', password: PASSWORD });
  });

  async function logIn(path: string, username: string, page?: Page): Promise<Page> {
    page ??= await stage.browser.newPage();
    await page.goto(`${stage.env.url}${path}`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${stage.env.url}${path}`);
    return page;
  }

  /**
   * An operator's session from their first login through the login page, its cookie given to every later context:
   * each login is a scrypt check and two pages more, and these tests are about the console, not its login (except the
   * login again after a session ended, which each test that needs does through the page).
   */
  const sessions = new Map<string, Awaited<ReturnType<BrowserContext['storageState']>>>();

  /** A page of a context of its own (`options`) on `path`, logged in as `username`: through the page the first time. */
  async function openAs(path: string, username: string, options: BrowserContextOptions = {}): Promise<Page> {
    const saved = sessions.get(username);
    const context = await stage.newContext({ ...options, ...(saved ? { storageState: saved } : {}) });
    const page = await context.newPage();
    if (saved) {
      await page.goto(`${stage.env.url}${path}`);
      return page;
    }
    await logIn(path, username, page);
    sessions.set(username, await context.storageState());
    return page;
  }

  it('shows an alert live when it is stored and NOTIFYed; acknowledging sends the command on NATS', async () => {
    const page = await openAs('/alerts', 'olive');
    await page.getByText('Live: connected').waitFor({ timeout: 15_000 });
    expect(await page.locator('nav').innerText()).not.toContain('Council report');

    await storeAlert(stage.env.pool, 'hub-b', hubAlert('b1'));
    const card = page.locator('li[data-hub="hub-b"][data-alert="b1"]');
    await card.waitFor({ timeout: 15_000 });
    // A responder at 3 a.m. understands it on the card: which hub and home, how long silent, against what, where.
    const text = await card.innerText();
    expect(text).toContain('Inactivity');
    expect(text).toContain('Hub hub-b');
    expect(text).toContain('home-7 · bedroom');
    expect(text).toContain('Silent for 3 h 10 min (learned normal for this hour: 3 h 00 min)');
    expect(text).toContain('last seen: bedroom');

    // The hub answers before the POST's own reply reaches the page (a busy console, a slow link): the reply, which
    // still says `sent`, is held until the card shows the hub's answer, and must not turn it back into "waiting".
    let replied!: () => void;
    const postReplied = new Promise<void>((resolve) => (replied = resolve));
    await page.route('**/api/alerts/hub-b/b1/ack', async (route) => {
      const response = await route.fetch();
      await page
        .locator('li[data-hub="hub-b"][data-alert="b1"][data-state="acknowledged"]')
        .waitFor({ timeout: 15_000 })
        .catch(() => undefined);
      await expect
        .poll(() => card.locator('.command').innerText(), WAIT)
        .toContain('Acknowledgement applied by the hub (acknowledged)')
        .catch(() => undefined); // the assertions after the reply say what went wrong
      await route.fulfill({ response });
      replied();
    });
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await vi.waitFor(() => {
      const sent = stage.env.hub.received.find((r) => r.alertId === 'b1');
      expect(sent?.subject).toBe('telecare-down.hub-b.alerts.b1.ack');
      expect(sent?.body).toMatchObject({ action: 'acknowledge', operator: 'olive' });
    }, WAIT);
    // The hub's new version arrives through PostgreSQL: the card shows its state and the command's answer.
    await page.locator('li[data-hub="hub-b"][data-alert="b1"][data-state="acknowledged"]').waitFor({ timeout: 15_000 });
    await postReplied;
    // One more round trip to the console: the late reply, already in the browser, has been handled by then (session
    // 76: before, a loaded machine could spend the second below before the page read the reply, and see nothing).
    await page.evaluate(`fetch('/api/health').then((r) => r.text())`);
    // For a second after the late reply reached the page, the card keeps saying what the hub answered.
    const seen = new Set<string>();
    for (let i = 0; i < 20; i += 1) {
      seen.add(await card.locator('.command').innerText());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect([...seen]).toEqual(['Acknowledgement applied by the hub (acknowledged)']);
    await expect
      .poll(() => card.locator('.command').innerText(), WAIT)
      .toContain('Acknowledgement applied by the hub (acknowledged)');
    await expect.poll(() => card.innerText(), WAIT).toContain('Acknowledged by centre:olive');

    // The centre's own alert for a silent hub says since when, without another page.
    // (storeAlert marks the hub as heard now, as a hub's own alert does: the hub's row is set after it.)
    await storeAlert(
      stage.env.pool,
      'hub-q',
      hubAlert('q1', { kind: 'hub-offline', homeId: null, room: null, detail: {} }),
      'centre',
    );
    await storeHub(stage.env.pool, 'hub-q', { status: 'offline', lastSeenAt: new Date(Date.now() - 5 * 60_000) });
    const offline = page.locator('li[data-hub="hub-q"][data-alert="q1"]');
    await offline.waitFor({ timeout: 15_000 });
    await expect.poll(() => offline.innerText(), WAIT).toMatch(/No word from hub hub-q since .* \(5 min ago\)/);
    await page.context().close();
  });

  it('at the screen: keyboard only, each new alert announced, local times with age, the centre out of reach', async () => {
    const page = await openAs('/alerts', 'olive', { timezoneId: 'America/New_York', locale: 'en-GB' });
    const context = page.context();
    await page.getByText('Live: connected').waitFor({ timeout: 15_000 });
    const said = await recordLiveRegion(page, 'announcer');
    await storeAlert(stage.env.pool, 'hub-k', hubAlert('k1', { homeId: 'home-9' }));
    const card = page.locator('li[data-hub="hub-k"][data-alert="k1"]');
    await card.waitFor({ timeout: 15_000 });
    await expect.poll(said, WAIT).toContain('New high alert: Inactivity at hub hub-k');
    // 03:00 UTC, in the operator's own zone (22:00 the evening before in New York), and how long ago.
    expect(await card.locator('.meta').innerText()).toMatch(/Raised 29\/11\/2026, 22:00:00 \(.+ ago\)/);

    const stops = await tabTo(page, (f) => f.card === 'hub-k k1' && f.text === 'Acknowledge');
    for (const stop of stops) expect(stop.outline, JSON.stringify(stop)).not.toBe('none');
    // Another alert arrives and the list is drawn anew: the keyboard stays on the same button of the same card.
    await storeAlert(
      stage.env.pool,
      'hub-k',
      hubAlert('k2', { homeId: 'home-10', severity: 'critical', kind: 'pendant' }),
    );
    await page.locator('li[data-hub="hub-k"][data-alert="k2"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => focused(page), WAIT).toMatchObject({ card: 'hub-k k1', text: 'Acknowledge' });

    // The network goes (an open stream may stay up: the browser only refuses new requests): an action says that the
    // centre is out of reach and that nothing was sent.
    await context.setOffline(true);
    await page.keyboard.press('Enter');
    await card
      .getByText('Cannot reach the centre: check the network connection, then try again. Nothing was changed.')
      .waitFor({ timeout: 15_000 });
    expect(stage.env.hub.received.filter((r) => r.alertId === 'k1')).toEqual([]);
    await context.setOffline(false);
    await context.close();
  });

  it('at 375 px and on a desktop: an unknown hub, a hub offline and a flood of 200 alerts stay readable, labelled and announced once', async () => {
    // A hub id as long as a subject token may be, that no operator knows, and an alert kind this console has no words for.
    const unknownHub = `hub-${'x7'.repeat(60)}`;
    await storeAlert(stage.env.pool, unknownHub, hubAlert('u1', { kind: 'new-kind-from-a-newer-hub', detail: {} }));
    await stage.env.pool.query('DELETE FROM central_hubs WHERE hub_id = $1', [unknownHub]);
    await storeHub(stage.env.pool, 'hub-down-375', { status: 'offline', lastSeenAt: new Date(Date.now() - 600_000) });
    await storeAlert(stage.env.pool, 'hub-down-375', hubAlert('d1', { severity: 'critical', kind: 'pendant' }));
    for (const width of [375, 1280]) {
      const page = await openAs('/alerts', 'olive', { viewport: { width, height: 800 } });
      const context = page.context();
      await page.getByText('Live: connected').waitFor({ timeout: 15_000 });
      const unknown = page.locator(`li[data-hub="${unknownHub}"][data-alert="u1"]`);
      await unknown.waitFor({ timeout: 15_000 });
      const offline = page.locator('li[data-hub="hub-down-375"][data-alert="d1"]');
      // Severity and the hub's state in words, not only colour.
      expect(await offline.locator('h3').innerText()).toMatch(/critical/);
      expect(await offline.innerText()).toMatch(/hub offline/i);
      expect(await unknown.locator('h3').innerText()).toMatch(/high/);
      // Nothing wider than the screen: no sideways scrolling to reach a button or read a hub id.
      const overflow = await page.evaluate<{ page: number; cards: number }>(OVERFLOW);
      expect(overflow, `width ${String(width)}`).toEqual({ page: 0, cards: 0 });
      // Every control named, and big enough to hit (WCAG 2.5.8: 24 px).
      const buttons = await unknown.getByRole('button').all();
      expect(buttons.length).toBeGreaterThan(0);
      for (const button of buttons) {
        expect((await button.innerText()).trim()).not.toBe('');
        const box = await button.boundingBox();
        expect(box?.height ?? 0).toBeGreaterThanOrEqual(24);
        expect((box?.x ?? -1) + (box?.width ?? 0)).toBeLessThanOrEqual(width);
      }
      await context.close();
    }

    // A flood: 200 alerts at once, one of them critical. The operator hears how many came and the critical one, not
    // 200 sentences each cutting off the one before (and not one random alert of the 200).
    const page = await openAs('/alerts', 'olive', { viewport: { width: 375, height: 800 } });
    const context = page.context();
    await page.getByText('Live: connected').waitFor({ timeout: 15_000 });
    const said = await recordLiveRegion(page, 'announcer');
    for (let i = 0; i < 200; i++) {
      await storeAlert(
        stage.env.pool,
        `flood-${String(i % 20)}`,
        hubAlert(
          `f${String(i)}`,
          i === 137 ? { severity: 'critical', kind: 'fall' } : { severity: 'medium', kind: 'tamper' },
        ),
      );
    }
    await page.locator('li[data-alert="f199"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('li[data-alert^="f"]').count(), { timeout: 30_000, interval: 100 }).toBe(200);
    await expect
      .poll(async () => {
        // Leaving out the page's first announcement (the two alerts open before the flood, if it came after the
        // recording started): it names the critical pendant of hub-down-375.
        const heard = (await said()).filter((t) => t !== '' && !t.includes('hub-down-375'));
        const counted = heard.reduce(
          (n, t) => n + Number(/^(\d+) new alerts/.exec(t)?.[1] ?? (t.startsWith('New ') ? 1 : 0)),
          0,
        );
        return {
          counted,
          fewSentences: heard.length <= 20,
          critical: heard.some((t) => /critical.*Fall at hub flood-17/.test(t)),
        };
      }, WAIT)
      .toEqual({ counted: 200, fewSentences: true, critical: true });
    expect(await page.evaluate<{ page: number; cards: number }>(OVERFLOW)).toEqual({ page: 0, cards: 0 });
    await context.close();
    // Three pages drawn, 200 alerts stored one by one and drawn: about 8 s on a quiet machine, over the suite's 60 s at
    // load 20 (sessions 35 and 38). Each step above waits for its own condition; only the whole test's bound is wider.
  }, 180_000);

  it("gives an operator's half-typed resolve note back after the session ended and the operator logged in again", async () => {
    const page = await openAs('/alerts', 'olive');
    const context = page.context();
    await page.getByText('Live: connected').waitFor({ timeout: 15_000 });
    await storeAlert(stage.env.pool, 'hub-s', hubAlert('s1', { homeId: 'home-31' }));
    const card = page.locator('li[data-hub="hub-s"][data-alert="s1"]');
    await card.getByRole('button', { name: 'Resolve…' }).click({ timeout: 15_000 });
    await page.locator('#outcome-hub-s-s1').selectOption('carer-visit');
    await page.locator('#note-hub-s-s1').fill('Warden knocked, all well');
    // The session ends (as at its expiry): sending the form takes the page to the login.
    await stage.env.pool.query(
      `UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE username = 'olive'`,
    );
    await card.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.waitForURL(/\/login\?next=%2Falerts/);
    await page.getByLabel('Username').fill('olive');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${stage.env.url}/alerts`);
    await page.locator('#note-hub-s-s1').waitFor({ timeout: 15_000 });
    expect(await page.locator('#note-hub-s-s1').inputValue()).toBe('Warden knocked, all well');
    expect(await page.locator('#outcome-hub-s-s1').inputValue()).toBe('carer-visit');
    expect(stage.env.hub.received.filter((r) => r.alertId === 's1')).toEqual([]);
    await context.close();
  });

  it('shows a supervisor the hub list, offline first, and the council report with its chart and CSV link', async () => {
    await storeHub(stage.env.pool, 'hub-y', { status: 'offline', lastSeenAt: new Date(Date.now() - 10 * 60_000) });
    await storeHub(stage.env.pool, 'hub-z', {
      status: 'online',
      lastSeenAt: new Date(),
      heartbeat: { queue: 3, openAlerts: 0, uptimeS: 60 },
    });
    // Session 61: a hub retired (`telecare central hub remove`) is listed last, with who retired it and when, and is
    // not counted among the hubs in service (it was listed as a hub like any other, "retired" its only word).
    await storeHub(stage.env.pool, 'hub-a', { status: 'online', lastSeenAt: new Date() });
    await retireHubAtCentre(stage.env.pool, 'hub-a', 'ann', new Date('2026-11-30T10:15:00Z'));
    const page = await logIn('/hubs', 'sam');
    await page.locator('#hubs tbody tr').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('#hubs tbody tr').first().getAttribute('data-status')).toBe('offline');
    const rows = page.locator('#hubs tbody tr');
    const last = rows.last();
    expect(await last.getAttribute('data-hub')).toBe('hub-a');
    expect(await last.locator('td[data-label="Status"]').innerText()).toMatch(/^retired \S.* by ann$/);
    // Other tests' hubs are listed too, some flagged offline meanwhile: the line counts what the table shows, both read
    // at once (the page redraws them every few seconds).
    const { line, shown, offline } = await page.evaluate<{ line: string; shown: number; offline: number }>(`({
      line: document.getElementById('message').textContent,
      shown: document.querySelectorAll('#hubs tbody tr').length,
      offline: document.querySelectorAll('#hubs tbody tr[data-status="offline"]').length,
    })`);
    expect(line).toMatch(
      new RegExp(`^${String(shown - 1)} hubs, ${String(offline)} offline \\(and 1 retired\\)\\. Updated`),
    );
    await page.getByRole('link', { name: 'Council report' }).click();
    await page.locator('#council-table').waitFor({ timeout: 15_000 });
    expect(await page.locator('figure.chart').count()).toBe(3);
    expect(await page.locator('#csv').getAttribute('href')).toMatch(/^\/api\/reports\/council\?from=.*&format=csv$/);
    await page.close();
  });
});
