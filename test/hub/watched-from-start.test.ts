// A resident who collapsed before any sensor of the home reported (issue 11, session 27): the hub's start is the start
// of a silence, and a restart (or a crash) while the resident lies there neither forgets it nor starts it again.
// The real runner on a real SQLite file, a fake clock.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { AlertKindAt } from '../../hub/rules-runner.js';
import type { RuleDecision } from '../../rules/types.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { clockedRules, motion } from '../support/clocked-hub.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';

/** Sunday 24 February 2008, 23:20 UTC (London): the hub started late in the evening, as Kasteren A's recording. */
const T0 = Date.UTC(2008, 1, 24, 23, 20);
/** Nothing known of the home, the resident may be out: the night's allowance. */
const IN_DOUBT_MS = 600 * MINUTE_MS;
const FAMILY = new Set<string>(INACTIVITY_FAMILY);
const GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;

let dir: string;
beforeEach(() => {
  dir = tempDir('watched-from-start');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const config: HubConfig = parseHubConfig(ONE_HOME_CONFIG);

/** One run of the hub's rules on the database in `dir`, started at the clock's time. */
function hubRun(clock: FakeClock, alreadyRaised?: (d: AlertKindAt) => boolean) {
  const decisions: RuleDecision[] = [];
  const run = clockedRules(path.join(dir, 'hub.db'), clock, config.homes, (ds) => decisions.push(...ds), {
    alreadyRaised,
  });
  run.runner.start();
  return {
    ...run,
    /** When the inactivity family called (one call-out per silence). */
    calls: () =>
      decisions
        .filter((d): d is Extract<RuleDecision, { type: 'raise' }> => d.type === 'raise' && FAMILY.has(d.kind))
        .map((d) => d.at),
    detail: () => decisions.find((d) => d.type === 'raise')?.detail,
    /** SIGKILL as far as the rules know: no stop, no last snapshot. */
    crash(): void {
      run.store.close();
      run.db.close();
    },
  };
}

describe('a home nothing has reported from since the hub started', () => {
  it('is called after the allowance in doubt, counted from the start', () => {
    const clock = new FakeClock(T0);
    const hub = hubRun(clock);
    clock.advanceBy(IN_DOUBT_MS - MINUTE_MS);
    expect(hub.calls()).toEqual([]);
    clock.advanceBy(2 * MINUTE_MS);
    expect(hub.calls()).toEqual([T0 + IN_DOUBT_MS]);
    expect(hub.detail()).toEqual(expect.objectContaining({ watchedSince: new Date(T0).toISOString() }));
    hub.close();
  });

  it('a crash and a restart before the call keep the start: called at the same moment, not 10 h after the restart', () => {
    const clock = new FakeClock(T0);
    hubRun(clock).crash();
    clock.advanceBy(3 * HOUR_MS);
    const again = hubRun(clock);
    clock.advanceBy(2 * HOUR_MS);
    again.close();
    const third = hubRun(clock);
    clock.advanceBy(IN_DOUBT_MS);
    expect(third.calls()).toEqual([T0 + IN_DOUBT_MS]);
    third.close();
  });

  it('a hub down through the moment of the call calls on restart, once', () => {
    const clock = new FakeClock(T0);
    hubRun(clock).crash();
    clock.advanceBy(IN_DOUBT_MS + 2 * HOUR_MS);
    const raised: AlertKindAt[] = [];
    const again = hubRun(clock, (d) => raised.some((r) => r.kind === d.kind && r.at >= d.at));
    // Told once the start's grace has passed with nothing heard (restart-grace.test.ts), at the silence's due time.
    expect(again.calls()).toEqual([]);
    clock.advanceBy(GRACE_MS);
    expect(again.calls()).toEqual([T0 + IN_DOUBT_MS]);
    raised.push({ homeId: 'h1', kind: 'inactivity', at: T0 + IN_DOUBT_MS });
    again.close();
    // Restarted once more: the call was made (the alert service has it) and is not made again.
    const third = hubRun(clock, (d) => raised.some((r) => r.kind === d.kind && r.at >= d.at));
    clock.advanceBy(HOUR_MS);
    expect(third.calls()).toEqual([]);
    third.close();
  });

  it('a snapshot of another version (a hub updated or rolled back) keeps the start across the rebuild, and calls once', () => {
    const clock = new FakeClock(T0);
    const first = hubRun(clock);
    clock.advanceBy(IN_DOUBT_MS + HOUR_MS);
    expect(first.calls()).toEqual([T0 + IN_DOUBT_MS]);
    const raised: AlertKindAt[] = [{ homeId: 'h1', kind: 'inactivity', at: T0 + IN_DOUBT_MS }];
    first.close();
    // The saved state is of a version this hub does not restore: rebuilt from the stored events (there are none).
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, clock);
    const saved = store.loadRuleState('rules-engine');
    expect(saved?.state).toEqual(expect.objectContaining({ version: expect.any(Number) }));
    store.saveRuleState('rules-engine', { ...(saved?.state as object), version: -1 }, saved?.lastEventId ?? 0);
    store.close();
    db.close();
    const again = hubRun(clock, (d) => raised.some((r) => r.kind === d.kind && r.at >= d.at));
    clock.advanceBy(IN_DOUBT_MS + HOUR_MS);
    // Not a second call-out 10 h after the restart: the silence still runs from the first start.
    expect(again.calls()).toEqual([]);
    again.close();
  });

  it('a home removed from the configuration is not called about; configured again, its watch goes on from its start', () => {
    const clock = new FakeClock(T0);
    const decisions: RuleDecision[] = [];
    const run = (homes: HubConfig['homes']) => {
      const r = clockedRules(path.join(dir, 'hub.db'), clock, homes, (ds) => decisions.push(...ds));
      r.runner.start();
      return r;
    };
    const calls = () =>
      decisions.flatMap((d) => (d.type === 'raise' && FAMILY.has(d.kind) ? [`${d.homeId}@${String(d.at)}`] : []));
    const h1 = config.homes[0]!;
    const withH2 = [h1, { ...h1, id: 'h2' }];
    const first = run(withH2);
    clock.advanceBy(HOUR_MS);
    first.close();
    // h2 taken out (the resident moved away) by a reload, which restarts the rules from their snapshot.
    const without = run([h1]);
    clock.advanceBy(IN_DOUBT_MS);
    expect(calls()).toEqual([`h1@${String(T0 + IN_DOUBT_MS)}`]);
    without.close();
    // Configured again: the silence it was in still runs from the hub's first start (overdue: called once the start's
    // grace has passed).
    const back = run(withH2);
    clock.advanceBy(GRACE_MS);
    expect(calls()).toEqual([`h1@${String(T0 + IN_DOUBT_MS)}`, `h2@${String(T0 + IN_DOUBT_MS)}`]);
    back.close();
  });

  it('an event of a removed home stored before a crash does not bring it back when re-fed', async () => {
    const clock = new FakeClock(T0);
    const h1 = config.homes[0]!;
    const withH2 = [h1, { ...h1, id: 'h2' }];
    const ignore = (): void => undefined;
    const first = clockedRules(path.join(dir, 'hub.db'), clock, withH2, ignore);
    first.runner.start();
    first.close();
    // Restarted (snapshot saved), a report from h2 stored, then a crash: the report is re-fed at the next start.
    const second = clockedRules(path.join(dir, 'hub.db'), clock, withH2, ignore);
    second.runner.start();
    clock.advanceBy(MINUTE_MS);
    await second.send({ ...motion('hall-pir', clock.now()), homeId: 'h2' });
    second.store.close();
    second.db.close();
    // h2 was taken out of the configuration meanwhile. Only this run's decisions are read (the crashed runner's
    // timers are still on the fake clock).
    const decisions: RuleDecision[] = [];
    const third = clockedRules(path.join(dir, 'hub.db'), clock, [h1], (ds) => decisions.push(...ds));
    third.runner.start();
    clock.advanceBy(3 * IN_DOUBT_MS);
    third.close();
    const called = decisions.flatMap((d) => (d.type === 'raise' && FAMILY.has(d.kind) ? [d.homeId] : []));
    expect(called).toContain('h1');
    expect(called).not.toContain('h2');
  });

  it('a home with only a pendant and alarms (nothing that reports the resident unasked) is not called about', () => {
    const clock = new FakeClock(T0);
    const decisions: RuleDecision[] = [];
    const h1 = config.homes[0]!;
    const pendantOnly = { ...h1, id: 'h3', devices: h1.devices.filter((d) => d.kind === 'pendant') };
    const withSmoke = {
      ...pendantOnly,
      id: 'h4',
      devices: [...pendantOnly.devices, { id: 's4', kind: 'smoke' as const }],
    };
    expect(pendantOnly.devices.map((d) => d.kind)).toEqual(['pendant']);
    const run = clockedRules(path.join(dir, 'hub.db'), clock, [h1, pendantOnly, withSmoke], (ds) =>
      decisions.push(...ds),
    );
    run.runner.start();
    clock.advanceBy(3 * IN_DOUBT_MS);
    const called = decisions.flatMap((d) => (d.type === 'raise' && FAMILY.has(d.kind) ? [d.homeId] : []));
    // The home with sensors about it still is (the control).
    expect(called).toEqual(['h1']);
    run.close();
  });

  it('a report stored before a crash ends it: after the restart the silence runs from that report', async () => {
    const clock = new FakeClock(T0);
    const first = hubRun(clock);
    clock.advanceBy(HOUR_MS);
    await first.send(motion('hall-pir', clock.now()));
    const seenAt = clock.now();
    first.crash();
    const again = hubRun(clock);
    clock.advanceBy(IN_DOUBT_MS + 12 * HOUR_MS);
    // Called about the silence from the report (possible-fall, minutes after a hall PIR at night), never the start's.
    expect(again.calls().length).toBeGreaterThan(0);
    expect(again.calls()).not.toContain(T0 + IN_DOUBT_MS);
    expect(again.calls()[0]).toBeGreaterThan(seenAt);
    expect(again.detail()).not.toHaveProperty('watchedSince');
    again.close();
  });
});
