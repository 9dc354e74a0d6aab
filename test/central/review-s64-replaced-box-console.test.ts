// Review, session 64: the centre's hub list did not show that a home's box was replaced. `telecare central hub remove
// <old> --replaced-by <new>` (session 63) records which box took the old one's place in the same homes, and the council
// report counts their homes once; but the Hubs page showed the old box as "retired ... by ..." and the new one as any
// other hub: a supervisor looking for a home's earlier calls, or wondering why a hub's history starts last week, could
// not tell that the two are one home's boxes. Real console, PostgreSQL, Debian's chromium.
import { beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../central/console/index.js';
import { retireHubAtCentre } from '../../central/retire.js';
import { storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the replaced box hub list test');
const PASSWORD = 'a-long-password-1';

describe.skipIf(!runnable)('review s64: the hub list after a box was replaced', () => {
  const stage = centreConsoleInChromium();

  beforeAll(async () => {
    await createOperator(stage.env.pool, { username: 'sam', role: 'supervisor', password: PASSWORD });
  });

  it('says which box replaced the retired one, and which one the new box replaced', async () => {
    for (const hubId of ['scheme-old', 'scheme-new', 'house-hub']) {
      await storeHub(stage.env.pool, hubId, { status: 'online', lastSeenAt: new Date() });
    }
    await retireHubAtCentre(stage.env.pool, 'scheme-old', 'ian', new Date('2026-12-01T10:15:00Z'), 'scheme-new');

    const page = await stage.browser.newPage();
    await page.goto(`${stage.env.url}/hubs`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Username').fill('sam');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${stage.env.url}/hubs`);
    await page.locator('#hubs tbody tr').first().waitFor({ timeout: 15_000 });

    const status = (hubId: string): Promise<string> =>
      page.locator(`#hubs tbody tr[data-hub="${hubId}"] td[data-label="Status"]`).innerText();
    expect(await status('scheme-old')).toMatch(/^retired \S.* by ian, replaced by scheme-new$/);
    expect(await status('scheme-new')).toMatch(/^online replaces scheme-old$/);
    // A hub that replaced nothing says nothing of it.
    expect(await status('house-hub')).toBe('online');
    await page.close();
  }, 60_000);
});
