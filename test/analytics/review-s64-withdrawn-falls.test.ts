// Review, session 64: the council report counted a possible fall the hub withdrew itself (the resident got up and moved
// on before anyone answered) and a fall the responder found a false alarm as falls: residents "with a fall" and
// routine changes "followed by a fall" in the follow-up days, although nobody fell. The falls section's outcomes left
// the withdrawn ones out, so they did not add up to its total. `telecare report` on a real hub database.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleDecision } from '../../rules/types.js';
import { cliPath } from '../hub/helpers.js';
import { utc } from './factories.js';
import { councilReport, openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

/** Twenty flats of one scheme, one resident each (enough for counts of 10 to be shown, not suppressed). */
const FLATS = Array.from({ length: 20 }, (_, i) => `flat-${String(i + 1).padStart(2, '0')}`);
const config = testConfig(
  FLATS.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-resident` }], devices: [] })),
);

type Raise = Extract<RuleDecision, { type: 'raise' }>;
const raise = (homeId: string, kind: Raise['kind'], severity: Raise['severity'], iso: string, detail = {}): Raise => ({
  type: 'raise',
  homeId,
  residentId: `${homeId}-resident`,
  kind,
  severity,
  at: utc(iso),
  detail,
});

describe('the council report of a scheme whose possible falls the residents got up from', () => {
  let hub: TestHubDb;
  let configFile: string;

  beforeAll(async () => {
    if (!fs.existsSync(cliPath)) throw new Error(`build first (npm run build): ${cliPath} is missing`);
    hub = await openTestHubDb(config);
    configFile = path.join(hub.dir, 'telecare.config.json');
    fs.writeFileSync(configFile, JSON.stringify(config));
    // In time order (the alert service stamps its own clock), a flat every quarter of an hour.
    const at = (date: string, i: number): string =>
      new Date(utc(`${date}T09:00`) + i * 15 * 60_000).toISOString().slice(0, 16);
    const withdrawn = FLATS.slice(0, 10);
    const fell = FLATS.slice(10);
    // 2 November: the review flags more night-time bathroom visits in every flat; a carer looks in.
    FLATS.forEach((flat, i) => {
      hub.raise(raise(flat, 'routine-change', 'low', at('2026-11-02', i), { feature: 'bathroomVisitsNight' }), 600);
    });
    // 5 November, flats 1-10: a long spell in the bathroom raises a possible fall, and the resident gets up three
    // minutes later, before anyone answers: the hub withdraws it (SPEC 5: cancelled).
    withdrawn.forEach((flat, i) => {
      hub.raise(raise(flat, 'possible-fall', 'high', at('2026-11-05', i)));
      hub.clock.advanceBy(3 * 60_000);
      hub.alerts.apply({ type: 'clear', homeId: flat, kind: 'possible-fall', at: hub.clock.now(), reason: 'activity' });
    });
    // 6 November, flats 11-20: a real fall, the resident helped up at home.
    fell.forEach((flat, i) => hub.raise(raise(flat, 'fall', 'critical', at('2026-11-06', i)), 40, 'assisted-at-home'));
    // 8 November, flats 1-10: the wearable dropped on the floor; the responder finds the resident well.
    withdrawn.forEach((flat, i) => hub.raise(raise(flat, 'fall', 'critical', at('2026-11-08', i)), 30, 'false-alarm'));
  });
  afterAll(async () => {
    await hub?.close();
  });

  const november = (format: 'json' | 'csv'): string =>
    councilReport(hub.dir, configFile, '2026-11-01', '2026-11-30', format);

  it('counts as falls of residents and after routine changes only the falls that stood', () => {
    const report = JSON.parse(november('json'));
    // Every fall alert is still an alert of its kind (30: 10 withdrawn, 10 false alarms, 10 falls).
    expect(report.falls).toMatchObject({ total: 30, fall: 20, possibleFall: 10 });
    // Before: 20 and 20 (the withdrawn possible falls and the false alarms counted as falls).
    expect(report.residentsWith.falls).toBe(10);
    expect(report.routineChanges.followedByFall).toBe(10);
    // The flags were followed by an alert in all twenty flats all the same.
    expect(report.routineChanges.followedByAlert).toBe(20);
  });

  it("lists the withdrawn possible falls among the falls' outcomes, so that they add up to the total", () => {
    const report = JSON.parse(november('json'));
    // Before: no `cancelled` (and no `open`) among them: 10 false alarms and 10 assisted of 30.
    expect(report.falls.outcomes).toMatchObject({ 'false-alarm': 10, 'assisted-at-home': 10, cancelled: 10, open: 0 });
    const csv = november('csv').split('\r\n');
    expect(csv).toContain('falls,cancelled,outcome,10');
    expect(csv).toContain('residents,with falls,count,10');
    expect(csv).toContain('routine-change,within 14 days,followedByFall,10');
  });
});
