// Review, session 75: the centre showed every time on a card in its operator's zone, never the home's: no time zone
// left a hub (session 59). A possible fall at 02:22 in New York read "16:22" on a screen in Tokyo: whether it was night
// for the resident, which a responder judges from, was not on the card. Now the hub sends its home's zone beside each
// alert version (`homeTimezone`), the workers keep it with the alert (checked), the console returns it with the card,
// and the page shows the card's times in it, saying so when it is not the operator's.
// Through the real stages: a real hub in-process on an injected clock (its uplink through the centre's NATS MQTT
// gateway), a worker, PostgreSQL, the console over HTTP, Debian's chromium in Tokyo's zone.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { connect, type NatsConnection } from 'nats';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startConsole, type RunningConsole } from '../../central/console/index.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { silentLogger } from '../../hub/logger.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { MINUTE_MS } from '../../rules/time.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir, withBedroomPir } from '../hub/helpers.js';
import { centreMissing, centreUplink, hubOverMqtt, startTestCentre, type TestCentre } from './centre.js';
import { ADMIN_PASSWORD, logInAt } from './console-env.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the home's time at the centre: ${missing}`);
const runnable = missing === undefined && chromiumAvailable("the home's time at the centre");

const HOME_ZONE = 'America/New_York';
const BROWSER_ZONE = 'Asia/Tokyo';
/** 02:00 in New York (EST, UTC-5), 16:00 in Tokyo: a fall at night for the resident, in the afternoon on the screen. */
const T0 = Date.UTC(2026, 10, 23, 7, 0, 0);
const WAIT = { timeout: 60_000, interval: 50 };

const eventually = (check: () => void | Promise<void>): Promise<void> => vi.waitFor(check, WAIT);

/** "02:46:00" in `zone`, as the page writes a time (en-GB, 24 h). */
const clockIn = (iso: string, zone: string): string =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));

let centre: TestCentre;
let nc: NatsConnection;
let running: RunningConsole;
let hub: RunningHub | undefined;
let sensor: MqttClient | undefined;
let browser: Browser;
const hubDir = tempDir('s75-home-time-hub');
const centreDir = tempDir('s75-home-time-centre');

async function pageInTokyo(): Promise<Page> {
  const context = await browser.newContext({ timezoneId: BROWSER_ZONE, locale: 'en-GB' });
  const page = await context.newPage();
  await logInAt(page, { url: running.url });
  await page.getByText('Live: connected').waitFor(WAIT);
  return page;
}

describe.skipIf(!runnable)("the home's time on the centre's card", () => {
  beforeAll(async () => {
    [centre, browser] = await Promise.all([startTestCentre(centreDir, ['hub1', 'old-hub']), launchChromium()]);
    await centre.startWorkers(1);
    nc = await connect({ servers: centre.cluster.natsUrls, user: 'centre', pass: centre.centrePassword });
    running = await startConsole({
      pool: centre.pool,
      nc,
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      adminPassword: ADMIN_PASSWORD,
      sseHeartbeatSeconds: 1,
    });
  }, 180_000);

  afterAll(async () => {
    await sensor?.endAsync(true).catch(() => undefined);
    await hub?.stop();
    await browser?.close();
    await running?.close();
    await nc?.close().catch(() => undefined);
    await centre?.stop();
    for (const dir of [hubDir, centreDir]) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("a possible fall in New York reads in New York's time in Tokyo, and says so", async () => {
    const config = withBedroomPir(ONE_HOME_CONFIG);
    config.homes[0]!.timezone = HOME_ZONE;
    const clock = new FakeClock(T0);
    hub = await startTestHub(parseHubConfig(config), hubDir, {
      clock,
      uplink: centreUplink(centre),
    });
    sensor = await mqttClient(hub.ports.mqtt!);
    clock.advanceBy(DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000);
    await hub.alerts.settled();
    // Seen in the hall, then nothing: the hub's clock moves on a minute at a time until it calls.
    await sensor.publishAsync('telecare/h1/devices/hall-pir/events', '{"type":"motion","value":true}', { qos: 1 });
    await eventually(() => expect(hub!.store.eventsAfter(0, 10).length).toBeGreaterThan(0));
    for (let i = 0; i < 180 && hub.alerts.list({ state: 'open' }).length === 0; i++) {
      clock.advanceBy(MINUTE_MS);
      await hub.alerts.settled();
    }
    const alert = hub.alerts.list({ state: 'open' }).find((a) => a.kind === 'possible-fall' || a.kind === 'inactivity');
    expect(alert).toMatchObject({ kind: 'possible-fall', detail: { lastRoom: 'hall' } });
    const raisedAt = alert!.raisedAt;
    const home = clockIn(raisedAt, HOME_ZONE);
    const screen = clockIn(raisedAt, BROWSER_ZONE);
    // Night for the resident, afternoon for the operator.
    expect(home).toMatch(/^02:/);
    expect(screen).toMatch(/^16:/);

    const page = await pageInTokyo();
    const card = page.locator(`li.card[data-hub="hub1"][data-alert="${alert!.id}"]`);
    await card.waitFor(WAIT);
    const meta = (await card.locator('p.meta').innerText()).replace(/\s+/g, ' ');
    // Before: "Raised 23/11/2026, 16:22:00 (14 d 8 h ago)": Tokyo's afternoon, and nothing said of the home's night.
    expect(meta).toContain(`Raised 23/11/2026, ${home}`);
    expect(meta).not.toContain(screen);
    expect(meta).toContain('Home time: America/New York, 14 h behind yours');
    await page.context().close();
    // The centre keeps the home's zone with the alert.
    await eventually(async () => {
      const rows = await centre.pool.query<{ home_timezone: string | null }>(
        `SELECT home_timezone FROM central_alerts WHERE hub_id = 'hub1' AND alert_id = $1`,
        [alert!.id],
      );
      expect(rows.rows).toEqual([{ home_timezone: HOME_ZONE }]);
    });
  }, 300_000);

  it("an older hub's alert (no zone) and one with a zone no one knows read in the operator's time, as before", async () => {
    const older = await hubOverMqtt(centre, 'old-hub');
    const raisedAt = new Date(T0 + 46 * MINUTE_MS).toISOString();
    const alertOf = (id: string): object => ({
      id,
      homeId: 'flat-2',
      kind: 'possible-fall',
      severity: 'high',
      state: 'raised',
      raisedAt,
      room: 'hall',
      detail: { silenceMinutes: 46, thresholdMinutes: 45, thresholdSource: 'cold-start', lastRoom: 'hall' },
      count: 1,
      lastSeenAt: raisedAt,
      version: 1,
    });
    // As a hub before session 75 sends it: no `homeTimezone`.
    await older.publishAsync(
      'telecare-up/old-hub/alerts/old-1',
      JSON.stringify({ hubId: 'old-hub', alertId: 'old-1', version: 1, alert: alertOf('old-1') }),
      { qos: 1 },
    );
    await older.publishAsync(
      'telecare-up/old-hub/alerts/odd-1',
      JSON.stringify({
        hubId: 'old-hub',
        alertId: 'odd-1',
        version: 1,
        homeTimezone: 'Mars/Olympus_Mons',
        alert: alertOf('odd-1'),
      }),
      { qos: 1 },
    );
    await older.endAsync();
    await eventually(async () => {
      const rows = await centre.pool.query<{ alert_id: string; home_timezone: string | null }>(
        `SELECT alert_id, home_timezone FROM central_alerts WHERE hub_id = 'old-hub' ORDER BY alert_id`,
      );
      expect(rows.rows).toEqual([
        { alert_id: 'odd-1', home_timezone: null },
        { alert_id: 'old-1', home_timezone: null },
      ]);
    });

    const page = await pageInTokyo();
    for (const id of ['old-1', 'odd-1']) {
      const card = page.locator(`li.card[data-hub="old-hub"][data-alert="${id}"]`);
      await card.waitFor(WAIT);
      const meta = (await card.locator('p.meta').innerText()).replace(/\s+/g, ' ');
      expect(meta).toContain(`Raised 23/11/2026, ${clockIn(raisedAt, BROWSER_ZONE)}`);
      expect(meta).not.toContain('Home time');
      expect(await card.locator('p.why').first().innerText()).toContain('Silent for 46 min');
    }
    await page.context().close();
  }, 120_000);
});
