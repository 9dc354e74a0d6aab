// Review, session 59: a quarantined hub's alerts looked reachable. A hub over its byte budget is cut off by the centre
// (central/quarantine.ts: its NATS user left out until an operator resolves its `hub-quarantined` alert) and is never
// called offline meanwhile (central/offline.ts, session 39). Its own alerts (a pendant press sent before the cut) kept
// their cards with no badge and no word that the hub cannot be reached: an operator pressing Acknowledge learnt a
// minute later "no answer from the hub in time", the card of an offline hub having said so before anything was
// pressed since session 35. Now such a card says the hub is cut off by the centre and to phone the home, from the
// moment the quarantine is raised (an open page too) until it is lifted. Debian's chromium, the real console,
// PostgreSQL; the quarantine raised and lifted by the centre's own functions.
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { actOnCentreAlert } from '../../central/console/alerts.js';
import { createOperator } from '../../central/console/index.js';
import { HUB_QUARANTINED, recordUsage } from '../../central/quarantine.js';
import { hubAlert, storeAlert, logInAt } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable("the quarantined hub's card test");

const WAIT = { timeout: 15_000, interval: 20 };
const PASSWORD = 'a-long-password-1';

describe.skipIf(!runnable)('review s59: a quarantined hub’s alert says the centre cannot reach it', () => {
  const stage = centreConsoleInChromium();
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    await createOperator(stage.env.pool, { username: 'olive', role: 'operator', password: PASSWORD });
  });

  async function logIn(): Promise<Page> {
    context = await stage.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const page = await context.newPage();
    await logInAt(page, stage.env, 'olive', PASSWORD);
    return page;
  }

  it('says so on an open page once the hub is cut off, and no longer once the quarantine is lifted', async () => {
    const page = await logIn();
    await page.getByText('Live: connected').waitFor(WAIT);
    await storeAlert(
      stage.env.pool,
      'hub-q',
      hubAlert('q1', { kind: 'pendant', severity: 'critical', homeId: 'home-2' }),
    );
    await storeAlert(
      stage.env.pool,
      'hub-k',
      hubAlert('k1', { kind: 'pendant', severity: 'critical', homeId: 'home-3' }),
    );
    const card = page.locator('li[data-hub="hub-q"][data-alert="q1"]');
    await card.waitFor(WAIT);
    expect(await card.innerText()).not.toContain('cannot reach');

    // The hub floods: over its budget, cut off (the workers' own step).
    const client = await stage.env.pool.connect();
    try {
      expect(await recordUsage(client, [{ hubId: 'hub-q', bytes: 2_000, atMs: Date.now() }], 1_000)).toEqual(['hub-q']);
    } finally {
      client.release();
    }
    await page.locator(`li[data-hub="hub-q"][data-alert^="centre-${HUB_QUARANTINED}-"]`).waitFor(WAIT);
    await expect
      .poll(() => card.innerText(), WAIT)
      .toMatch(
        /Hub hub-q is cut off by the centre.*: an acknowledgement or resolution sent from here cannot reach it.*Phone the home\./s,
      );
    expect(await card.locator('h3').innerText()).toMatch(/raised hub cut off/);
    // Another hub's card says nothing of the kind.
    expect(await page.locator('li[data-hub="hub-k"][data-alert="k1"]').innerText()).not.toContain('cannot reach');
    // A reload (the open alerts listed afresh) says it too.
    await page.reload();
    await expect.poll(() => card.innerText(), WAIT).toContain('is cut off by the centre');

    // An operator lifts it: the card no longer says so.
    const quarantine = await stage.env.pool.query<{ alert_id: string }>(
      `SELECT alert_id FROM central_alerts WHERE hub_id = 'hub-q' AND type = $1`,
      [HUB_QUARANTINED],
    );
    const lifted = await actOnCentreAlert(
      stage.env.pool,
      'hub-q',
      quarantine.rows[0]!.alert_id,
      { action: 'resolve', operator: 'olive', outcome: 'no-action-needed', note: null },
      new Date(),
    );
    expect(lifted.ok).toBe(true);
    await expect.poll(() => card.innerText(), WAIT).not.toContain('cut off');
  });
});
