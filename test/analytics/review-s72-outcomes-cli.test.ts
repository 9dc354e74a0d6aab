// Review, session 72: `telecare report` (the hub's council report, one function with the dashboard's page and
// `GET /api/reports/prevention`) published each outcome on its own beside the kinds of the same alerts. 8 pendant
// presses and one alert of each of four other kinds, all still open: kinds 10, `*`, `*`, `*`, `*` and open 10, which
// only 8, 1, 1, 1 and 1 make. Now one outcome holding every alert is withheld: null in the JSON, no rows in the CSV,
// and the disclosure says when outcomes are withheld. The built CLI on a real hub database, JSON and CSV.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleDecision } from '../../rules/types.js';
import { councilReport, openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

type Raise = Extract<RuleDecision, { type: 'raise' }>;

const FLATS = Array.from({ length: 12 }, (_, i) => `flat-${String(i + 1).padStart(2, '0')}`);
const config = testConfig(
  FLATS.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-resident` }], devices: [] })),
);
const ALERTS: [Raise['kind'], number][] = [
  ['pendant', 8],
  ['inactivity', 1],
  ['night-exit', 1],
  ['smoke', 1],
  ['cold', 1],
];

describe("review s72: the hub's council report withholds an outcome holding every alert", () => {
  let hub: TestHubDb;
  let configFile: string;
  beforeAll(async () => {
    hub = await openTestHubDb(config);
    let flat = 0;
    for (const [kind, count] of ALERTS) {
      for (let i = 0; i < count; i++) {
        const at = Date.UTC(2026, 10, 2, 9) + flat * 6 * 3_600_000;
        const homeId = FLATS[flat++]!;
        // Acknowledged, never resolved: open when the report is made.
        hub.raise({ type: 'raise', homeId, kind, severity: 'high', at, room: 'hall', detail: {} }, 40);
      }
    }
    configFile = path.join(hub.dir, 'telecare.config.json');
    fs.writeFileSync(configFile, JSON.stringify(config));
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('gives the kinds and no outcome that pins their total, in the JSON and the CSV', () => {
    const report = JSON.parse(councilReport(hub.dir, configFile, '2026-11-01', '2026-11-30'));
    expect(ALERTS.map(([kind]) => report.alerts.byKind[kind])).toEqual([10, '*', '*', '*', '*']);
    // Before: { open: 10, ... every other 0 }, the total 8 to 12, which the kinds (at least 12) leave only at 12.
    expect(report.outcomes).toBeNull();
    // No fall and no flag: nothing to break down, every outcome 0 (as the falls' and habits' zeros say).
    expect(Object.values(report.falls.outcomes)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Object.values(report.routineChanges.outcomes)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(report.disclosure).toMatch(/Outcomes .* are null \(withheld\) otherwise/);

    const csv = councilReport(hub.dir, configFile, '2026-11-01', '2026-11-30', 'csv').split('\r\n');
    expect(csv).toContain('alerts,pendant,count,10');
    expect(csv).toContain('alerts,smoke,count,*');
    expect(csv.filter((line) => line.startsWith('outcomes,'))).toEqual([]);
    expect(csv).toContain('falls,ambulance,outcome,0');
  });
});
