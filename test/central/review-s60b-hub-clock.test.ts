// Review, session 60 round 2: a hub whose clock is wrong. A Raspberry Pi has no real-time clock: without network time
// (a scheme's firewall letting only the centre's port out) it keeps the time it last saved, hours behind. Every time
// the centre shows for its alerts is the hub's, so a pendant press made a minute ago read "Raised 06:40 (3 h 02 min
// ago)", sorted below older calls, and nothing on the console said the hub's clock was wrong though the centre knows
// it from every heartbeat (the hub's `at` against when the gateway took it). Debian's chromium, the real console and
// PostgreSQL; hubs' heartbeats and alerts stored as the workers store them.
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hubAlert, storeAlert, storeHub, logInAt } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the hub clock test');

const WAIT = { timeout: 15_000, interval: 20 };
const BEHIND_MS = (3 * 60 + 2) * 60_000;

describe.skipIf(!runnable)('review s60b: a hub whose clock is wrong', () => {
  const stage = centreConsoleInChromium();
  let context: BrowserContext | undefined;

  async function logIn(): Promise<Page> {
    context = await stage.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    await logInAt(page, stage.env);
    return page;
  }

  /** A hub online whose newest heartbeat, stamped `at` by its own clock, the centre's gateway took `now`. */
  async function hubWithClock(hubId: string, now: number, hubNow: number): Promise<void> {
    const heartbeat = { hubId, at: new Date(hubNow).toISOString(), uptimeS: 5_000, queue: 0, openAlerts: 1 };
    await storeHub(stage.env.pool, hubId, { status: 'online', lastSeenAt: new Date(now), heartbeat });
    await stage.env.pool.query('UPDATE central_hubs SET last_heartbeat_at = $2 WHERE hub_id = $1', [
      hubId,
      new Date(now),
    ]);
  }

  it("says on the hub's cards and in the hub list that its clock is hours behind", async () => {
    const now = Date.now();
    await hubWithClock('hub-late', now, now - BEHIND_MS);
    await hubWithClock('hub-right', now, now - 150);
    const late = new Date(now - BEHIND_MS).toISOString();
    const right = new Date(now).toISOString();
    const page = await logIn();
    await page.getByText('Live: connected').waitFor(WAIT);
    // A pendant press at each hub just now, stamped by each hub's clock.
    await storeAlert(
      stage.env.pool,
      'hub-late',
      hubAlert('l1', { kind: 'pendant', severity: 'critical', raisedAt: late, lastSeenAt: late }),
    );
    await storeAlert(
      stage.env.pool,
      'hub-right',
      hubAlert('r1', { kind: 'pendant', severity: 'critical', raisedAt: right, lastSeenAt: right }),
    );
    const lateCard = page.locator('li[data-hub="hub-late"][data-alert="l1"]');
    const rightCard = page.locator('li[data-hub="hub-right"][data-alert="r1"]');
    await lateCard.waitFor(WAIT);
    await rightCard.waitFor(WAIT);
    // Before: only "Raised <3 h ago> (3 h 02 min ago)", nothing saying why.
    await expect
      .poll(() => lateCard.innerText(), WAIT)
      .toMatch(
        /Hub hub-late's clock is 3 h 0[12] min behind the centre's: the times on this card are the hub's, so this alert is 3 h 0[12] min newer than they say\./,
      );
    expect(await rightCard.innerText()).not.toContain('clock');

    await page.goto(`${stage.env.url}/hubs`);
    const lateRow = page.locator('tr[data-hub="hub-late"]');
    await lateRow.waitFor(WAIT);
    await expect.poll(() => lateRow.innerText(), WAIT).toMatch(/hub clock 3 h 0[12] min behind/);
    expect(await page.locator('tr[data-hub="hub-right"]').innerText()).not.toContain('clock');
  });
});
