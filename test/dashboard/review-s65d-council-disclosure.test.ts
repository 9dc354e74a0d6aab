// The council page's "Disclosure" line (review, session 65, round 4): the line that tells a council officer how the
// figures are protected named three of the report's JSON keys, "hubOffDays", "recordEndsAt" and "recordStartsAt", as
// analytics/report.ts writes them for the programs that read the JSON. The page now says them in words, by the names
// it gives those figures; the JSON keeps its keys (programs) and the CSV, which has no disclosure, is unchanged.
// Debian's chromium, the real dashboard and the real report over the hub's real SQLite file.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { noteHubRunning } from '../../analytics/store.js';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { ADMIN_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable("the council page's disclosure");
const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock });

/** A key as the JSON spells it: a lower-case word then capitals ("hubOffDays"). */
const JSON_KEY = /\b[a-z]+[A-Z][A-Za-z0-9]*\b/;

/** The disclosure's full text, under the summary's "Disclosure" (folded since session 77: opened first). */
async function disclosure(page: Page): Promise<string> {
  const folded = page.locator('dl.summary details.disclosure');
  if ((await folded.getAttribute('open')) === null) await folded.locator('summary').click();
  const text = page.locator('#disclosure');
  await text.waitFor({ state: 'visible' });
  return page.$$eval(
    'dl.summary dt',
    (dts) =>
      dts.find((dt) => dt.textContent === 'Disclosure')?.nextElementSibling?.querySelector('#disclosure')
        ?.textContent ?? '',
  );
}

describe.skipIf(!haveChromium)("the council page's disclosure", () => {
  it("says in words what the report's JSON says with its keys, which the JSON keeps", async () => {
    const page = await loggedInPage(stage.browser, stage.base, 1024, 'admin', ADMIN_PASSWORD);
    try {
      noteHubRunning(stage.dashboard.deps.db, Date.UTC(2026, 9, 1, 8, 0), clock.now());
      const query = 'from=2026-11-01&to=2026-11-22';
      await page.goto(`${stage.base}/council?${query}`);
      await page.getByRole('heading', { name: 'Alerts by kind' }).waitFor();

      const said = await disclosure(page);
      expect(said).toMatch(/^Counts of 1 to 7 are shown as \*/);
      expect(said).not.toMatch(JSON_KEY);
      expect(said).toContain('(the days the hub was off are a count of days, not rounded)');
      expect(said).toContain('“Where this record ends”, when the report says it, is where this database’s record ends');
      expect(said).toContain('“Where this record begins”, when the report says it, is where it begins');

      // For programs, the JSON still names its keys; the CSV has no disclosure and is as it was.
      const json = await page.evaluate<{ disclosure: string }>(
        `fetch('/api/reports/prevention?${query}').then((r) => r.json())`,
      );
      for (const key of ['hubOffDays', 'recordEndsAt', 'recordStartsAt']) expect(json.disclosure).toContain(key);
      const csv = await page.evaluate<string>(
        `fetch('/api/reports/prevention?${query}&format=csv').then((r) => r.text())`,
      );
      expect(csv.split('\r\n')[0]).toBe('section,item,measure,value');
      expect(csv).not.toMatch(/disclos/i);
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
