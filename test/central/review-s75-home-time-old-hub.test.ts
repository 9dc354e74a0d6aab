// Review, session 75: the home's time zone travels with each alert version (`homeTimezone` beside the alert) and the
// centre's card shows its times in it (review-s75-centre-home-time). Here what must not change: a hub before session 75
// sends no zone, a zone can be one the centre or a browser does not know; the alert is stored all the same, the card
// is drawn, its times the operator's own as before. The workers' two paths (one message, a batch) on a private
// PostgreSQL, the console over HTTP and Debian's chromium (console-in-chromium.ts).
import { describe, expect, it } from 'vitest';
import { homeTimeZone, ingest, ingestBatch, type Incoming } from '../../central/ingest.js';
import { alertVersionBody } from '../../hub/uplink-queue.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';
import { ADMIN_PASSWORD, ConsoleClient, hubAlert, logInAt, storeAlert, type Json } from './console-env.js';

const WAIT = { timeout: 20_000, interval: 20 };
const RAISED = '2026-11-30T03:00:00.000Z';

describe("the home's zone as the hub sends it and the workers check it", () => {
  it('is sent beside the alert, and a hub without it sends what it sent before session 75', () => {
    const item = { alertId: 'a1', version: 2, alertJson: '{"id":"a1"}' };
    expect(alertVersionBody(item)).toBe('{"alertId":"a1","version":2,"alert":{"id":"a1"}}');
    expect(JSON.parse(alertVersionBody({ ...item, homeTimezone: 'Atlantic/Canary' }))).toEqual({
      alertId: 'a1',
      version: 2,
      homeTimezone: 'Atlantic/Canary',
      alert: { id: 'a1' },
    });
  });

  it('keeps a zone Intl knows, and nothing else', () => {
    expect(homeTimeZone('Atlantic/Canary')).toBe('Atlantic/Canary');
    expect(homeTimeZone('UTC')).toBe('UTC');
    for (const odd of [undefined, null, 42, '', 'Mars/Olympus_Mons', 'Europe/London/../../etc', 'x'.repeat(65), {}]) {
      expect(homeTimeZone(odd)).toBeNull();
    }
  });
});

const runnable = consoleInChromiumRunnable("an older hub's card");

describe.skipIf(!runnable)("an older hub's alert at the centre", () => {
  const stage = centreConsoleInChromium();
  let seq = 0;
  const message = (hubId: string, alertId: string, extra: Record<string, unknown>): Incoming => ({
    subject: `telecare-up.${hubId}.alerts.${alertId}`,
    data: Buffer.from(
      JSON.stringify({ hubId, alertId, version: 1, ...extra, alert: hubAlert(alertId, { raisedAt: RAISED }) }),
    ),
    receivedAt: new Date(),
    streamSeq: (seq += 1),
  });

  it('is stored by both worker paths, with no zone or an unknown one, and the console says none', async () => {
    const client = await stage.env.pool.connect();
    try {
      await ingest(client, message('w-one', 'none', {}));
      await ingest(client, message('w-one', 'odd', { homeTimezone: 'Mars/Olympus_Mons' }));
      await ingest(client, message('w-one', 'canary', { homeTimezone: 'Atlantic/Canary' }));
      await ingestBatch(client, [
        message('w-batch', 'none', {}),
        message('w-batch', 'odd', { homeTimezone: 7 }),
        message('w-batch', 'canary', { homeTimezone: 'Atlantic/Canary' }),
      ]);
    } finally {
      client.release();
    }
    const rows = await stage.env.pool.query<{ hub_id: string; alert_id: string; home_timezone: string | null }>(
      `SELECT hub_id, alert_id, home_timezone FROM central_alerts WHERE hub_id LIKE 'w-%' ORDER BY hub_id, alert_id`,
    );
    expect(rows.rows).toEqual(
      ['w-batch', 'w-one'].flatMap((hub_id) => [
        { hub_id, alert_id: 'canary', home_timezone: 'Atlantic/Canary' },
        { hub_id, alert_id: 'none', home_timezone: null },
        { hub_id, alert_id: 'odd', home_timezone: null },
      ]),
    );
    const operator = new ConsoleClient(stage.env.url);
    expect((await operator.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    const cards = (await operator.json('GET', '/api/alerts')).body as Json[];
    const zones = Object.fromEntries(
      cards.filter((c: Json) => c.hubId === 'w-one').map((c: Json) => [c.alertId, c.homeTimezone]),
    );
    expect(zones).toEqual({ none: null, odd: null, canary: 'Atlantic/Canary' });
  });

  it("is drawn with the operator's times, as before; a zone this browser does not know never breaks the card", async () => {
    // A row as stored before session 75 (no zone), and one whose zone the browser cannot use (written past the
    // workers' check: a centre's ICU newer than an operator's browser).
    await storeAlert(stage.env.pool, 'older-hub', hubAlert('before-75', { raisedAt: RAISED }));
    await storeAlert(stage.env.pool, 'older-hub', hubAlert('unusable', { raisedAt: RAISED }));
    await stage.env.pool.query(
      `UPDATE central_alerts SET home_timezone = 'Mars/Olympus_Mons' WHERE hub_id = 'older-hub' AND alert_id = 'unusable'`,
    );
    const context = await stage.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await logInAt(page, stage.env);
    for (const id of ['before-75', 'unusable']) {
      const card = page.locator(`li.card[data-hub="older-hub"][data-alert="${id}"]`);
      await card.waitFor(WAIT);
      const meta = (await card.locator('p.meta').innerText()).replace(/\s+/g, ' ');
      // 03:00 UTC is 12:00 in Tokyo.
      expect(meta).toContain('Raised 30/11/2026, 12:00:00');
      expect(meta).not.toContain('Home time');
      expect(await card.locator('p.why').first().innerText()).toContain('Silent for 3 h 10 min');
    }
    // The Atlantic/Canary card of the workers' test beside them: the home's time, said.
    const canary = page.locator('li.card[data-hub="w-one"][data-alert="canary"] p.meta');
    expect((await canary.innerText()).replace(/\s+/g, ' ')).toContain('Raised 30/11/2026, 03:00:00');
    expect(await canary.innerText()).toContain('Home time: Atlantic/Canary, 9 h behind yours');
    expect(errors).toEqual([]);
  });
});
