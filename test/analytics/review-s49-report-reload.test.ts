// Review, session 49: the council report reads the configuration in force. The hub built the report's analytics once,
// on the configuration it started with, so homes added by a reload (SIGHUP: how an installer adds flats to a running
// hub, and how a hub first started with no configuration gets its homes) were never counted as monitored, their
// residents never counted, and the report's dates stayed in the old configuration's time zone until a restart.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { tempDir } from '../hub/helpers.js';

// Monday 23 November 2026, 10:00 in London (GMT).
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const FLATS = 8;

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('report-reload');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const scheme = () =>
  parseHubConfig({
    homes: Array.from({ length: FLATS }, (_, i) => ({
      id: `flat${i + 1}`,
      timezone: 'America/New_York',
      residents: [{ id: `r${i + 1}` }],
      devices: [{ id: 'hall-pir', kind: 'motion', room: 'hall' }],
    })),
  });

describe('the council report after a reload', () => {
  it('counts the homes and residents the reload brought, in their time zone', async () => {
    hub = await startTestHub(parseHubConfig({ homes: [] }), dir, { clock: new FakeClock(T0) });
    hub.reload(scheme());
    const base = dashboardUrl(hub);
    const cookie = await adminSession(hub);
    const events = Array.from({ length: FLATS }, (_, i) => ({
      homeId: `flat${i + 1}`,
      deviceId: 'hall-pir',
      type: 'motion',
      value: true,
    }));
    const posted = await fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base, cookie },
      body: JSON.stringify(events),
    });
    expect(posted.status).toBe(202);

    const res = await fetch(`${base}/api/reports/prevention?from=2026-11-23&to=2026-11-23`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const report = (await res.json()) as Record<string, unknown>;
    expect(report).toMatchObject({
      period: { from: '2026-11-23', to: '2026-11-23', timezone: 'America/New_York' },
      homesMonitored: 10,
      residentsMonitored: 10,
    });
  }, 60_000);
});
