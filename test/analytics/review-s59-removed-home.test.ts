// Review, session 59: the council report counted as monitored only the homes in the configuration at the time it was
// asked for. A flat taken out of the configuration after the period (its resident moved into a care home in December)
// had been monitored all November, but November's report asked in December left it and its resident out, while its
// alerts, had it any, still counted. A home whose configured devices sent events in the period (stored as assigned)
// is now counted too, as one resident when the configuration no longer says how many (as for its alerts); events of
// devices nobody configured (a home id nobody set up) still count nothing. Real hub database, the report as
// `telecare report` makes it.
import { afterEach, describe, expect, it } from 'vitest';
import { preventionReport } from '../../analytics/report.js';
import type { SensorEvent } from '../../rules/types.js';
import { ev } from './factories.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

/** Thirteen flats of one resident each: counts past the suppression of 1 to 7, 13 rounded to 15 and 12 to 10. */
const FLATS = Array.from({ length: 13 }, (_, i) => `flat-${i + 1}`);
const flats = (ids: string[]) =>
  testConfig(ids.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-r` }], devices: [] })));

let hub: TestHubDb | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('the council report of a period after which a home left the configuration', () => {
  it('counts the home monitored then, and its resident', async () => {
    hub = await openTestHubDb(flats(FLATS));
    const events: SensorEvent[] = FLATS.map((id) => ev(id, '2026-11-10T09:00', 'hall-pir'));
    // Reports of a device nobody configured, under a home id nobody set up: not a home monitored.
    events.push({ ...ev('not-a-flat', '2026-11-10T09:00', 'hall-pir'), assigned: false, room: undefined });
    await hub.append(events);

    // In December flat-13 is taken out of the configuration (its resident moved out); November's report is asked for.
    const december = flats(FLATS.slice(0, 12));
    const report = preventionReport({ db: hub.db, config: december, from: '2026-11-01', to: '2026-11-30' });
    expect(report).toMatchObject({ homesMonitored: 15, residentsMonitored: 15 });

    // The report with every flat still configured says the same.
    const before = preventionReport({ db: hub.db, config: flats(FLATS), from: '2026-11-01', to: '2026-11-30' });
    expect(before).toMatchObject({ homesMonitored: 15, residentsMonitored: 15 });
  });
});
