// Review, session 64: the alarm centre's operator screen after its live stream dropped and came back. A reviewer read
// that a critical call raised AND closed while the screen was away might flash up as a card and beep on the
// reconnection: a false alarm at the alarm centre. Checked for real: Debian's chromium on the centre's console through
// a TCP proxy that cuts the screen's connections and keeps it out while a hub's critical call is raised and resolved
// (stored and NOTIFYed as the workers do, real PostgreSQL), the page's AudioContext replaced by one that counts the
// tones it is asked to play (test/support/screen.ts: three tones a beep).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { countedTones } from '../support/screen.js';
import { hubAlert, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the console reconnection beep test');

const WAIT = { timeout: 20_000, interval: 20 };
const TONES_A_BEEP = 3;

describe.skipIf(!runnable)("review s64: the centre's console beeping after its stream came back", () => {
  const stage = centreConsoleInChromium();
  let proxy: CuttingProxy;
  let base: string;

  beforeAll(async () => {
    proxy = await cuttingProxy(Number(new URL(stage.env.url).port));
    base = `http://127.0.0.1:${proxy.port}`;
  });

  afterAll(async () => {
    await proxy?.close();
  });

  /** Cuts the screen's connections and keeps it out until `back()`; waits until the page says it is cut off. */
  async function away(page: Page): Promise<{ back(): Promise<void> }> {
    proxy.hold();
    await page.getByText(/^No connection to the centre since .*: reconnecting…/).waitFor(WAIT);
    return {
      async back() {
        proxy.admit();
        // `ready` (the open alerts all listed) is what says "Live: connected": every listed card was received before.
        await page.getByText('Live: connected').waitFor(WAIT);
      },
    };
  }

  const press = (hubId: string, id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => {
    const at = new Date().toISOString();
    return hubAlert(id, {
      kind: 'pendant',
      severity: 'critical',
      raisedAt: at,
      lastSeenAt: at,
      room: 'hall',
      ...overrides,
    });
  };

  it('a critical call raised and resolved while the screen was away: no beep, no card, and in "Recently closed"', async () => {
    await storeHub(stage.env.pool, 'hub-a', { status: 'online', lastSeenAt: new Date() });
    const page = await stage.consoleWithSound(base);
    const screen = await away(page);

    const raised = press('hub-a', 'gone');
    await storeAlert(stage.env.pool, 'hub-a', raised);
    await storeAlert(
      stage.env.pool,
      'hub-a',
      hubAlert('gone', {
        ...raised,
        state: 'resolved',
        resolvedAt: new Date().toISOString(),
        outcome: 'false-alarm',
        note: 'Pressed by mistake',
        version: 2,
      }),
    );
    await screen.back();

    expect(await countedTones(page)).toBe(0);
    expect(await page.locator('#alerts li[data-key="hub-a gone"]').count()).toBe(0);
    // The operator coming back sees that a call came and how it was closed, not nothing at all.
    const closed = page.locator('#closed li[data-key="hub-a gone"]');
    await closed.waitFor(WAIT);
    expect(await closed.innerText()).toMatch(/^Pendant · hub hub-a · .*resolved: False alarm \("Pressed by mistake"\)/);
    expect(await countedTones(page)).toBe(0);
  });

  it('a critical call raised while the screen was away and still open when it is back beeps once', async () => {
    await storeHub(stage.env.pool, 'hub-b', { status: 'online', lastSeenAt: new Date() });
    const page = await stage.consoleWithSound(base);
    const screen = await away(page);
    await storeAlert(stage.env.pool, 'hub-b', press('hub-b', 'open'));
    await screen.back();

    await page.locator('#alerts li[data-key="hub-b open"]').waitFor(WAIT);
    expect(await countedTones(page)).toBe(TONES_A_BEEP);
    // Once: a later live alert that makes no sound (medium; a high one has its own two tones since session 69)
    // arrives, and the count has not moved.
    await storeAlert(
      stage.env.pool,
      'hub-b',
      hubAlert('later', { severity: 'medium', raisedAt: new Date().toISOString() }),
    );
    await page.locator('#alerts li[data-key="hub-b later"]').waitFor(WAIT);
    expect(await countedTones(page)).toBe(TONES_A_BEEP);
  });
});
