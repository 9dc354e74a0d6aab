// The hub's rules runner: one timer for the engine, snapshots in the store, and timers that fell due during downtime.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import { silentLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import type { AlertKindAt } from '../../hub/rules-runner.js';
import { StorageHealth } from '../../hub/storage-health.js';
import { BUILT_IN_RULES } from '../../rules/built-in.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import type { RuleDecision, SensorEvent } from '../../rules/types.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { clockedRules } from '../support/clocked-hub.js';

const config = parseHubConfig(ONE_HOME_CONFIG);
let dir: string;
beforeEach(() => {
  dir = tempDir('runner');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function runnerAt(clock: FakeClock, decisions: RuleDecision[]) {
  return clockedRules(path.join(dir, 'hub.db'), clock, config.homes, (d) => decisions.push(...d));
}

function event(
  type: SensorEvent['type'],
  deviceId: string,
  room: string,
  ts: number,
  value: SensorEvent['value'] = true,
): SensorEvent {
  return {
    homeId: 'h1',
    deviceId,
    type,
    value,
    ts,
    source: 'mqtt',
    room,
    kind: deviceId === 'p1' ? 'pendant' : 'motion',
    assigned: true,
  };
}

describe('rules runner', () => {
  it('a pendant press fed after storage is decided at once', async () => {
    const clock = new FakeClock();
    const decisions: RuleDecision[] = [];
    const { db, store, runner } = runnerAt(clock, decisions);
    runner.start();
    const press = [event('pendant', 'p1', 'living', clock.now())];
    runner.feed(press, await store.append(press));
    expect(decisions).toMatchObject([{ type: 'raise', kind: 'pendant', homeId: 'h1' }]);
    runner.stop();
    db.close();
  });

  it("carries out a press's alert before the rest of the press's rules, which runs when deferred or before anything else", async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const calls: string[][] = [];
    const deferred: (() => void)[] = [];
    const { db, store, runner } = clockedRules(
      path.join(dir, 'hub.db'),
      clock,
      config.homes,
      (d) => calls.push(d.map((x) => `${x.type} ${x.kind}`)),
      { deferRest: (finish) => deferred.push(finish) },
    );
    runner.start();
    const motion = [event('motion', 'hall-pir', 'hall', clock.now())];
    runner.feed(motion, await store.append(motion));
    clock.advanceBy(13 * 3_600_000);
    expect(calls).toEqual([['raise possible-fall']]);
    // The press is activity too: it clears the silence's alert, but only in the rest of its rules, after its own.
    const press = [event('pendant', 'p1', 'living', clock.now() - 5)];
    runner.feed(press, await store.append(press));
    expect(calls.slice(1)).toEqual([['raise pendant']]);
    expect(deferred).toHaveLength(1);
    deferred.shift()!();
    expect(calls.slice(2)).toEqual([['clear possible-fall']]);
    // Another press, and a motion before its deferred rest has run: the rest goes first, and then has nothing to do.
    clock.advanceBy(60_000);
    const again = [event('pendant', 'p1', 'living', clock.now())];
    runner.feed(again, await store.append(again));
    expect(calls.slice(3)).toEqual([['raise pendant']]);
    const moved = [event('motion', 'hall-pir', 'hall', clock.now())];
    runner.feed(moved, await store.append(moved));
    const settled = calls.length;
    for (const finish of deferred.splice(0)) finish();
    expect(calls).toHaveLength(settled);
    // Stopped with a press's rest still to do: done before the last snapshot, which then covers the press. A press of
    // its own a second later (one with the same stamp as the last is that press sent again, not news).
    clock.advanceBy(1_000);
    const last = [event('pendant', 'p1', 'living', clock.now())];
    runner.feed(last, await store.append(last));
    expect(deferred).toHaveLength(1);
    runner.stop();
    expect(store.loadRuleState('rules-engine')?.lastEventId).toBe(store.lastReservedId);
    expect(clock.pending()).toBe(0);
    db.close();
  });

  it("a rule that fails on a press's deferred rest costs no other event: the next press, fed before it ran, raises", async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const calls: string[][] = [];
    const deferred: (() => void)[] = [];
    // A rule after the emergency rule that fails on the first press only (a fault in the rules' bookkeeping).
    let failures = 0;
    const failsOnce = {
      name: 'fails-once',
      events: ['pendant'],
      onEvent(): void {
        if (failures++ === 0) throw new Error('a rule failed');
      },
    } as const;
    const { db, store, runner } = clockedRules(
      path.join(dir, 'hub.db'),
      clock,
      config.homes,
      (d) => calls.push(d.map((x) => `${x.type} ${x.kind}`)),
      { deferRest: (finish) => deferred.push(finish), rules: [...BUILT_IN_RULES, failsOnce] },
    );
    runner.start();
    const press = [event('pendant', 'p1', 'living', clock.now())];
    runner.feed(press, await store.append(press));
    expect(calls).toEqual([['raise pendant']]);
    // The next batch is read before the deferred rest ran (another packet in the same poll): its press is decided.
    clock.advanceBy(60_000);
    const again = [event('pendant', 'p1', 'living', clock.now())];
    const stored = store.append(again);
    expect(() => runner.feed(again, store.lastReservedId)).not.toThrow();
    await stored;
    expect(calls.slice(1)).toEqual([['raise pendant']]);
    for (const finish of deferred.splice(0)) finish();
    runner.stop();
    expect(store.loadRuleState('rules-engine')?.lastEventId).toBe(store.lastReservedId);
    expect(clock.pending()).toBe(0);
    db.close();
  });

  it("a snapshot the database refuses is counted in the hub's storage errors, and the next one is written", async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const registry = createMetricsRegistry();
    const storage = new StorageHealth(registry, silentLogger, () => clock.now());
    const file = path.join(dir, 'hub.db');
    const { db, store, runner } = clockedRules(file, clock, config.homes, () => undefined, {
      snapshotEveryMs: 60_000,
      storageFailed: (where, err) => storage.failed(where, err),
    });
    runner.start();
    const savedAt = () =>
      (
        db.prepare("SELECT updated_at FROM rule_state WHERE key = 'rules-engine'").get() as
          { updated_at: number } | undefined
      )?.updated_at;
    const errors = async () =>
      (await registry.getSingleMetric('telecare_storage_errors_total')?.get())?.values.find(
        (v) => v.labels.where === 'rules-state',
      )?.value ?? 0;
    // Another process makes the database refuse the engine's state (a real SQLite error on the real statement).
    const other = new Database(file);
    // (Its state only: the start's grace used, written beside it, is another row.)
    other.exec(
      "CREATE TRIGGER refuse BEFORE UPDATE ON rule_state WHEN NEW.key = 'rules-engine' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    const before = savedAt();
    const motion = [event('motion', 'hall-pir', 'hall', clock.now())];
    runner.feed(motion, await store.append(motion));
    clock.advanceBy(61_000);
    expect(await errors()).toBe(1);
    expect(savedAt()).toBe(before);
    other.exec('DROP TRIGGER refuse');
    other.close();
    runner.feed(motion, await store.append([{ ...motion[0]!, ts: clock.now() }]));
    clock.advanceBy(61_000);
    expect(await errors()).toBe(1);
    expect(savedAt()).toBeGreaterThan(before ?? Infinity);
    runner.stop();
    db.close();
  });

  it('keeps only one rules timer armed however many events arrive', async () => {
    const clock = new FakeClock();
    const { db, store, runner } = runnerAt(clock, []);
    runner.start();
    const idle = clock.pending();
    for (let i = 0; i < 20; i++) {
      const motion = [event('motion', 'hall-pir', 'hall', clock.now())];
      runner.feed(motion, await store.append(motion));
      clock.advanceBy(1_000);
    }
    expect(clock.pending() - idle).toBeLessThanOrEqual(1);
    runner.stop();
    expect(clock.pending()).toBe(0);
    db.close();
  });

  it('a silence that began before a restart still raises its alert after it (timers due during downtime fire)', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const first = runnerAt(clock, []);
    first.runner.start();
    const motion = [event('motion', 'hall-pir', 'hall', clock.now())];
    first.runner.feed(motion, await first.store.append(motion));
    first.runner.stop();
    first.db.close();

    // Thirteen hours later, longer than any inactivity limit of SPEC 6, the hub starts again.
    const later = new FakeClock(clock.now() + 13 * 3_600_000);
    const decisions: RuleDecision[] = [];
    const second = runnerAt(later, decisions);
    second.runner.start();
    // Called once the home's grace after the start has passed with nothing heard (restart-grace.test.ts).
    expect(decisions.filter((d) => d.type === 'raise')).toEqual([]);
    later.advanceBy(DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000);
    expect(decisions.filter((d) => d.type === 'raise').length).toBeGreaterThan(0);
    second.runner.stop();
    second.db.close();
  });

  it('after a crash, events re-fed from the store do not raise again what was already raised', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const raised: RuleDecision[] = [];
    const first = runnerAt(clock, raised);
    first.runner.start(); // snapshot written at start, before the press
    const press = [event('pendant', 'p1', 'living', clock.now())];
    first.runner.feed(press, await first.store.append(press));
    expect(raised).toHaveLength(1);
    first.db.close(); // killed: no stop(), no snapshot after the press

    // A copy of the crashed database, for the same restart without the alert store's knowledge.
    const copy = tempDir('runner-copy');
    for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
    const restart = (from: string, alreadyRaised?: (d: AlertKindAt) => boolean): RuleDecision[] => {
      const decisions: RuleDecision[] = [];
      const rules = clockedRules(path.join(from, 'hub.db'), clock, config.homes, (d) => decisions.push(...d), {
        alreadyRaised,
      });
      rules.runner.start();
      rules.close();
      return decisions;
    };
    // The press is re-fed; the alert store says it was raised already, so nothing is raised twice.
    const known = raised[0] as Extract<RuleDecision, { type: 'raise' }>;
    expect(restart(dir, (d) => d.homeId === known.homeId && d.kind === known.kind && d.at <= known.at)).toEqual([]);
    // Without that knowledge the same press would be raised a second time.
    expect(restart(copy).filter((d) => d.type === 'raise')).toHaveLength(1);
    fs.rmSync(copy, { recursive: true, force: true });
  });
});
