// The console's own pages send no field the write routes now refuse (review, session 73: a field a body schema does not
// name is a 400, not dropped). The acknowledge and resolve buttons are driven in console-browser.test.ts; here, in
// Debian's chromium, the pages no other browser test writes through: an admin adds an analyst with a council, changes
// the council, removes the analyst, gives a hub a council, and logs out, each answer read from PostgreSQL.
import { describe, expect, it } from 'vitest';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';
import { logInAt, storeHub } from './console-env.js';

const runnable = consoleInChromiumRunnable("the console's write pages");
const WAIT = { timeout: 20_000, interval: 50 };

describe.skipIf(!runnable)("the console's pages, against bodies that refuse unknown fields", () => {
  const stage = centreConsoleInChromium();

  it('add, set a council, remove, set a hub council and log out: each done, no refusal shown', async () => {
    const { env } = stage;
    await storeHub(env.pool, 'hub-n', { status: 'online', lastSeenAt: new Date() });
    const context = await stage.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    const refusals: string[] = [];
    const answers = new Map<string, string>();
    page.on('dialog', (dialog) => {
      if (dialog.type() === 'alert') refusals.push(dialog.message());
      void dialog.accept(answers.get(dialog.type()) ?? '');
    });
    const operator = async (): Promise<unknown> =>
      (await env.pool.query("SELECT role, council FROM console_operators WHERE username = 'ana'")).rows;

    await logInAt(page, env, 'admin', undefined, '/operators');
    await page.getByLabel('Username').fill('ana');
    await page.getByLabel('Role').selectOption('analyst');
    await page.getByLabel(/^Council/).fill('North');
    await page.getByLabel(/^Password/).fill('a-long-password-1');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(operator, WAIT).toEqual([{ role: 'analyst', council: 'North' }]);
    await expect.poll(() => page.locator('#add-error').textContent(), WAIT).toBe('');

    answers.set('prompt', 'South');
    await page.locator('#operators li', { hasText: 'ana' }).getByRole('button', { name: 'Council' }).click();
    await expect.poll(operator, WAIT).toEqual([{ role: 'analyst', council: 'South' }]);

    await page.locator('#operators li', { hasText: 'ana' }).getByRole('button', { name: 'Remove' }).click();
    await expect.poll(operator, WAIT).toEqual([]);

    await page.goto(`${env.url}/hubs`);
    answers.set('prompt', 'North');
    await page.getByRole('button', { name: 'Set the council of hub-n' }).click();
    await expect
      .poll(
        async () => (await env.pool.query("SELECT council FROM central_hub_councils WHERE hub_id = 'hub-n'")).rows,
        WAIT,
      )
      .toEqual([{ council: 'North' }]);

    const sessions = async (): Promise<number> =>
      Number((await env.pool.query('SELECT count(*) AS n FROM console_sessions')).rows[0].n);
    const before = await sessions();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/, WAIT);
    expect(await sessions()).toBe(before - 1);
    expect(refusals).toEqual([]);
  }, 90_000);
});
