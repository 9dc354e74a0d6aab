// Review, session 69: the alerts page kept the lost branch of a restored hub's call. A hub restored from a backup
// carries an open call on from the backup's version; the centre now takes that branch (`applyFork`, central/ingest.ts)
// and the consoles list afresh. The page kept each alert's highest version and took no lower one: a card "acknowledged
// by jane" at version 4 stayed so while the listing said version 3, raised, escalated again at the hub. Now a card in
// the server's listing is taken whatever its version. Real console, PostgreSQL and Debian's chromium; the versions
// stored and the fork notified as the workers do (test/central/review-s69-restored-hub.test.ts covers the workers).
import { describe, expect, it } from 'vitest';
import { ALERT_CHANNEL } from '../../central/schema.js';
import { hubAlert, logInAt, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the restored hub alerts page test');
const WAIT = { timeout: 20_000, interval: 50 };

describe.skipIf(!runnable)("review s69: the alerts page after a hub's restore", () => {
  const stage = centreConsoleInChromium();

  it('shows the call as the restored hub has it, though its version is lower than the one shown', async () => {
    const pool = stage.env.pool;
    await storeHub(pool, 'hub1', { status: 'online', lastSeenAt: new Date() });
    const call = (version: number, fields: Record<string, unknown>): Record<string, unknown> =>
      hubAlert('a2', { kind: 'inactivity', severity: 'critical', homeId: 'flat-3', version, ...fields });
    const acknowledged = { state: 'acknowledged', acknowledgedAt: '2026-11-30T03:05:00.000Z', acknowledgedBy: 'jane' };
    for (const version of [1, 2]) await storeAlert(pool, 'hub1', call(version, {}));
    await storeAlert(pool, 'hub1', call(3, acknowledged));
    await storeAlert(pool, 'hub1', call(4, { ...acknowledged, count: 2 }));

    const context = await stage.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    await logInAt(page, stage.env);
    await page.getByText('Live: connected').waitFor(WAIT);
    const card = page.locator('li.card[data-key][data-alert="a2"]');
    await expect.poll(() => card.getAttribute('data-version'), WAIT).toBe('4');
    expect(await card.getAttribute('data-state')).toBe('acknowledged');

    // The restored hub's version 3 (raised, escalated again) replaces the lost branch, as `applyFork` does.
    const restored = call(3, { escalationLevel: 2 });
    await pool.query(
      `UPDATE central_alert_versions SET payload = $1 WHERE hub_id = 'hub1' AND alert_id = 'a2' AND version = 3`,
      [{ hubId: 'hub1', alertId: 'a2', version: 3, alert: restored }],
    );
    await pool.query(`DELETE FROM central_alert_versions WHERE hub_id = 'hub1' AND alert_id = 'a2' AND version > 3`);
    await pool.query(
      `UPDATE central_alerts SET version = 3, state = 'raised', alert = $1, updated_at = now()
       WHERE hub_id = 'hub1' AND alert_id = 'a2'`,
      [restored],
    );
    await pool.query('SELECT pg_notify($1, $2)', [
      ALERT_CHANNEL,
      JSON.stringify({ hubId: 'hub1', alertId: 'a2', version: 3, fork: true }),
    ]);
    // Before the fix: version 4, acknowledged by jane, for good.
    await expect.poll(() => card.getAttribute('data-version'), WAIT).toBe('3');
    expect(await card.getAttribute('data-state')).toBe('raised');
  }, 90_000);
});
