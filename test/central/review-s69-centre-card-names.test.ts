// What a screen reader names on the centre's cards (review, session 69; the hub's console since session 65,
// test/dashboard/review-s65-card-names.test.ts). Every heading was "Pendant critical raised" and every card's buttons
// "Acknowledge" and "Resolve…": read by heading, in a screen reader's list of buttons or as the keyboard reached them,
// an operator with calls from many hubs could not tell one from another, nor which call a button would answer; the
// home and hub were only in the line after. Two hubs' flats may share an id, so the hub is named too. Debian's
// chromium, the real console and PostgreSQL, alert versions stored and NOTIFYed as the workers do.
import { describe, expect, it } from 'vitest';
import { hubAlert, logInAt, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable("the centre's console, names of its cards");
const WAIT = { timeout: 15_000 };

/** The names of `role` in an aria snapshot: `- button "Acknowledge Pendant at …"` → `Acknowledge Pendant at …`. */
function names(snapshot: string, role: string): string[] {
  return [...snapshot.matchAll(new RegExp(`- ${role} "([^"]*)"`, 'g'))].map((m) => m[1]!);
}

describe.skipIf(!runnable)("review s69: the centre's cards, as a screen reader names them", () => {
  const stage = centreConsoleInChromium();

  it('names each card and each of its buttons with the call, its home and its hub', async () => {
    const now = Date.now();
    for (const hub of ['hub-a', 'hub-b']) {
      await storeHub(stage.env.pool, hub, { status: 'online', lastSeenAt: new Date(now) });
    }
    const at = new Date(now).toISOString();
    const pendant = { kind: 'pendant', severity: 'critical', raisedAt: at, lastSeenAt: at };
    await storeAlert(stage.env.pool, 'hub-a', hubAlert('a1', { ...pendant, homeId: 'flat-1' }));
    await storeAlert(stage.env.pool, 'hub-b', hubAlert('b1', { ...pendant, homeId: 'flat-1' }));
    await storeAlert(stage.env.pool, 'hub-a', hubAlert('a2', { ...pendant, homeId: 'flat-2' }));

    const context = await stage.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const page = await context.newPage();
    await logInAt(page, stage.env);
    await page.getByText('Live: connected').waitFor(WAIT);
    await page.locator('#alerts > li').nth(2).waitFor(WAIT);

    const list = await page.locator('#alerts').ariaSnapshot();
    const headings = names(list, 'heading');
    expect(headings).toHaveLength(3);
    // Before: three times "Pendant critical raised".
    expect(new Set(headings).size).toBe(3);
    const buttons = names(list, 'button');
    expect(buttons).toHaveLength(6);
    // Before: three times "Acknowledge" and three times "Resolve…".
    expect(new Set(buttons).size).toBe(6);
    for (const [id, about] of [
      ['a1', 'Pendant at flat-1, hub hub-a'],
      ['b1', 'Pendant at flat-1, hub hub-b'],
      ['a2', 'Pendant at flat-2, hub hub-a'],
    ] as const) {
      const card = page.locator(`#alerts > li[data-alert="${id}"]`);
      await card.getByRole('heading', { name: `${about} critical raised`, exact: true }).waitFor(WAIT);
      await card.getByRole('button', { name: `Acknowledge ${about}`, exact: true }).waitFor(WAIT);
      await card.getByRole('button', { name: `Resolve… ${about}`, exact: true }).waitFor(WAIT);
    }
    // Its resolve form is named too (a form landmark).
    await page.getByRole('button', { name: 'Resolve… Pendant at flat-1, hub hub-b', exact: true }).click();
    await page.getByRole('form', { name: 'Resolve Pendant at flat-1, hub hub-b', exact: true }).waitFor(WAIT);
  }, 120_000);
});
