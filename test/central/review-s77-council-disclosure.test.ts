// Review, session 77: the centre's Council page ended with its disclosure, about 600 words in one paragraph, naming
// the report's JSON keys (knownBy, silentHubs, homesMoved, hubsWithoutFeatures, notYetKnown, recordStartsOn) that the
// page itself shows in words ("not known yet", "Homes heard from two hubs and counted once"). The hub's page had said
// its keys in words since session 65. Now it is folded under "How each figure is protected, in full", says those keys
// as the page does, and opens by itself when the report is printed. Debian's chromium, the real console and
// PostgreSQL.
import { describe, expect, it } from 'vitest';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';
import { logInAt } from './console-env.js';

const runnable = consoleInChromiumRunnable("the centre's council disclosure");

/** A key as the JSON spells it: a lower-case word then capitals ("silentHubs"). */
const JSON_KEY = /\b[a-z]+[A-Z][A-Za-z0-9]*\b/;

describe.skipIf(!runnable)("review s77: the centre's council disclosure", () => {
  const stage = centreConsoleInChromium();

  it('is folded, in words, and opened for printing', async () => {
    const context = await stage.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    await logInAt(page, stage.env, undefined, undefined, '/council');
    await page.locator('#from').fill('2026-07-06');
    await page.locator('#to').fill('2026-08-02');
    await page.getByRole('button', { name: 'Show' }).click();
    // The page first shows its own default period: the report asked for is the one to read (its answer redraws the
    // page, and a disclosure opened on the first would be closed again).
    await page.getByText('Report for 6 Jul 2026 to 2 Aug 2026').waitFor({ timeout: 15_000 });
    await page.getByText('Whole period').waitFor({ timeout: 15_000 });

    const text = page.locator('#disclosure');
    expect(await text.isVisible()).toBe(false);
    const line = page.locator('details.disclosure > summary');
    expect(await line.innerText()).toBe('How each figure is protected, in full');
    // The status line stays in view: final or provisional, and known by when.
    expect(await page.locator('#status').innerText()).toMatch(/^(Final|Provisional)/);

    await line.click();
    await text.waitFor({ state: 'visible' });
    const said = await text.innerText();
    expect(said).toMatch(/^Counts of 1 to 7 are shown as \*/);
    expect(said).not.toMatch(JSON_KEY);
    expect(said).toContain('A week marked “not known yet” begins at or after that instant');
    expect(said).toContain('counted in “Homes heard from two hubs and counted once”');
    // For programs, the JSON keeps its keys.
    const json = await page.evaluate<{ disclosure: string }>(
      "fetch('/api/reports/council?from=2026-07-06&to=2026-08-02').then((r) => r.json())",
    );
    for (const key of ['knownBy', 'silentHubs', 'homesMoved', 'notYetKnown']) expect(json.disclosure).toContain(key);

    // Closed again, then printed: it opens, so that the paper carries it whole.
    await line.click();
    await text.waitFor({ state: 'hidden' });
    await page.evaluate("window.dispatchEvent(new Event('beforeprint'))");
    await text.waitFor({ state: 'visible' });
  });

  it('draws the period asked for, not the page’s own default period answered later', async () => {
    const context = await stage.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    // The page's default period (the 56 days it asks for by itself) answered only after the period the officer asks.
    let releaseDefault: () => void = () => undefined;
    const defaultHeld = new Promise<void>((resolve) => (releaseDefault = resolve));
    await page.route('**/api/reports/council?*', async (route) => {
      if (!route.request().url().includes('from=2026-07-06')) await defaultHeld;
      await route.continue();
    });
    await logInAt(page, stage.env, undefined, undefined, '/council');
    await page.locator('#from').fill('2026-07-06');
    await page.locator('#to').fill('2026-08-02');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('Report for 6 Jul 2026 to 2 Aug 2026').waitFor({ timeout: 15_000 });
    const answered = page.waitForResponse(
      (r) => r.url().includes('/api/reports/council?') && !r.url().includes('from=2026-07-06'),
    );
    releaseDefault();
    await answered;
    // The late answer is dropped: the period asked for stays (before: the default period drawn over it).
    await page.evaluate('new Promise((resolve) => setTimeout(resolve, 200))');
    expect(await page.locator('#message').innerText()).toBe('Report for 6 Jul 2026 to 2 Aug 2026');
    expect(await page.locator('#council-table thead').innerText()).toContain('Week from 6 Jul');
  });
});
