// Review, session 62: an alert closed at a hub whose clock is wrong left "Recently closed" out of order, or out. The
// page kept its last 10 closed alerts sorted by the hub's own `resolvedAt`, while the console's history
// (`GET /api/alerts?state=closed`) is newest first by when the centre heard of the closing. A Raspberry Pi without
// network time keeps the time it last saved, hours behind (session 60): an operator resolved its call, the card left
// the open list, and it was not under "Recently closed" either (sorted below ten calls closed in the last hours and cut
// at ten), so the operator could not see that it had closed, nor could the next shift. A hub a day ahead held the top of
// the list for a day. The page now orders it as the centre does, by when the centre heard (`updatedAt`). Debian's
// chromium, the real console and PostgreSQL; alerts stored as the workers store them.
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hubAlert, storeAlert, logInAt } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the closed-at-a-late-hub test');

const WAIT = { timeout: 15_000, interval: 20 };
const BEHIND_MS = 3 * 3_600_000;

describe.skipIf(!runnable)('review s62: "Recently closed" with a hub whose clock is behind', () => {
  const stage = centreConsoleInChromium();
  let context: BrowserContext | undefined;

  async function logIn(): Promise<Page> {
    context = await stage.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    await logInAt(page, stage.env);
    return page;
  }

  it('lists a call just closed at the late hub first, as the centre heard it', async () => {
    const now = Date.now();
    // The night so far: ten calls closed in the last two hours at hubs whose clocks are right.
    for (let i = 0; i < 10; i++) {
      const at = new Date(now - 2 * 3_600_000 + i * 600_000).toISOString();
      await storeAlert(
        stage.env.pool,
        'hub-right',
        hubAlert(`r${String(i)}`, {
          kind: 'pendant',
          severity: 'critical',
          state: 'resolved',
          raisedAt: at,
          resolvedAt: at,
          outcome: 'no-action-needed',
          version: 2,
        }),
      );
    }
    // A call open at the hub three hours behind.
    const late = (ms: number): string => new Date(ms - BEHIND_MS).toISOString();
    const call = hubAlert('l1', { kind: 'pendant', severity: 'critical', raisedAt: late(now), lastSeenAt: late(now) });
    await storeAlert(stage.env.pool, 'hub-late', call);

    const page = await logIn();
    await page.getByText('Live: connected').waitFor(WAIT);
    const closed = page.locator('#closed li');
    await expect.poll(() => closed.count(), WAIT).toBe(10);
    await page.locator('#alerts li[data-key="hub-late l1"]').waitFor(WAIT);

    // The operator's call is closed at the hub now, stamped by its clock three hours behind.
    const closedAt = late(Date.now());
    await storeAlert(stage.env.pool, 'hub-late', {
      ...call,
      state: 'resolved',
      resolvedAt: closedAt,
      outcome: 'carer-visit',
      note: 'Daughter on her way',
      version: 2,
    });
    await page.locator('#alerts li[data-key="hub-late l1"]').waitFor({ state: 'detached', ...WAIT });
    // Before the fix: not listed at all (older by its hub's clock than the ten, cut at ten).
    await page.locator('#closed li[data-key="hub-late l1"]').waitFor(WAIT);
    expect(await closed.first().getAttribute('data-key')).toBe('hub-late l1');
    expect(await closed.count()).toBe(10);

    // The next shift's page, from the centre's history: the same order.
    const next = await context!.newPage();
    await next.goto(`${stage.env.url}/alerts`);
    await next.getByText('Live: connected').waitFor(WAIT);
    const listed = next.locator('#closed li');
    await expect.poll(() => listed.count(), WAIT).toBe(10);
    // Before the fix: last of the ten.
    expect(await listed.first().getAttribute('data-key')).toBe('hub-late l1');
  });
});
