// Review, session 76: `/api/health` said `status: ok` while its own `centreLink` said alerts were not reaching the
// alarm-receiving centre (out of reach for minutes with a call waiting) and the console showed its banner (session 75):
// a monitor (a watchdog, the installer's check) that reads `status` saw nothing wrong. Now `degraded` for as long as the
// banner shows, and `ok` again once the call is sent. Real interfaces: a real mosquitto centre (killed, then started
// again on its port), an in-process hub on a fake clock, its HTTP API.
import fs from 'node:fs';
import { afterEach, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { CENTRE_UNREACHABLE_SAID_AFTER_MS } from '../../hub/uplink.js';
import { adminSession, dashboardUrl, pressOverHttp, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { startCentre, uplinkOptions, type Centre } from './uplink-centre.js';

let dir: string | undefined;
let centre: Centre | undefined;
let hub: RunningHub | undefined;

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  await centre?.kill();
  centre = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it("says degraded while alerts are not reaching the centre (as the console's banner), and ok once they are", async () => {
  dir = tempDir('review-s76-health-centre-link');
  centre = await startCentre(dir, { persistence: true });
  await centre.kill();
  const clock = new FakeClock(Date.now());
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock, uplink: uplinkOptions(centre.port) });
  const running = hub;
  const cookie = await adminSession(running);
  const health = async () =>
    (await (await fetch(`${dashboardUrl(running)}/api/health`, { headers: { cookie } })).json()) as {
      status: string;
      centreLink: { reaching: boolean };
      uplink: { queue: number };
    };
  await pressOverHttp(running, cookie, 'h1', 'p1');
  // A blip: not said, and the hub is ok.
  clock.advanceBy(CENTRE_UNREACHABLE_SAID_AFTER_MS - 1_000);
  expect(await health()).toMatchObject({ status: 'ok', centreLink: { reaching: true } });
  clock.advanceBy(1_000);
  // Before the fix: status "ok" beside centreLink.reaching false.
  expect(await health()).toMatchObject({ status: 'degraded', centreLink: { reaching: false } });

  await centre.restart();
  await vi.waitFor(async () => expect((await health()).uplink.queue).toBe(0), { timeout: 40_000, interval: 100 });
  expect(await health()).toMatchObject({ status: 'ok', centreLink: { reaching: true } });
}, 60_000);
