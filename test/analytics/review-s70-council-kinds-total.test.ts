// Review, session 70: the hub's council report (`telecare report`, the printed report, and the dashboard's council
// page, one function) told the alerts its kinds' `*` hid through their total. Each kind is suppressed (1 to 7 as `*`)
// or rounded to 5 on its own, and the total was the exact count rounded on its own: 7 pendant presses, 7 inactivity
// alerts, 7 night exits and 12 falls published `*`, `*`, `*`, 10 with 35 in all (33 to 37), and three kinds of at most
// 7 and one of at most 12 make at most 33: only 7, 7, 7 and 12 fit. Now a total is its parts as published added up
// (`*` counted as 0), and the disclosure says so. The built CLI on a real hub database, JSON and CSV.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleDecision } from '../../rules/types.js';
import { addedUp, partsPossible, type Published } from '../support/council-reading.js';
import { councilReport, openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

type Raise = Extract<RuleDecision, { type: 'raise' }>;

const FLATS = Array.from({ length: 40 }, (_, i) => `flat-${String(i + 1).padStart(2, '0')}`);
const config = testConfig(
  FLATS.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-resident` }], devices: [] })),
);
/** Each kind's alerts in November 2026, one flat each, and how the responder closed them. */
const ALERTS: [Raise['kind'], number, string][] = [
  ['pendant', 7, 'false-alarm'],
  ['inactivity', 7, 'no-action-needed'],
  ['night-exit', 7, 'carer-visit'],
  ['fall', 12, 'ambulance'],
];
const KINDS = ALERTS.map(([kind]) => kind);
const MOST = 25;

/**
 * What the kinds' figures and the total leave possible for each kind's count, the total read as the disclosure says it
 * is made (the parts as shown added up since session 70, else the exact count rounded as every count is).
 */
function kindsPossible(byKind: Record<string, Published>, total: Published, disclosure: string): number[][] {
  const shown = /sum of its parts as shown/.test(disclosure);
  return partsPossible(
    KINDS.map((kind) => byKind[kind]!),
    total,
    shown,
    MOST,
  );
}

describe("review s70: the hub's council report adds its kinds up as published", () => {
  let hub: TestHubDb;
  let configFile: string;
  beforeAll(async () => {
    hub = await openTestHubDb(config);
    let flat = 0;
    for (const [kind, count, outcome] of ALERTS) {
      for (let i = 0; i < count; i++) {
        // Every six hours from 2 November, 09:00.
        const at = Date.UTC(2026, 10, 2, 9) + flat * 6 * 3_600_000;
        const homeId = FLATS[flat++]!;
        hub.raise({ type: 'raise', homeId, kind, severity: 'high', at, room: 'hall', detail: {} }, 40, outcome);
      }
    }
    configFile = path.join(hub.dir, 'telecare.config.json');
    fs.writeFileSync(configFile, JSON.stringify(config));
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('leaves every count the kinds allow possible, in the JSON and the CSV', () => {
    const report = JSON.parse(councilReport(hub.dir, configFile, '2026-11-01', '2026-11-30'));
    const byKind = report.alerts.byKind as Record<string, Published>;
    expect(KINDS.map((k) => byKind[k])).toEqual(['*', '*', '*', 10]);
    // Before the fix: 35 in all, which only 7, 7, 7 and 12 make.
    expect(kindsPossible(byKind, report.alerts.total, report.disclosure)).toEqual([
      [1, 2, 3, 4, 5, 6, 7],
      [1, 2, 3, 4, 5, 6, 7],
      [1, 2, 3, 4, 5, 6, 7],
      [8, 9, 10, 11, 12],
    ]);
    expect(report.alerts.total).toBe(addedUp(Object.values(byKind)));
    expect(report.falls.total).toBe(addedUp([report.falls.fall, report.falls.possibleFall]));
    expect(report.routineChanges.flags).toBe(addedUp(Object.values(report.routineChanges.byFeature as object)));
    expect(report.alerts.total).toBe(10);

    const csv = councilReport(hub.dir, configFile, '2026-11-01', '2026-11-30', 'csv').split('\r\n');
    expect(csv).toContain('alerts,all,count,10');
    expect(csv).toContain('alerts,pendant,count,*');
    expect(csv).toContain('alerts,fall,count,10');
  });
});
