// Review, session 73: a responder opened the resolve form of a pendant alert and chose "False alarm"; meanwhile the
// resident pressed again (merged into the open alert: a new version, count 2). The card was drawn anew, her form
// filled again from her draft, and her Resolve closed as a false alarm an emergency she had not looked at: the console
// sent no version, and the hub took the resolve for the alert as it was when it arrived. Now the console sends the
// version she opened the form on; the hub refuses it (409 CHANGED_SINCE) and the card says what happened, keeps her
// outcome and note, and a second Resolve, on the alert as she now sees it, is taken. A real hub in-process (real
// SQLite in a temp folder), presses over real HTTP, the console in Debian's chromium at 390 px.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import {
  TEST_ADMIN_PASSWORD,
  adminSession,
  dashboardUrl,
  pressOverHttp,
  startTestHub,
} from '../support/in-process-hub.js';
import { openThroughLogin } from '../support/screen.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';

const haveChromium = chromiumAvailable('the console, a resolve of an alert pressed again since');

let dir: string;
let hub: RunningHub;
let adminCookie: string;

beforeAll(async () => {
  dir = tempDir('s73-resolve-pressed-again');
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
  adminCookie = await adminSession(hub);
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)('the console, a pendant pressed again while the resolve form is open', () => {
  it('says so on the card, keeps her outcome and note, and resolves once she presses again', async () => {
    const first = await pressOverHttp(hub, adminCookie, 'h1', 'p1');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await openThroughLogin(page, dashboardUrl(hub), '/console', 'admin', TEST_ADMIN_PASSWORD);
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
      const card = page.locator(`#alert-${first.id}`);
      await card.getByRole('button', { name: 'Resolve…' }).click();
      await card.getByLabel('Outcome').selectOption('false-alarm');
      await card.getByLabel('Note').fill('Pressed by mistake, said so on the speaker');

      // Pressed again while the form is open: the card is drawn anew (version 2), her form filled from her draft.
      await pressOverHttp(hub, adminCookie, 'h1', 'p1');
      await vi.waitFor(() => expect(hub.alerts.get(first.id)?.count).toBe(2));
      await card.getByText('Seen 2 times').waitFor();
      await card.getByRole('button', { name: 'Resolve', exact: true }).click();

      // Before the fix: the alert resolved as a false alarm, the second press unseen.
      const error = card.locator('.error');
      await error.filter({ hasText: 'pressed again at' }).waitFor();
      expect(await error.textContent()).toMatch(
        /^Not resolved: pressed again at \d\d:\d\d since you opened it \(version 1, now \d+\): look again, then resolve$/,
      );
      expect(hub.alerts.get(first.id)).toMatchObject({ state: 'raised', outcome: null, count: 2 });
      // Her outcome and note are still there.
      expect(await card.getByLabel('Outcome').inputValue()).toBe('false-alarm');
      expect(await card.getByLabel('Note').inputValue()).toBe('Pressed by mistake, said so on the speaker');

      // She has seen it: Resolve again is taken, as she chose it.
      await card.getByRole('button', { name: 'Resolve', exact: true }).click();
      await vi.waitFor(() => expect(hub.alerts.get(first.id)?.state).toBe('resolved'), { timeout: 10_000 });
      expect(hub.alerts.get(first.id)).toMatchObject({
        outcome: 'false-alarm',
        note: 'Pressed by mistake, said so on the speaker',
        count: 2,
      });
      await page.locator(`#closed-${first.id}`).waitFor();
    } finally {
      await browser.close();
    }
  }, 60_000);
});
