// A silence that fell due while the hub was down (a power cut, a crash, an update) was called the moment it started,
// before anything could be heard: a bridge's buffered reports arrive seconds after the broker is back, and a resident
// up and about trips a PIR within a minute. The rules now give the home's sensors a grace after each start before they
// call a silence that fell due meanwhile. The real rules runner on a SQLite file, restarted on it, a fake clock.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import { GRACE_CHECKPOINT_MS, StartGrace } from '../../hub/start-grace.js';
import type { RuleDecision, SensorEvent } from '../../rules/types.js';
import type { AlertKind } from '../../rules/vocabulary.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { clockedRules, motion, type ClockedRules } from '../support/clocked-hub.js';
import { MINUTE_MS } from '../../rules/time.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';

// A Monday, 09:00 in London (GMT): by day, so the hall's cold-start possible fall is 45 min.
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;

describe('a silence that fell due while the hub was down', () => {
  let dir: string;
  let rules: ClockedRules | undefined;
  let clock: FakeClock;
  let raised: { kind: string; wallAt: number }[];

  function startRules(config = ONE_HOME_CONFIG, reload = false): void {
    rules = clockedRules(
      path.join(dir, 'hub.db'),
      clock,
      parseHubConfig(config).homes,
      (ds: RuleDecision[]) => {
        for (const d of ds) if (d.type === 'raise') raised.push({ kind: d.kind, wallAt: clock.now() });
      },
      { reload },
    );
    rules.runner.start();
  }

  /** Killed: the runner is never stopped; its timers stay on a clock nobody advances again. */
  function kill(): void {
    rules!.store.close();
    rules!.db.close();
    rules = undefined;
    clock = new FakeClock(clock.now());
  }

  beforeEach(() => {
    dir = tempDir('restart-grace');
    clock = new FakeClock(T0);
    raised = [];
    startRules();
  });
  afterEach(() => {
    rules?.close();
    rules = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The resident about for ten minutes from 09:00, the last movement in the hall at 09:09; then the hub goes down. */
  async function aboutThenDown(downMs: number): Promise<void> {
    for (let i = 0; i < 10; i++) {
      await rules!.send(motion(i % 2 ? 'hall-pir' : 'kitchen-pir', clock.now()));
      if (i < 9) clock.advanceBy(MINUTE_MS);
    }
    rules!.close();
    rules = undefined;
    clock.advanceBy(downMs);
  }

  it("is not called at the start: a bridge's flush heard in the grace ends it, and the silence runs from its report", async () => {
    // Down from 09:09 to 10:09: the hall's possible fall (09:54) fell due meanwhile.
    await aboutThenDown(60 * MINUTE_MS);
    startRules();
    expect(raised).toEqual([]);
    // The bridge reconnects and sends what it held: the resident in the kitchen at 09:40, during the cut.
    clock.advanceBy(2_000);
    await rules!.send({ ...motion('kitchen-pir', T0 + 40 * MINUTE_MS), source: 'serial' });
    clock.advanceBy(GRACE_MS);
    expect(raised).toEqual([]);
    // The silence since 09:40 is called at its own time (45 min: 10:25), not before.
    clock.advanceTo(T0 + 85 * MINUTE_MS - 1);
    expect(raised).toEqual([]);
    clock.advanceTo(T0 + 85 * MINUTE_MS);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: T0 + 85 * MINUTE_MS }]);
  });

  it('is not called when the resident moves in the grace', async () => {
    await aboutThenDown(60 * MINUTE_MS);
    startRules();
    clock.advanceBy(GRACE_MS / 2);
    await rules!.send(motion('hall-pir', clock.now()));
    clock.advanceBy(GRACE_MS);
    expect(raised).toEqual([]);
  });

  it('is called when the grace ends with nothing heard', async () => {
    await aboutThenDown(60 * MINUTE_MS);
    const startAt = clock.now();
    startRules();
    clock.advanceTo(startAt + GRACE_MS - 1);
    expect(raised).toEqual([]);
    clock.advanceTo(startAt + GRACE_MS);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: startAt + GRACE_MS }]);
  });

  it('a pendant pressed in the grace is raised at once', async () => {
    await aboutThenDown(60 * MINUTE_MS);
    startRules();
    clock.advanceBy(1_000);
    const press: SensorEvent = { ...motion('hall-pir', clock.now()), deviceId: 'p1', type: 'pendant', kind: 'pendant' };
    await rules!.send(press);
    expect(raised).toEqual([{ kind: 'pendant', wallAt: T0 + 69 * MINUTE_MS + 1_000 }]);
  });

  it('a silence falling due after the grace keeps its time', async () => {
    // Down for 30 min: the possible fall (09:54) falls due 15 min after the start, not in the grace.
    await aboutThenDown(30 * MINUTE_MS);
    startRules();
    clock.advanceTo(T0 + 54 * MINUTE_MS - 1);
    expect(raised).toEqual([]);
    clock.advanceTo(T0 + 54 * MINUTE_MS);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: T0 + 54 * MINUTE_MS }]);
  });

  it('a hub stopped in the grace, a silence held, calls it when the grace left ends at the next start', async () => {
    await aboutThenDown(60 * MINUTE_MS);
    startRules();
    clock.advanceBy(GRACE_MS / 2);
    rules!.close();
    rules = undefined;
    clock.advanceBy(10_000);
    const secondStart = clock.now();
    startRules();
    expect(raised).toEqual([]);
    // Half the grace was used before the stop: the other half is left, not a new one.
    clock.advanceTo(secondStart + GRACE_MS / 2 - 1);
    expect(raised).toEqual([]);
    clock.advanceTo(secondStart + GRACE_MS / 2);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: secondStart + GRACE_MS / 2 }]);
  });

  it('a hub killed in the grace (no stop, no last snapshot) calls it when the grace left ends at the next start', async () => {
    await aboutThenDown(60 * MINUTE_MS);
    startRules();
    clock.advanceBy(GRACE_MS / 2);
    kill();
    clock.advanceBy(10_000);
    const secondStart = clock.now();
    startRules();
    expect(raised).toEqual([]);
    // What was written before the kill counts the time to the next write as used: up to one write's worth less left.
    const left = GRACE_MS / 2 - GRACE_CHECKPOINT_MS;
    clock.advanceTo(secondStart + left - 1);
    expect(raised).toEqual([]);
    clock.advanceTo(secondStart + left);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: secondStart + left }]);
  });

  it('a hub restarting over and over (killed 30 s after each start) still calls the silence', async () => {
    await aboutThenDown(60 * MINUTE_MS);
    // Each start's grace was whole before: the silence was held for ever, 30 s at a time.
    const starts: number[] = [];
    for (let i = 0; i < 8 && raised.length === 0; i++) {
      starts.push(clock.now());
      startRules();
      if (raised.length > 0) break;
      clock.advanceBy(30_000);
      kill();
      clock.advanceBy(5_000);
    }
    expect(raised).toHaveLength(1);
    expect(raised[0]!.kind).toBe('possible-fall');
    // Called at a start, once the starts before had used the grace (each 30 s up and a write ahead: 40 s of it).
    const uptimeBefore = (starts.length - 1) * 30_000;
    expect(raised[0]!.wallAt).toBe(starts.at(-1));
    expect(uptimeBefore).toBeLessThanOrEqual(GRACE_MS);
    expect(uptimeBefore + (starts.length - 1) * GRACE_CHECKPOINT_MS).toBeGreaterThanOrEqual(GRACE_MS);
  });

  it('a grace that ended whole leaves the next start a whole grace', async () => {
    await aboutThenDown(60 * MINUTE_MS);
    let startAt = clock.now();
    startRules();
    clock.advanceTo(startAt + GRACE_MS);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: startAt + GRACE_MS }]);
    // The resident is about again (the call cleared), then a second cut in which the silence falls due again.
    raised = [];
    await aboutThenDown(60 * MINUTE_MS);
    startAt = clock.now();
    startRules();
    clock.advanceTo(startAt + GRACE_MS - 1);
    expect(raised).toEqual([]);
    clock.advanceTo(startAt + GRACE_MS);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: startAt + GRACE_MS }]);
  });

  it('a reload (the hub not down) begins no grace: a silence falling due just after it keeps its time', async () => {
    // The hub started at T0 (beforeEach), its grace long over.
    clock.advanceBy(GRACE_MS);
    await rules!.send(motion('hall-pir', clock.now()));
    const dueAt = clock.now() + 45 * MINUTE_MS;
    clock.advanceTo(dueAt - 30_000);
    rules!.close();
    startRules(ONE_HOME_CONFIG, true);
    clock.advanceTo(dueAt - 1);
    expect(raised).toEqual([]);
    clock.advanceTo(dueAt);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: dueAt }]);
  });

  it('a reload in a grace goes on with what is left of it', async () => {
    await aboutThenDown(60 * MINUTE_MS);
    const startAt = clock.now();
    startRules();
    clock.advanceBy(GRACE_MS / 4);
    rules!.close();
    startRules(ONE_HOME_CONFIG, true);
    expect(raised).toEqual([]);
    clock.advanceTo(startAt + GRACE_MS - 1);
    expect(raised).toEqual([]);
    clock.advanceTo(startAt + GRACE_MS);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: startAt + GRACE_MS }]);
  });

  it('a home that sets the grace to 0 is called at the start, as before', async () => {
    const noGrace = {
      homes: ONE_HOME_CONFIG.homes.map((h) => ({ ...h, rules: { restart: { graceSeconds: 0 } } })),
    };
    rules!.close();
    startRules(noGrace);
    await aboutThenDown(60 * MINUTE_MS);
    const startAt = clock.now();
    startRules(noGrace);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: startAt }]);
  });
});

