// A home whose installer marked no exit door (both contacts of kind `door`): the live hub learns the way out from the
// resident's outings (session 42's `ExitDoorLearner`), and says so where the installer looks (session 43): the hub's
// log (once, and again at the next start), `/api/homes` (`wayOutLearned`), and the devices page. A real hub on a fake
// clock, its embedded broker, a real MQTT client, Debian chromium. Before this, the learning was silent: the installer
// could not tell which door the hub took for the way out, nor that marking one was still to do.
import fs from 'node:fs';
import { Writable } from 'node:stream';
import type { MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { createLogger } from '../../hub/logger.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import { TEST_ADMIN_PASSWORD, adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from '../hub/helpers.js';

const haveChromium = chromiumAvailable('the learned way out on the devices page');

/** Monday 23 November 2026, 00:00 UTC (the home's zone is UTC: local hours are the clock's). */
const MONDAY = Date.UTC(2026, 10, 23);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const CONFIG = parseHubConfig({
  homes: [
    {
      id: 'h1',
      timezone: 'UTC',
      residents: [{ id: 'r1' }],
      // The front door (c1) and the bedroom's (c2) are both plain doors with no room: nothing says which is the way out.
      devices: [
        { id: 'c1', kind: 'door' },
        { id: 'c2', kind: 'door' },
        { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
        { id: 'living-pir', kind: 'motion', room: 'living' },
      ],
    },
  ],
});

let dir: string;
let hub: RunningHub;
let clock: FakeClock;
let client: MqttClient;
let browser: Browser | undefined;
const logged: { msg: string; homeId?: string; deviceIds?: string[]; learned?: string }[] = [];

/** A logger whose lines land in `logged` (pino's JSON, parsed). */
function capturingLogger(): ReturnType<typeof createLogger> {
  const destination = new Writable({
    write(chunk: Buffer, _enc, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line) as never);
      callback();
    },
  });
  return createLogger({ level: 'info', destination });
}

async function boot(): Promise<void> {
  hub = await startTestHub(CONFIG, dir, { clock, logger: capturingLogger() });
  client = await mqttClient(hub.ports.mqtt ?? 0);
}

/** At `hours` of day `day` (hub's clock), `events` from `device`, QoS 1 (stored and seen by the rules when acked). */
async function at(day: number, hours: number, device: string, events: object[]): Promise<void> {
  clock.advanceTo(MONDAY + day * DAY + hours * HOUR);
  await client.publishAsync(`telecare/h1/devices/${device}/events`, JSON.stringify(events), { qos: 1 });
}

/** A door opened and shut. */
const door = (day: number, hours: number, id: string) =>
  at(day, hours, id, [
    { type: 'contact', value: false },
    { type: 'contact', value: true },
  ]);

/** Up and about from `from` to `until`: the kitchen and living PIRs by turns every 20 min (each a movement begun and over). */
async function about(day: number, from: number, until: number): Promise<void> {
  for (let t = from, n = 0; t < until; t += 1 / 3, n++)
    await at(day, t, n % 2 === 0 ? 'kitchen-pir' : 'living-pir', [
      { type: 'motion', value: true },
      { type: 'motion', value: false },
    ]);
}

/** An ordinary day: up at 07:00 through c2, out through c1 from 10:00 for `outHours`, to bed at 22:00 through c2. */
async function ordinaryDay(day: number, outHours = 3): Promise<void> {
  await door(day, 7, 'c2');
  await about(day, 7.05, 10);
  await door(day, 10, 'c1');
  await door(day, 10 + outHours, 'c1');
  await about(day, 10 + outHours + 0.02, 22);
  await door(day, 22, 'c2');
}

interface DeviceRow {
  id: string;
  kind?: string;
  wayOutLearned?: boolean;
}

