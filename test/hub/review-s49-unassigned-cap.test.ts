// Review, session 49: the list of devices heard but not configured (GET /api/devices/unassigned, read whole by the
// installers' page every 10 s) had no bound. A device credential may publish under any device id of its homes, so one
// that invents ids made the hub's table, and each answer, grow with every id. Now the hub keeps the most recently heard
// (100 per home, 1,000 in all: MAX_UNASSIGNED_PER_HOME and MAX_UNASSIGNED_TOTAL in hub/event-reads.ts) and says how
// many it no longer lists.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { TEST_ADMIN_PASSWORD, adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { openThroughLogin } from '../support/screen.js';
import { mqttClient, tempDir } from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

const haveChromium = chromiumAvailable('the unassigned list on the devices page');
const HOMES = Array.from({ length: 11 }, (_, i) => `h${i + 1}`);

let dir: string;
let hub: RunningHub;
let cookie: string;

beforeAll(async () => {
  dir = tempDir('review-s49-unassigned');
  const [one, others] = [lowCostHash('dev1-secret'), lowCostHash('dev2-secret')];
  const config = parseHubConfig({
    homes: HOMES.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `r-${id}` }], devices: [] })),
    mqttUsers: [
      { username: 'dev1', passwordHash: one, role: 'device', homes: ['h1'] },
      { username: 'dev2', passwordHash: others, role: 'device', homes: HOMES.slice(1) },
    ],
  });
  hub = await startTestHub(config, dir);
  cookie = await adminSession(hub);
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** As `username`, one event from each invented device id, in order; resolves once the hub has acknowledged them all. */
async function invent(username: string, ids: readonly { home: string; device: string }[]): Promise<void> {
  const client = await mqttClient(hub.ports.mqtt!, { username, password: `${username}-secret` });
  try {
    // One connection, in order: the hub stores them in the order sent. 50 at a time in flight.
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map(({ home, device }) =>
          client.publishAsync(`telecare/${home}/devices/${device}/events`, '{"type":"motion","value":true}', {
            qos: 1,
          }),
        ),
      );
    }
  } finally {
    await client.endAsync();
  }
}

async function unassigned(): Promise<{ list: { homeId: string; deviceId: string }[]; notListed: string | null }> {
  const res = await fetch(`${dashboardUrl(hub)}/api/devices/unassigned`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return {
    list: (await res.json()) as { homeId: string; deviceId: string }[],
    notListed: res.headers.get('x-unassigned-not-listed'),
  };
}

const ids = (home: string, from: number, to: number): { home: string; device: string }[] =>
  Array.from({ length: to - from }, (_, i) => ({ home, device: `made-up-${from + i}` }));

describe('devices heard but not configured', () => {
  it('are kept to the most recently heard of each home and in all, counting those no longer listed', async () => {
    // One credential invents 130 ids in its home: the 100 last heard are listed, 30 are counted.
    await invent('dev1', ids('h1', 0, 130));
    const home = await unassigned();
    expect(home.list).toHaveLength(100);
    expect(home.list.every((d) => d.homeId === 'h1')).toBe(true);
    expect(new Set(home.list.map((d) => d.deviceId))).toEqual(new Set(ids('h1', 30, 130).map((d) => d.device)));
    expect(home.list[0]!.deviceId).toBe('made-up-129');
    expect(home.notListed).toBe('30');

    // A known id heard again stays listed (and is now the most recent); none is dropped for it.
    await invent('dev1', ids('h1', 30, 31));
    expect((await unassigned()).list[0]!.deviceId).toBe('made-up-30');

    // Another credential, 95 ids in each of its ten homes: 1,050 in all, so the hub's 50 least recently heard go
    // (h1's, heard first); its own homes' ids are all listed.
    await invent(
      'dev2',
      HOMES.slice(1).flatMap((h) => ids(h, 0, 95)),
    );
    const all = await unassigned();
    expect(all.list).toHaveLength(1_000);
    expect(all.notListed).toBe('80');
    const ofH1 = all.list.filter((d) => d.homeId === 'h1').map((d) => d.deviceId);
    expect(ofH1).toHaveLength(50);
    expect(ofH1).toContain('made-up-30');
    expect(ofH1).toContain('made-up-129');
    for (const h of HOMES.slice(1)) expect(all.list.filter((d) => d.homeId === h)).toHaveLength(95);

    // The hub's table itself is bounded, not only the answer.
    const rows = hub.store.db.prepare('SELECT COUNT(*) AS n FROM unassigned_devices').get() as { n: number };
    expect(rows.n).toBe(1_000);
  }, 120_000);

  it.skipIf(!haveChromium)(
    'are counted on the devices page when not listed',
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await openThroughLogin(page, dashboardUrl(hub), '/devices', 'admin', TEST_ADMIN_PASSWORD);
        await page.getByText('And 80 more heard earlier, no longer listed').waitFor({ timeout: 30_000 });
        expect(await page.locator('#unassigned tbody tr').count()).toBe(1_000);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