/** A raise of `kind` in home h1 at T0, as the rules make one. */
const raise = (kind: AlertKind): RuleDecision => ({
  type: 'raise',
  homeId: 'h1',
  kind,
  severity: 'high',
  at: T0,
  detail: {},
});

describe('what the grace holds', () => {
  const homes = parseHubConfig(ONE_HOME_CONFIG).homes;

  it('a silence its timer raised; never an emergency, nor a raise made by a report', () => {
    const clock = new FakeClock(T0);
    const told: RuleDecision[] = [];
    const grace = new StartGrace(clock, (raises) => told.push(...raises));
    grace.begin(homes);
    const byTimer = (): boolean => true;
    // A wearable's fall confirmed by its timer (the samples stopped after the impact) and a pendant: told at once.
    expect(grace.filter([raise('fall'), raise('pendant'), raise('cold')], byTimer).map((d) => d.kind)).toEqual([
      'fall',
      'pendant',
      'cold',
    ]);
    // Zigbee2MQTT calling a device offline is a report, not a silence: told at once.
    expect(grace.filter([raise('sensor-offline')], () => false)).toHaveLength(1);
    for (const kind of ['possible-fall', 'inactivity', 'night-exit', 'sensor-offline'] as const)
      expect(grace.filter([raise(kind)], byTimer)).toEqual([]);
    expect(grace.size).toBe(4);
    // The inactivity call is cleared in the grace (the resident heard): neither it nor its clear is told.
    const clear: RuleDecision = { type: 'clear', homeId: 'h1', kind: 'inactivity', at: T0 + 1, reason: 'activity' };
    expect(grace.filter([clear], byTimer)).toEqual([]);
    clock.advanceBy(GRACE_MS);
    expect(told.map((d) => d.kind)).toEqual(['possible-fall', 'night-exit', 'sensor-offline']);
    // After the grace nothing is held.
    expect(grace.filter([raise('possible-fall')], byTimer)).toHaveLength(1);
    grace.stop();
  });
});

