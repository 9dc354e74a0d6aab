// The council report on a real hub database: suppression and rounding of every count, no row per person, nothing personal.
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
    // From the published counts (10 of 20), never the exact ones (9 of 21 = 0.429 gives both back).
    expect(suppressShare(9, 21)).toBe(0.5);
    expect(suppressShare(5, 40)).toBe('*');
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
    const report = preventionReport({
      db: hub.db,
      config,
      from: '2026-11-01',
      to: '2026-11-30',
      now: utc('2026-12-01T09:00'),
    });

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
      shareWithin60s: 0.5, // 10 of 20 as published (9 of 21 exactly)
      shareWithin180s: 1,
      medianSeconds: 90,
    });
    expect(report.outcomes).toMatchObject({
      'false-alarm': 10,
      ambulance: '*',
      'assisted-at-home': 0,
      'no-action-needed': 20,
      cancelled: '*',
      open: 0,
    });
    expect(report.falls).toMatchObject({
      total: 10,
      fall: 10,
      possibleFall: 0,
      outcomes: { ambulance: '*', 'no-action-needed': 10 },
    });
    expect(report.routineChanges).toMatchObject({
      flags: 15, // 13
      byFeature: { bathroomVisitsNight: 15, activeMinutes: 0 },
      followUpDays: 14,
      followedByAlert: 10, // 12: the last flag had no fall after it, and Mary's presses are another home
      followedByFall: 10,
      followedByIntervention: '*', // the 3 flags before an ambulance call
      // 13 flags, every one answered with no action needed: one outcome alone is withheld whatever its count (session
      // 72: an outcome holding every item gave back the total; withheld only when it pins it, withholding would say so).
      outcomes: null,
    });
    // Ann and Mary had alerts, only Ann falls and flags; John nothing.
    expect(report.residentsWith).toEqual({ alerts: '*', falls: '*', routineChanges: '*' });
  });

  it('gives back no suppressed count: no row per resident, every count published as 0, * or a multiple of 5, shares of published counts', async () => {
    const report = preventionReport({ db: hub.db, config, from: '2026-11-01', to: '2026-11-30' });
    expect(report.residentsMonitored).toBe('*');
    // No list anywhere in the report whose length could count residents, homes or alerts.
    const walk = (value: unknown, where: string): void => {
      expect(Array.isArray(value) && where !== 'acknowledgement.severities', `${where} is a list`).toBe(false);
      if (typeof value === 'object' && value !== null) {
        for (const [key, v] of Object.entries(value)) walk(v, where ? `${where}.${key}` : key);
      } else if (typeof value === 'number' && !/share|median|followUpDays/i.test(where)) {
        expect(value % 5, `${where} = ${value}`).toBe(0);
      }
    };
    walk({ ...report, acknowledgement: { ...report.acknowledgement, severities: undefined } }, '');
    const ack = report.acknowledgement;
    expect(ack.shareWithin60s).toBe((ack.within60s as number) / (ack.alerts as number));
    const csv = toCsv(report);
    expect(csv).not.toMatch(/^resident,/m);
    expect(csv).not.toMatch(/[0-9a-f]{16}/);
  });

  it('names nobody: no home, resident or room, nor the secret, in the JSON or the CSV', async () => {
    const report = preventionReport({ db: hub.db, config, from: '2026-11-01', to: '2026-11-30' });
    for (const text of [JSON.stringify(report), toCsv(report)]) {
      for (const word of PERSONAL) expect(text.toLowerCase()).not.toContain(word);
    }
  });

  it('a keyed pseudonym is the same every time under the hub secret, unrelated under another', async () => {
    const secret = pseudonymSecret(hub.db);
    expect(pseudonymSecret(hub.db).equals(secret)).toBe(true); // made once, then kept
    const ann = residentPseudonym(secret, JONES, 'ann-jones');
    expect(ann).toMatch(/^[0-9a-f]{16}$/);
    expect(residentPseudonym(secret, JONES, 'ann-jones')).toBe(ann);
    expect(residentPseudonym(secret, SMITH, 'mary-smith')).not.toBe(ann);
    expect(residentPseudonym('another hub secret', JONES, 'ann-jones')).not.toBe(ann);
  });

  it('writes CSV with one row per figure and the header first', async () => {
    const csv = toCsv(preventionReport({ db: hub.db, config, from: '2026-11-01', to: '2026-11-30' }));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,item,measure,value');
    expect(lines).toContain('alerts,pendant,count,10');
    expect(lines).toContain('falls,ambulance,outcome,*');
    expect(lines).toContain('acknowledgement,critical+high,shareWithin60s,0.5');
    expect(lines).toContain('residents,with alerts,count,*');
  });
});

describe('the prevention report of a new hub', () => {
  it('gives zeros, not errors', async () => {
    const hub = await openTestHubDb(config);
    onTestFinished(() => hub.close());
    const report = preventionReport({ db: hub.db, config, from: '2026-11-01', to: '2026-11-30' });
    expect(report).toMatchObject({
      homesMonitored: 0,
      residentsMonitored: 0,
      alerts: { total: 0 },
      residentsWith: { alerts: 0, falls: 0, routineChanges: 0 },
    });
    expect(report.acknowledgement.shareWithin60s).toBeNull();
  });
});
