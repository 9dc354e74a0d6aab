// Review, session 77: the centre's Operators page offered "Remove" beside the admin's own name (the hub's Users page
// says "you" there: an admin would lock themselves out mid-session), and its audit table had no column headings (when,
// who, what, which hub and alert, the detail: five unnamed columns). Now one's own row says "you", other operators keep
// their Remove, and the audit's columns are named. Debian's chromium, the real console and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';
import { logInAt } from './console-env.js';

const runnable = consoleInChromiumRunnable("the centre's operators page");

describe.skipIf(!runnable)("review s77: the centre's operators page", () => {
  const stage = centreConsoleInChromium();

  it('says "you" on one’s own row, not Remove; names the audit’s columns', async () => {
    const { env } = stage;
    const context = await stage.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await logInAt(page, env, 'admin', undefined, '/operators');
    await page.getByLabel('Username').fill('olly');
    await page.getByLabel('Role').selectOption('operator');
    await page.getByLabel(/^Password/).fill('a-long-password-1');
    await page.getByRole('button', { name: 'Add' }).click();

    const olly = page.locator('#operators li', { hasText: 'olly' });
    await olly.getByRole('button', { name: 'Remove' }).waitFor();
    const own = page.locator('#operators li', { hasText: 'admin (admin)' });
    await own.getByText('you', { exact: true }).waitFor();
    expect(await own.getByRole('button', { name: 'Remove' }).count()).toBe(0);

    expect(await page.locator('#audit thead th').allInnerTexts()).toEqual([
      'When',
      'Operator',
      'What',
      'Hub / alert',
      'Detail',
    ]);
    await page.locator('#audit tbody tr').first().waitFor();
    expect(await page.locator('#audit tbody tr').first().locator('td').count()).toBe(5);
  });
});