describe('the grace used, kept across starts', () => {
  const homes = parseHubConfig(ONE_HOME_CONFIG).homes;

  function graceWith(stored: unknown, fresh = true) {
    const clock = new FakeClock(T0);
    const saved: Record<string, number>[] = [];
    const grace = new StartGrace(clock, () => undefined, {
      load: () => stored,
      save: (used) => saved.push({ ...used }),
    });
    const spent = grace.begin(homes, { fresh });
    return { clock, grace, saved, spent };
  }

  it('goes on with what is left, writes ahead of time, and none used once it ends', () => {
    const { clock, grace, saved, spent } = graceWith({ h1: GRACE_MS - 25_000 });
    expect(spent).toEqual([]);
    expect(saved).toEqual([{ h1: GRACE_MS - 15_000 }]);
    clock.advanceBy(GRACE_CHECKPOINT_MS);
    expect(saved.at(-1)).toEqual({ h1: GRACE_MS - 5_000 });
    clock.advanceBy(15_000);
    expect(saved.at(-1)).toEqual({});
    grace.stop();
  });

  it('a grace used up without ending: the home is named, nothing held', () => {
    const { grace, spent } = graceWith({ h1: GRACE_MS });
    expect(spent).toEqual(['h1']);
    expect(grace.filter([raise('inactivity')], () => true)).toEqual([raise('inactivity')]);
    grace.stop();
  });

  it('a stop writes what was used, to the millisecond', () => {
    const { clock, grace, saved } = graceWith({});
    clock.advanceBy(12_345);
    grace.stop();
    expect(saved.at(-1)).toEqual({ h1: 12_345 });
  });

  it('a stored value that is not a number of ms is no grace used; a reload with none begins none', () => {
    for (const stored of [null, 'x', [], { h1: 'much' }, { h1: -5 }, { h1: Number.NaN }]) {
      const { grace, saved } = graceWith(stored);
      expect(saved[0]).toEqual({ h1: GRACE_CHECKPOINT_MS });
      grace.stop();
    }
    const { grace, saved } = graceWith({}, false);
    expect(saved).toEqual([{}]);
    expect(grace.filter([raise('inactivity')], () => true)).toEqual([raise('inactivity')]);
    grace.stop();
  });
});
