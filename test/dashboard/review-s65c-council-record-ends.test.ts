// The council page and a report whose record ends before its period does (review, session 65, round 3). Since this
// session the report says `recordEndsAt` (docs/analytics.md "Session 65 review": a copy of the hub's database taken
// while the hub ran, or a hub that lost its power and has not started since): nothing after it is known, and those
// days are not counted as days the hub was off. The page showed it as a figure named from its key, "Record ends at",
// with the instant as the JSON has it ("2026-11-10T12:00:00.000Z"), a line among the counts that a council officer
// could not read; and "Days the hub was off: 0" above it read as a hub that ran all month. It now says it plainly,
// beside the days the hub was off: "This record ends on 10 Nov 2026, 12:00 GMT; the days after are not known …".
// Debian's chromium, the real dashboard and the real report (analytics/report.ts) over the hub's real SQLite file, its
// runs noted as the hub notes them (`noteHubRunning`).
import { describe, expect, it } from 'vitest';
import { noteHubRunning } from '../../analytics/store.js';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { ADMIN_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable("the council page's record end");
const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock });

/** The summary's terms and what each says, in order. */
function summary(page: import('playwright-core').Page): Promise<[string, string][]> {
  return page.$$eval('dl.summary dt', (dts) =>
    dts.map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? ''] as [string, string]),
  );
}

const OFF = 'Days the hub was off for 15 minutes or more (their figures are partial)';

describe.skipIf(!haveChromium)("the council page, a report whose record ends before its period's end", () => {
  it('says where the record ends, plainly and beside the days the hub was off; a record that runs on says nothing', async () => {
    const page = await loggedInPage(stage.browser, stage.base, 1024, 'admin', ADMIN_PASSWORD);
    try {
      // A hub that runs to now: its report has no record end, and the page says nothing of one.
      noteHubRunning(stage.dashboard.deps.db, Date.UTC(2026, 9, 1, 8, 0), clock.now());
      await page.goto(`${stage.base}/council?from=2026-11-01&to=2026-11-22`);
      await page.getByRole('heading', { name: 'Alerts by kind' }).waitFor();
      const running = await summary(page);
      expect(running.map(([term]) => term)).toContain(OFF);
      expect(running.filter(([term, said]) => /record/i.test(term) || /^This record/.test(said))).toEqual([]);

      // The same report on a copy of the database taken on 10 Nov at 12:00 while the hub ran: its last run ends there.
      stage.dashboard.deps.db.prepare('DELETE FROM hub_runs').run();
      noteHubRunning(stage.dashboard.deps.db, Date.UTC(2026, 9, 1, 8, 0), Date.UTC(2026, 10, 10, 12, 0));
      const report = await page.evaluate<{ recordEndsAt: string | null; hubOffDays: number }>(
        `fetch('/api/reports/prevention?from=2026-11-01&to=2026-11-22').then((r) => r.json())`,
      );
      expect(report).toMatchObject({ recordEndsAt: '2026-11-10T12:00:00.000Z', hubOffDays: 0 });
      await page.reload();
      await page.getByRole('heading', { name: 'Alerts by kind' }).waitFor();
      const copy = await summary(page);
      const off = copy.findIndex(([term]) => term === OFF);
      expect(copy[off]![1]).toBe('0');
      expect(copy[off + 1]).toEqual([
        'Where this record ends',
        'This record ends on 10 Nov 2026, 12:00 GMT; the days after are not known (a copy of the hub\u2019s ' +
          'database, or a hub that has not run since): they are not counted as days the hub was off.',
      ]);
      expect(copy.map(([, said]) => said).join(' ')).not.toContain('2026-11-10T');
    } finally {
      await page.context().close();
    }
  }, 120_000);

  it('says where the record begins when the hub started during the period (the lead, session 65)', async () => {
    const page = await loggedInPage(stage.browser, stage.base, 1024, 'admin', ADMIN_PASSWORD);
    try {
      // A hub installed on 5 Nov at 08:00 and running since: November's report has days before it.
      stage.dashboard.deps.db.prepare('DELETE FROM hub_runs').run();
      noteHubRunning(stage.dashboard.deps.db, Date.UTC(2026, 10, 5, 8, 0), clock.now());
      await page.goto(`${stage.base}/council?from=2026-11-01&to=2026-11-22`);
      await page.getByRole('heading', { name: 'Alerts by kind' }).waitFor();
      const said = await summary(page);
      // Before: no such line; every count of 1 to 4 Nov a 0 with nothing saying the hub was not there yet.
      expect(said.find(([term]) => term === 'Where this record begins')).toEqual([
        'Where this record begins',
        'This record begins on 5 Nov 2026, 08:00 GMT; the days before are not known (the hub was not running yet): ' +
          'their counts are not counts of nothing happening.',
      ]);
      expect(said.map(([, text]) => text).join(' ')).not.toContain('2026-11-05T');
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
