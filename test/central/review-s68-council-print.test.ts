// Review, session 68: the council report printed without its later weeks. A council officer prints the quarter's report
// (13 weeks and the whole period, the Council page's table) for a committee paper; the table sits in a box that scrolls
// sideways on a screen (`.table-wrap`), and on paper that box is cut at the page's edge: the last weeks and the whole
// period's column, the one a committee reads, were not on the page. Now, printed, the table is set small enough to fit
// an A4 page across (portrait, as a browser prints by default) and the box no longer hides what does not fit; the form and the menu are not printed.
// Debian's chromium, the real console and PostgreSQL, print media emulated at an A4 portrait page's printable width.
import { describe, expect, it } from 'vitest';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';
import { logInAt } from './console-env.js';

const runnable = consoleInChromiumRunnable('the council print test');

/** A4 portrait (a browser's default), 210 mm less Chromium's default 10 mm margins each side, at 96 px to the inch. */
const A4_PORTRAIT_PRINTABLE_PX = Math.floor(((210 - 20) / 25.4) * 96);

describe.skipIf(!runnable)('review s68: the council report on paper', () => {
  const stage = centreConsoleInChromium();

  it("prints a quarter's table whole across an A4 page, every value inside its cell", async () => {
    const context = await stage.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    await logInAt(page, stage.env, undefined, undefined, '/council');
    await page.locator('#from').fill('2026-07-06');
    await page.locator('#to').fill('2026-10-04');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('Whole period').waitFor({ timeout: 15_000 });
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: A4_PORTRAIT_PRINTABLE_PX, height: 700 });
    const fit = await page.evaluate<{
      hidden: number;
      right: number;
      spilt: string[];
      title: string;
      lastHeader: string;
      form: string;
      nav: string;
    }>(`(() => {
      const wrap = document.querySelector('#table .table-wrap');
      const table = document.getElementById('council-table');
      const headers = [...table.querySelectorAll('thead th')];
      return {
        hidden: wrap.scrollWidth - wrap.clientWidth,
        right: Math.max(...headers.map((th) => th.getBoundingClientRect().right)),
        spilt: [...table.querySelectorAll('th, td')].filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.textContent),
        lastHeader: headers.at(-1).textContent,
        form: getComputedStyle(document.getElementById('period')).display,
        nav: getComputedStyle(document.querySelector('header nav')).display,
        title: getComputedStyle(document.querySelector('header h1')).display,
      };
    })()`);
    expect(fit.lastHeader).toBe('Whole period');
    // Before: the box scrolled (491 px of the table hidden) and the whole period's column ended off the page, at 1,174 px.
    expect(fit.hidden).toBeLessThanOrEqual(0);
    expect(fit.right).toBeLessThanOrEqual(A4_PORTRAIT_PRINTABLE_PX);
    expect(fit.form).toBe('none');
    expect(fit.nav).toBe('none');
    expect(fit.title).not.toBe('none');
    expect(fit.spilt).toEqual([]);
  });
});