async function devices(): Promise<DeviceRow[]> {
  const res = await fetch(`${dashboardUrl(hub)}/api/homes`, { headers: { cookie: await adminSession(hub) } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { devices: DeviceRow[] }[])[0]!.devices;
}

const learnedLines = () => logged.filter((l) => l.msg.startsWith('exit door learned'));

beforeAll(async () => {
  dir = tempDir('way-out-learned');
  clock = new FakeClock(MONDAY);
  await boot();
  if (haveChromium) browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await client?.endAsync();
  await browser?.close();
  await hub?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the way out learned by the live hub, told to the installer', () => {
  it('before any outing nothing is learned: /api/homes says so of every device', async () => {
    await ordinaryDay(0);
    expect((await devices()).map((d) => [d.id, d.wayOutLearned])).toEqual([
      ['c1', false],
      ['c2', false],
      ['kitchen-pir', false],
      ['living-pir', false],
    ]);
    expect(learnedLines()).toEqual([]);
  }, 60_000);

  it('after a few outings c1 is the way out: logged once with the ids only, on /api/homes, and a 7.5 h outing raises nothing', async () => {
    for (let day = 1; day < 5; day++) await ordinaryDay(day);
    expect(learnedLines()).toEqual([expect.objectContaining({ homeId: 'h1', deviceIds: ['c1'], learned: 'now' })]);
    expect((await devices()).filter((d) => d.wayOutLearned).map((d) => d.id)).toEqual(['c1']);
    // Day 5: out from 10:00 to 17:30 through c1. Unlearned, inactivity called at 14:00 (the cold start's 4 h by day).
    const outAt = MONDAY + 5 * DAY + 10 * HOUR;
    await ordinaryDay(5, 7.5);
    await hub.alerts.settled();
    const called = hub.alerts
      .list({ limit: 1000 })
      .filter((a) => (INACTIVITY_FAMILY as readonly string[]).includes(a.kind) && Date.parse(a.raisedAt) > outAt);
    expect(called).toEqual([]);
    expect(learnedLines()).toHaveLength(1);
  }, 60_000);

  it.skipIf(!haveChromium)(
    'the devices page says which door was learned and what to mark',
    async () => {
      const base = dashboardUrl(hub);
      const context = await browser!.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await openThroughLogin(page, base, '/devices', 'admin', TEST_ADMIN_PASSWORD);
      const note = page.locator('[data-way-out-learned]');
      await note.waitFor();
      expect(await note.innerText()).toBe(
        'No exit door is marked in h1: the hub learned from the resident’s outings that c1 is the way out. ' +
          'Mark it "kind": "exit-door" in the configuration to be sure.',
      );
      expect(await page.locator('#homes tr[data-device="c1"] td[data-label="Kind"]').innerText()).toBe(
        'door — learned: the way out',
      );
      expect(await page.locator('#homes tr[data-device="c2"] td[data-label="Kind"]').innerText()).toBe('door');
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      expect(errors).toEqual([]);
      await context.close();
    },
    60_000,
  );

  it('after a restart the saved way out is said again in the log, and still on /api/homes', async () => {
    await client.endAsync();
    await hub.stop();
    logged.length = 0;
    await boot();
    expect(learnedLines()).toEqual([
      expect.objectContaining({ homeId: 'h1', deviceIds: ['c1'], learned: 'before this start' }),
    ]);
    expect((await devices()).filter((d) => d.wayOutLearned).map((d) => d.id)).toEqual(['c1']);
  }, 60_000);

  it('once the installer marks c1 as the exit door (a reload), nothing is said learned any more', async () => {
    const marked = parseHubConfig({
      homes: [
        {
          ...CONFIG.homes[0],
          devices: CONFIG.homes[0]!.devices.map((d) => (d.id === 'c1' ? { ...d, kind: 'exit-door' } : d)),
        },
      ],
    });
    logged.length = 0;
    hub.reload(marked);
    expect((await devices()).map((d) => [d.id, d.kind, d.wayOutLearned])).toEqual([
      ['c1', 'exit-door', false],
      ['c2', 'door', false],
      ['kitchen-pir', 'motion', false],
      ['living-pir', 'motion', false],
    ]);
    expect(learnedLines()).toEqual([]);
  }, 60_000);
});
