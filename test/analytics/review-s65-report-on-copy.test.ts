// Review, session 65: a council report run on a copy of a hub's database counted every day after the copy as a day the
// hub was off. The report gives the days the hub was off for 15 minutes or more (`hubOffDays`, session 64), between two
// of its runs and since its last run, for a hub stopped and its database read by `telecare report`. A copy taken while
// the hub ran (an analyst's monthly copy of the scheme's hub.db) looked the same as a stopped hub: November's report on
// a copy of 10 November said the hub was off on 21 days, while it ran all month. Now the hub notes its graceful stop
// (`hub_runs.stopped`), and a record whose last run ended without one says where it ends (`recordEndsAt`) instead.
// `telecare report` on real hub databases; the stop noted by a real hub's own stop.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteHubRunning } from '../../analytics/store.js';
import { parseHubConfig } from '../../hub/config.js';
import { startTestHub } from '../support/in-process-hub.js';
import { cliPath, ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';
import { isoDate } from './daily.js';
import { ev, utc } from './factories.js';
import { councilReport, openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const FLATS = Array.from({ length: 10 }, (_, i) => `flat-${String(i + 1).padStart(2, '0')}`);
const config = testConfig(
  FLATS.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-resident` }], devices: [] })),
);
/** When the last run noted in the database ends: the copy taken (or the hub stopped) at noon on 10 November. */
const RECORD_END = '2026-11-10T12:00';

/** A hub database whose hub ran from 1 October to `RECORD_END`, each flat heard hourly; `stopped`: it ended in a stop. */
async function hubDatabase(stopped: boolean): Promise<{ hub: TestHubDb; configFile: string }> {
  const hub = await openTestHubDb(config);
  noteHubRunning(hub.db, utc('2026-10-01T00:00'), utc(RECORD_END), stopped);
  const events = [];
  for (let day = 0; day < 41; day++) {
    const date = isoDate('2026-10-01', day);
    for (let hour = 0; hour < 24; hour++) {
      const at = `${date}T${String(hour).padStart(2, '0')}:30`;
      if (utc(at) > utc(RECORD_END)) continue;
      for (const flat of FLATS) events.push(ev(flat, at, 'living-pir'));
    }
  }
  await hub.append(events);
  const configFile = path.join(hub.dir, 'telecare.config.json');
  fs.writeFileSync(configFile, JSON.stringify(config));
  return { hub, configFile };
}

describe('the council report on a copy of a hub’s database', () => {
  let copy: { hub: TestHubDb; configFile: string };
  let stopped: { hub: TestHubDb; configFile: string };

  beforeAll(async () => {
    if (!fs.existsSync(cliPath)) throw new Error(`build first (npm run build): ${cliPath} is missing`);
    copy = await hubDatabase(false);
    stopped = await hubDatabase(true);
  });
  afterAll(async () => {
    await copy?.hub.close();
    await stopped?.hub.close();
  });

  it('says where a copy taken while the hub ran ends, and counts no day after it as a day the hub was off', () => {
    const json = JSON.parse(councilReport(copy.hub.dir, copy.configFile, '2026-11-01', '2026-11-30'));
    // Before: hubOffDays 21 (10 to 30 November), for a hub that ran all month.
    expect(json).toMatchObject({ homesMonitored: 10, hubOffDays: 0, recordEndsAt: '2026-11-10T12:00:00.000Z' });
    const csv = councilReport(copy.hub.dir, copy.configFile, '2026-11-01', '2026-11-30', 'csv').split('\r\n');
    expect(csv).toContain('summary,hub,daysOff,0');
    expect(csv).toContain('summary,record,endsAt,2026-11-10T12:00:00.000Z');
    // A period the record covers says nothing of its end.
    expect(JSON.parse(councilReport(copy.hub.dir, copy.configFile, '2026-10-01', '2026-10-31'))).toMatchObject({
      hubOffDays: 0,
      recordEndsAt: null,
    });
  });

  it('still counts the days after a stop as days the hub was off', () => {
    expect(JSON.parse(councilReport(stopped.hub.dir, stopped.configFile, '2026-11-01', '2026-11-30'))).toMatchObject({
      homesMonitored: 10,
      hubOffDays: 21,
      recordEndsAt: null,
    });
  });

  it('says where the record begins when the hub started during the period (the lead, session 65)', () => {
    // The record begins on 1 October (its first run and first event): a report of September says so (before: every
    // count 0 and nothing saying the hub was not there yet); October's begins within the period's first hour (BST).
    const september = JSON.parse(councilReport(copy.hub.dir, copy.configFile, '2026-09-01', '2026-09-30'));
    expect(september).toMatchObject({ alerts: { total: 0 }, recordStartsAt: '2026-10-01T00:00:00.000Z' });
    const csv = councilReport(copy.hub.dir, copy.configFile, '2026-09-01', '2026-09-30', 'csv').split('\r\n');
    expect(csv).toContain('summary,record,startsAt,2026-10-01T00:00:00.000Z');
    expect(JSON.parse(councilReport(copy.hub.dir, copy.configFile, '2026-11-01', '2026-11-30'))).toMatchObject({
      recordStartsAt: null,
    });
  });

  it('a hub notes its graceful stop in its database', async () => {
    const dir = tempDir('s65-hub-stop');
    try {
      const hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
      await hub.stop();
      const db = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
      try {
        // Before: no such column; the run's end looked like a copy's.
        expect(db.prepare('SELECT stopped FROM hub_runs').all()).toEqual([{ stopped: 1 }]);
      } finally {
        db.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
