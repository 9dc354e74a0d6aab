// Review, session 72 (report cost): what followed each routine-change flag (`followUp`) was looked for among every
// alert of the period, every home's, so the hub's council report grew with flags × alerts: a year of a 200-flat scheme
// (17,000 alerts, 1,700 flags) took 7 to 10 s, on the hub's loop (bench/reportCost.ts, docs/performance.md). It is
// now given the flag's home's alerts alone, as the centre's report has been since session 68. Counted, not timed: the
// alerts' times read (`Date.parse`) by one report grow with the homes, not with their square.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { preventionReport } from '../../analytics/report.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

/** `flats` flats, each with a routine-change flag on 3 March and four pendant presses in the days after it. */
async function scheme(flats: number): Promise<TestHubDb> {
  const ids = Array.from({ length: flats }, (_, i) => `flat-${i + 1}`);
  const hub = await openTestHubDb(
    testConfig(ids.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-r` }], devices: [] }))),
  );
  const day = (d: number, i: number): number => Date.UTC(2027, 2, d, 9, i % 60);
  ids.forEach((homeId, i) => {
    hub.raise(
      {
        type: 'raise',
        homeId,
        kind: 'routine-change',
        severity: 'low',
        at: day(3, i),
        detail: { feature: 'activeHours' },
      },
      60,
      'no-action-needed',
    );
  });
  for (let press = 0; press < 4; press++) {
    ids.forEach((homeId, i) => {
      hub.raise(
        { type: 'raise', homeId, kind: 'pendant', severity: 'critical', at: day(5 + press, i), detail: {} },
        30,
        'carer-visit',
      );
    });
  }
  return hub;
}

/** The times `Date.parse` is called by one report of March. */
function parsesOfReport(hub: TestHubDb): number {
  const parse = vi.spyOn(Date, 'parse');
  try {
    const report = preventionReport({ db: hub.db, config: hub.config, from: '2027-03-01', to: '2027-03-31', now: 0 });
    expect(report.routineChanges.followedByAlert).not.toBe(0);
    return parse.mock.calls.length;
  } finally {
    parse.mockRestore();
  }
}

describe('review s72: the council report looks for what followed a flag in its home alone', () => {
  let small: TestHubDb;
  let large: TestHubDb;
  beforeAll(async () => {
    small = await scheme(10);
    large = await scheme(40);
  });
  afterAll(async () => {
    await small?.close();
    await large?.close();
  });

  it('reads the alerts of 4× the homes about 4× as often, not 16×', () => {
    const ratio = parsesOfReport(large) / parsesOfReport(small);
    // Per flag, every alert of the period: 40 × 200 against 10 × 50, 16× (measured 11.9× before the change, the linear reads with it); per flag,
    // its home's five: linear (measured 4.0× after).
    expect(ratio).toBeLessThan(6);
  });
});
