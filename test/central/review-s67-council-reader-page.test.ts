// Review, session 67: the council's reader at the centre (role `analyst`, review-s67-council-reader.test.ts) in
// Debian's chromium: logging in at the console's address lands on the council report, the header offers that page
// alone, and the alerts page sends it back there. Before, no such role existed (a council's reader was a supervisor).
import { beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../central/console/index.js';
import { hubAlert, storeAlert } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the council reader page test');
const PASSWORD = 'a-long-password-1';

describe.skipIf(!runnable)("the council's reader at the centre, in a browser", () => {
  const stage = centreConsoleInChromium();

  beforeAll(async () => {
    await createOperator(stage.env.pool, { username: 'cora', role: 'analyst', password: PASSWORD, council: 'North' });
    await storeAlert(
      stage.env.pool,
      's67-page-hub',
      hubAlert('mr5x0-press', { kind: 'pendant', severity: 'critical', homeId: 'flat-12' }),
    );
  });

  it('logs in onto the council report, offered no other page, and is sent back to it from the alerts', async () => {
    const context = await stage.newContext();
    const page = await context.newPage();
    await page.goto(`${stage.env.url}/login`);
    await page.getByLabel('Username').fill('cora');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${stage.env.url}/council`);
    await page.locator('#council-table').waitFor();
    const nav = await page.locator('header nav a').allTextContents();
    expect(nav).toEqual(['Council report']);
    await page.goto(`${stage.env.url}/alerts`);
    await page.waitForURL(`${stage.env.url}/council`);
    expect(await page.content()).not.toContain('flat-12');
  });
});
