// Review, session 72 (round 3): the council report caps its urgent counts (alerts raised critical or high, and those
// acknowledged in time) against the alerts of `URGENT_KINDS`, a list by hand of the kinds the rules raise so. A rule
// that began raising another kind as high, not added there, would have had its urgent alerts capped against too small
// a whole (shown low). The severities each kind is raised at are now one table (`RAISED_SEVERITIES`,
// rules/vocabulary.ts), which each rule's `ctx.raise` is checked against when it compiles (`SeverityOf`: another
// severity is a type error, checked below by `tsc -p tsconfig.test.json`), and `URGENT_KINDS` is derived from it. Real
// rules on a fake clock (the Harness), the real alert service and report on a real hub database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preventionReport, URGENT_KINDS } from '../../analytics/report.js';
import type { RuleContext } from '../../rules/context.js';
import type { HomeState } from '../../rules/home-state.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { RuleDecision } from '../../rules/types.js';
import { ALERT_KINDS, kindsRaisedAt, RAISED_SEVERITIES, type Severity } from '../../rules/vocabulary.js';
import { ev, Harness, home, MONDAY } from '../rules/factories.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

type Raise = Extract<RuleDecision, { type: 'raise' }>;

/** The raises of a few real rules: pendant, smoke, a wearable's fall, flood, night exit, tamper, low battery. */
function raisesOfTheRules(): Raise[] {
  const raises: Raise[] = [];
  const take = (h: Harness): void => {
    raises.push(...h.decisions.filter((d): d is Raise => d.type === 'raise'));
  };
  const h = new Harness();
  h.send(ev(MONDAY + 1000, 'pendant', 'pendant', true));
  h.at(1000, 'smoke', 'smoke', true);
  h.at(1000, 'watch', 'fall', true);
  h.at(1000, 'hall-pir', 'tamper', true);
  h.at(1000, 'thermo', 'battery', 5);
  take(h);
  const night = new Harness(undefined, MONDAY + 2 * HOUR_MS);
  night.at(0, 'hall-pir', 'motion', true);
  night.at(MINUTE_MS, 'front', 'contact', false);
  night.advanceBy(11 * MINUTE_MS);
  take(night);
  const leak = new Harness(home({ devices: [{ id: 'leak', kind: 'water', room: 'bathroom' }] }));
  leak.at(1000, 'leak', 'water', true);
  take(leak);
  return raises;
}

/**
 * Never called: what `tsc -p tsconfig.test.json` must refuse. A rule raising a kind at a severity the table does not
 * list for it (tamper as high) does not compile, nor a severity that one of the kinds a rule may raise is not listed at.
 */
export function refusedWhenCompiled(ctx: RuleContext, h: HomeState, kind: 'pendant' | 'tamper'): void {
  // @ts-expect-error tamper is raised medium only: raising it high must be added to RAISED_SEVERITIES first
  ctx.raise(h, 'tamper', 'high', 0, { episodic: false, detail: {} });
  // @ts-expect-error a pendant or a tamper: only a severity both are raised at
  ctx.raise(h, kind, 'critical', 0, { episodic: false, detail: {} });
  ctx.raise(h, 'night-exit', 'high', 0, { episodic: false, detail: {} });
}

describe('review s72: the urgent kinds are derived from where severities are decided', () => {
  it('lists every kind the table raises critical or high, and no other', () => {
    expect(URGENT_KINDS).toEqual(kindsRaisedAt(['critical', 'high']));
    for (const kind of ALERT_KINDS) {
      const urgent = (RAISED_SEVERITIES[kind] as readonly Severity[]).some((s) => s === 'critical' || s === 'high');
      expect(URGENT_KINDS.includes(kind), kind).toBe(urgent);
    }
    // What the rules raise so today (the list by hand it replaces).
    expect([...URGENT_KINDS].sort()).toEqual(
      [
        'pendant',
        'fall',
        'possible-fall',
        'inactivity',
        'night-exit',
        'bathroom-too-long',
        'smoke',
        'co',
        'gas',
        'flood',
      ].sort(),
    );
  });

  it("holds every severity the real rules raise at, and every urgent raise's kind is urgent", () => {
    const raises = raisesOfTheRules();
    expect(new Set(raises.map((r) => r.kind))).toEqual(
      new Set(['pendant', 'smoke', 'fall', 'tamper', 'low-battery', 'night-exit', 'flood']),
    );
    for (const r of raises) {
      expect(RAISED_SEVERITIES[r.kind] as readonly Severity[], `${r.kind} at ${r.severity}`).toContain(r.severity);
      if (r.severity === 'critical' || r.severity === 'high') expect(URGENT_KINDS).toContain(r.kind);
    }
  });

  describe('through the alert service and the report', () => {
    const FLATS = Array.from({ length: 10 }, (_, i) => `flat-${i + 1}`);
    const config = testConfig(
      FLATS.map((id) => ({ id, timezone: 'UTC', residents: [{ id: `${id}-r` }], devices: [] })),
    );
    let hub: TestHubDb;
    beforeAll(async () => {
      hub = await openTestHubDb(config);
    });
    afterAll(async () => {
      await hub?.close();
    });

    it('counts every urgent raise of the rules among the urgent alerts, none capped below them', () => {
      // The rules' raises, each in ten flats of their own in February 2027, acknowledged in 40 s.
      const raises = raisesOfTheRules();
      let minute = 0;
      for (const r of raises) {
        for (const homeId of FLATS) {
          hub.raise({ ...r, homeId, residentId: undefined, at: Date.UTC(2027, 1, 3, 9, minute++) }, 40);
        }
      }
      const report = preventionReport({
        db: hub.db,
        config,
        from: '2027-02-01',
        to: '2027-02-28',
        now: Date.UTC(2027, 3, 1),
      });
      const urgent = raises.filter((r) => r.severity === 'critical' || r.severity === 'high').length * FLATS.length;
      // 5 urgent raises (pendant, smoke, fall, night exit, flood; not tamper nor low battery) in 10 flats: 50.
      expect(urgent).toBe(50);
      expect(report.acknowledgement.alerts).toBe(50);
      expect(report.acknowledgement.within60s).toBe(50);
    });
  });
});
