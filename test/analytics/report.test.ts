// The council report on a real hub database: suppression and rounding of every count, keyed pseudonyms, nothing personal.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { residentPseudonym, suppressCount, suppressShare } from '../../analytics/disclosure.js';
import { preventionReport, toCsv } from '../../analytics/report.js';
import { pseudonymSecret } from '../../analytics/store.js';
import { utc } from './factories.js';
import { openTestHubDb, type TestHubDb } from './hub-db.js';
import { config, JONES, november, PERSONAL, SMITH } from './november.js';

describe('small-number suppression', () => {
  it('shows 1 to 7 as *, rounds the rest to the nearest 5, keeps 0', () => {
    expect([0, 1, 7, 8, 12, 13, 100, 1234].map(suppressCount)).toEqual([0, '*', '*', 10, 10, 15, 100, 1235]);
    expect(suppressShare(3, 7)).toBe('*');
    expect(suppressShare(9, 21)).toBe(0.429);
    expect(suppressShare(0, 0)).toBeNull();
  });
});

describe('the prevention report of a November', () => {
  let hub: TestHubDb;
  beforeAll(async () => {
    hub = await openTestHubDb(config);
    await november(hub);
  });
  afterAll(async () => {
    await hub.close();
  });

  it('counts alerts, acknowledgement times, outcomes, falls and what followed routine changes, all suppressed', async () => {
    const secret = pseudonymSecret(hub.db);
    const report = preventionReport({ db: hub.db, config, from: '2026-11-01', to: '2026-11-30', secret, now: utc('2026-12-01T09:00') });

    expect(report.period).toEqual({ from: '2026-11-01', to: '2026-11-30', timezone: 'Europe/London' });
    expect(report.homesMonitored).toBe('*'); // 2: the empty flat sent nothing
    expect(report.residentsMonitored).toBe('*'); // 3
    expect(report.alerts.total).toBe(35);
    expect(report.alerts.byKind).toMatchObject({ pendant: 10, fall: 10, 'routine-change': 15, smoke: 0 });
    expect(report.acknowledgement).toEqual({
      severities: ['critical', 'high'],
      alerts: 20, // 21 calls: 9 pendants, 12 falls (the cancelled press needed no answer)
      within60s: 10, // 9
      within180s: 20, // 21
      shareWithin60s: 0.429,
      shareWithin180s: 1,
      medianSeconds: 90,
    });
    expect(report.outcomes).toMatchObject({ 'false-alarm': 10, ambulance: '*', 'assisted-at-home': 0, 'no-action-needed': 20, cancelled: '*', open: 0 });
    expect(report.falls).toMatchObject({ total: 10, fall: 10, possibleFall: 0, outcomes: { ambulance: '*', 'no-action-needed': 10 } });
    expect(report.routineChanges).toMatchObject({
      flags: 15, // 13
      byFeature: { bathroomVisitsNight: 15, activeMinutes: 0 },
      followUpDays: 14,
      followedByAlert: 10, // 12: the last flag had no fall after it, and Mary's presses are another home
      followedByFall: 10,
      followedByIntervention: '*', // the 3 flags before an ambulance call
      outcomes: { 'no-action-needed': 15 },
    });
    const ann = residentPseudonym(secret, JONES, 'ann-jones');
    const mary = residentPseudonym(secret, SMITH, 'mary-smith');
    expect(report.residents).toEqual(
      expect.arrayContaining([
        { pseudonym: ann, alerts: 25, falls: 10, routineChanges: 15 },
        { pseudonym: mary, alerts: 10, falls: 0, routineChanges: 0 },
        { pseudonym: residentPseudonym(secret, JONES, 'john-jones'), alerts: 0, falls: 0, routineChanges: 0 },
      ]),
    );
    expect(report.residents).toHaveLength(3);
  });

  it('names nobody: no home, resident or room, nor the secret, in the JSON or the CSV', async () => {
    const secret = pseudonymSecret(hub.db);
    const report = preventionReport({ db: hub.db, config, from: '2026-11-01', to: '2026-11-30', secret });
    for (const text of [JSON.stringify(report), toCsv(report)]) {
      for (const word of PERSONAL) expect(text.toLowerCase()).not.toContain(word);
      expect(text).not.toContain(secret.toString('hex'));
      expect(text).toMatch(/[0-9a-f]{16}/);
    }
  });

  it('the same resident gets the same pseudonym every time; another hub secret gives unrelated ones', async () => {
    const secret = pseudonymSecret(hub.db);
    expect(pseudonymSecret(hub.db).equals(secret)).toBe(true); // made once, then kept
    const run = (s: Buffer | string): string[] =>
      preventionReport({ db: hub.db, config, from: '2026-11-01', to: '2026-11-30', secret: s }).residents.map((r) => r.pseudonym);
    expect(run(secret)).toEqual(run(secret));
    const other = run('another hub secret');
    expect(other).toHaveLength(3);
    for (const p of other) expect(run(secret)).not.toContain(p);
  });

  it('writes CSV with one row per figure and the header first', async () => {
    const csv = toCsv(preventionReport({ db: hub.db, config, from: '2026-11-01', to: '2026-11-30', secret: pseudonymSecret(hub.db) }));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,item,measure,value');
    expect(lines).toContain('alerts,pendant,count,10');
    expect(lines).toContain('falls,ambulance,outcome,*');
    expect(lines).toContain('acknowledgement,critical+high,shareWithin60s,0.429');
    expect(lines.filter((l) => l.startsWith('resident,'))).toHaveLength(9);
  });

});

describe('the prevention report of a new hub', () => {
  it('gives zeros, not errors', async () => {
    const hub = await openTestHubDb(config);
    onTestFinished(() => hub.close());
    const report = preventionReport({ db: hub.db, config, from: '2026-11-01', to: '2026-11-30', secret: pseudonymSecret(hub.db) });
    expect(report).toMatchObject({ homesMonitored: 0, residentsMonitored: 0, alerts: { total: 0 }, residents: [] });
    expect(report.acknowledgement.shareWithin60s).toBeNull();
  });
});
