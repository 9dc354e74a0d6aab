// Review, session 72 (round 2): `telecare report` (the hub's council report, one function with the dashboard's page and
// `GET /api/reports/prevention`) rounded what followed the flags on its own beside the habits of the same flags: 7
// flags of each of four habits, each followed by an alert, published `*`, `*`, `*`, `*` and 30 followed by an alert
// (28 at least), which four habits of at most 7 make only with 7 each. Now a part is shown no higher than its whole's
// cells allow: 25, in the JSON and the CSV. The built CLI on a real hub database.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { councilReport, openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';
import { linkedPossible } from '../support/council-reading.js';

const FLATS = Array.from({ length: 28 }, (_, i) => `flat-${String(i + 1).padStart(2, '0')}`);
const config = testConfig(
  FLATS.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-resident` }], devices: [] })),
);
const HABITS = ['bedtime', 'kitchenUses', 'activeMinutes', 'minutesOut'] as const;

describe("review s72: the hub's council report shows what followed the flags no higher than the habits allow", () => {
  let hub: TestHubDb;
  let configFile: string;
  beforeAll(async () => {
    hub = await openTestHubDb(config);
    HABITS.forEach((feature, h) => {
      for (let i = 0; i < 7; i++) {
        const homeId = FLATS[h * 7 + i]!;
        const at = Date.UTC(2026, 10, 20, h, i);
        hub.raise(
          { type: 'raise', homeId, kind: 'routine-change', severity: 'medium', at, room: 'hall', detail: { feature } },
          40,
        );
      }
    });
    for (let f = 0; f < 28; f++) {
      const at = Date.UTC(2026, 11, 1, 9, f);
      hub.raise({
        type: 'raise',
        homeId: FLATS[f]!,
        kind: 'low-battery',
        severity: 'low',
        at,
        room: 'hall',
        detail: {},
      });
    }
    configFile = path.join(hub.dir, 'telecare.config.json');
    fs.writeFileSync(configFile, JSON.stringify(config));
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('leaves every habit of `*` at least two counts, in the JSON and the CSV', () => {
    const report = JSON.parse(councilReport(hub.dir, configFile, '2026-11-01', '2026-11-30'));
    const habits = HABITS.map((h) => report.routineChanges.byFeature[h]);
    expect(habits).toEqual(['*', '*', '*', '*']);
    // Before: 30 (28 to 32) followed by an alert, with four habits of at most 7: each 7.
    expect(report.routineChanges.followedByAlert).toBe(25);
    for (const possible of linkedPossible(habits, [report.routineChanges.followedByAlert], true)) {
      expect(possible.length).toBeGreaterThanOrEqual(2);
    }
    expect(report.disclosure).toMatch(/never shown above/);

    const csv = councilReport(hub.dir, configFile, '2026-11-01', '2026-11-30', 'csv').split('\r\n');
    expect(csv).toContain('routine-change,bedtime,flags,*');
    expect(csv).toContain('routine-change,within 14 days,followedByAlert,25');
    expect(csv).toContain('alerts,routine-change,count,25');
  });
});
