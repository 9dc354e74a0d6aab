// Review, session 64: the council report said nothing of the days the hub was off. A scheme's hub off for a fortnight
// (its SD card failed on 10 November, replaced on the 25th) gave a November of half the alerts and falls of October,
// and the analyst comparing months read it as fewer falls: no data read as no events. The hub notes its runs
// (`hub_runs`, session 61); the report now says on how many of the period's days the hub was off for 15 minutes or more.
// `telecare report` on a real hub database.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteHubRunning } from '../../analytics/store.js';
import { cliPath } from '../hub/helpers.js';
import { isoDate } from './daily.js';
import { ev, utc } from './factories.js';
import { councilReport, openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const FLATS = Array.from({ length: 10 }, (_, i) => `flat-${String(i + 1).padStart(2, '0')}`);
const config = testConfig(
  FLATS.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-resident` }], devices: [] })),
);

describe('the council report of a month in which the hub was off for a fortnight', () => {
  let hub: TestHubDb;
  let configFile: string;

  beforeAll(async () => {
    if (!fs.existsSync(cliPath)) throw new Error(`build first (npm run build): ${cliPath} is missing`);
    hub = await openTestHubDb(config);
    // The hub's runs as its routine review notes them (start, alive every 5 minutes, stop): from 1 October to 12:00 on
    // 10 November, when its SD card failed, and again from 09:00 on 25 November (a new card) into December.
    noteHubRunning(hub.db, utc('2026-10-01T00:00'), utc('2026-11-10T12:00'));
    noteHubRunning(hub.db, utc('2026-11-25T09:00'), utc('2026-12-05T09:00'));
    // Each flat heard hourly while the hub ran.
    const events = [];
    for (let day = 0; day < 65; day++) {
      const date = isoDate('2026-10-01', day);
      for (let hour = 0; hour < 24; hour++) {
        const at = `${date}T${String(hour).padStart(2, '0')}:30`;
        const ms = utc(at);
        if (ms > utc('2026-11-10T12:00') && ms < utc('2026-11-25T09:00')) continue;
        for (const flat of FLATS) events.push(ev(flat, at, 'living-pir'));
      }
    }
    await hub.append(events);
    configFile = path.join(hub.dir, 'telecare.config.json');
    fs.writeFileSync(configFile, JSON.stringify(config));
  });
  afterAll(async () => {
    await hub?.close();
  });

  const report = (from: string, to: string, format = 'json'): string =>
    councilReport(hub.dir, configFile, from, to, format);

  it('says on how many days of the period the hub was off', () => {
    // 10 November (from 12:00), 11 to 24 November, 25 November (to 09:00): 16 days. Before: not said at all.
    expect(JSON.parse(report('2026-11-01', '2026-11-30'))).toMatchObject({ homesMonitored: 10, hubOffDays: 16 });
    expect(report('2026-11-01', '2026-11-30', 'csv').split('\r\n')).toContain('summary,hub,daysOff,16');
  });

  it('says none for a month it ran through, and counts only the days of the period', () => {
    expect(JSON.parse(report('2026-10-01', '2026-10-31'))).toMatchObject({ hubOffDays: 0 });
    expect(JSON.parse(report('2026-11-20', '2026-12-04'))).toMatchObject({ hubOffDays: 6 }); // 20 to 25 November
  });
});
