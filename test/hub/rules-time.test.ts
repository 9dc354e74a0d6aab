// Live, the rules run on the hub's clock: a sensor's `ts` is kept, but never moves anyone else's time (SPEC 4.1).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RuleDecision, SensorEvent } from '../../rules/types.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { clockedRules, motion, inactivityOnlyHome } from '../support/clocked-hub.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** Monday 5 January 2026, 09:00 in London (GMT): day time, cold start (4 h inactivity, 45 min possible fall). */
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const config = parseHubConfig(ONE_HOME_CONFIG);
/** The same home with possible-fall pushed past the 12 h cap, to time inactivity on its own (one call-out per silence). */
const inactivityOnly = parseHubConfig(inactivityOnlyHome(ONE_HOME_CONFIG.homes[0]));

let dir: string;
beforeEach(() => {
  dir = tempDir('rules-time');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Raised {
  kind: string;
  homeId: string;
  /** The decision's time (the rules' time it was found at). */
  at: number;
  /** The hub's clock when it was carried out. */
  decidedAt: number;
}

/** A hub's rules: a real store in a temp folder, the real runner, a fake hub clock. */
function hubRules(clock: FakeClock, homes = config.homes) {
  const raised: Raised[] = [];
  const decisions: RuleDecision[] = [];
  const { runner, send, close } = clockedRules(path.join(dir, 'hub.db'), clock, homes, (ds) => {
    decisions.push(...ds);
    for (const d of ds)
      if (d.type === 'raise') raised.push({ kind: d.kind, homeId: d.homeId, at: d.at, decidedAt: clock.now() });
  });
  runner.start();
  return { raised, decisions, send, close };
}

/** A device the configuration does not know, in a home it does not know, with a clock 23 h fast. */
function strayFromTheFuture(ts: number): SensorEvent {
  return { homeId: 'nowhere', deviceId: 'bad-clock', type: 'motion', value: true, ts, source: 'mqtt', assigned: false };
}

const kinds = (raised: Raised[]): string[] => raised.map((r) => `${r.kind} ${new Date(r.at).toISOString()}`);

describe('the rules run on the hub clock, not the sensors', () => {
  it('an event stamped 23 h ahead from an unconfigured home fires no timer of another home and delays nothing, also after a restart', async () => {
    const clock = new FakeClock(T0);
    let hub = hubRules(clock);
    await hub.send(motion('hall-pir', T0));
    await hub.send(strayFromTheFuture(T0 + 23 * HOUR_MS));
    expect(hub.raised).toEqual([]);

    clock.advanceTo(T0 + 30 * MINUTE_MS);
    await hub.send(motion('hall-pir', T0 + 30 * MINUTE_MS));
    expect(hub.raised).toEqual([]);
    // A restart keeps nothing of the stray clock: the snapshot and the re-fed events hold the hub's time.
    hub.close();
    clock.advanceBy(MINUTE_MS);
    hub = hubRules(clock);
    expect(hub.raised).toEqual([]);

    // Detection on time: possible fall 45 min after the last motion (the one call-out of this silence: no
    // inactivity 4 h after it).
    clock.advanceTo(T0 + 30 * MINUTE_MS + 4 * HOUR_MS);
    expect(kinds(hub.raised)).toEqual(['possible-fall 2026-01-05T10:15:00.000Z']);
    for (const r of hub.raised) expect(r.decidedAt).toBe(r.at);
    hub.close();
  });

  it('an event from a configured home stamped in the future counts as now', async () => {
    const clock = new FakeClock(T0);
    const hub = hubRules(clock);
    await hub.send(motion('hall-pir', T0 + 23 * HOUR_MS));
    expect(hub.raised).toEqual([]);
    clock.advanceTo(T0 + 5 * HOUR_MS);
    expect(kinds(hub.raised)).toEqual(['possible-fall 2026-01-05T09:45:00.000Z']);
    hub.close();
  });

  it('a pendant press stamped by its sender keeps its time as the decision time, and a future stamp is taken as now', async () => {
    const clock = new FakeClock(T0);
    const hub = hubRules(clock);
    const press = (ts: number): SensorEvent => ({
      homeId: 'h1',
      deviceId: 'p1',
      type: 'pendant',
      value: true,
      ts,
      source: 'mqtt',
      room: 'living',
      kind: 'pendant',
      assigned: true,
    });
    await hub.send(press(T0 - 2_000));
    await hub.send(press(T0 + 2 * HOUR_MS));
    expect(hub.raised.map((r) => r.at)).toEqual([T0 - 2_000, T0]);
    hub.close();
  });

  it('a late batch from a bridge counts as activity at its own time: silence timers run from it, not from now', async () => {
    const clock = new FakeClock(T0);
    const hub = hubRules(clock, inactivityOnly.homes);
    await hub.send(motion('hall-pir', T0));
    // The bridge was out for two hours; it flushes what it buffered. The kitchen at 10:00 is the latest activity.
    clock.advanceTo(T0 + 2 * HOUR_MS);
    // The pendant's battery report, on time through its own path, is not activity.
    await hub.send({
      homeId: 'h1',
      deviceId: 'p1',
      type: 'battery',
      value: 90,
      ts: T0 + 2 * HOUR_MS,
      source: 'mqtt',
      room: 'living',
      kind: 'pendant',
      assigned: true,
    });
    await hub.send(motion('hall-pir', T0 + 30 * MINUTE_MS), motion('kitchen-pir', T0 + HOUR_MS));
    clock.advanceTo(T0 + 6 * HOUR_MS);
    const inactivity = hub.raised.filter((r) => r.kind === 'inactivity');
    expect(kinds(inactivity)).toEqual(['inactivity 2026-01-05T14:00:00.000Z']);
    hub.close();
  });

  it('an event older than the last activity moves neither the last activity nor the silence timers', async () => {
    const clock = new FakeClock(T0);
    const hub = hubRules(clock, inactivityOnly.homes);
    await hub.send(motion('hall-pir', T0));
    clock.advanceTo(T0 + HOUR_MS);
    await hub.send(motion('kitchen-pir', T0 - 2 * HOUR_MS));
    clock.advanceTo(T0 + 6 * HOUR_MS);
    expect(kinds(hub.raised.filter((r) => r.kind === 'inactivity'))).toEqual(['inactivity 2026-01-05T13:00:00.000Z']);
    hub.close();
  });
});

describe('a late batch after an alert', () => {
  it('leaves open, neither cancelled nor raised again, an alert whose silence its activity does not end', async () => {
    const clock = new FakeClock(T0);
    const hub = hubRules(clock);
    await hub.send(motion('hall-pir', T0));
    clock.advanceTo(T0 + 5 * HOUR_MS);
    // One call-out for the silence: the possible fall of 09:45 (inactivity at 13:00 is not a second one).
    expect(hub.raised.map((r) => r.kind)).toEqual(['possible-fall']);
    // The bridge comes back at 14:00 with a kitchen motion of 09:30: the silence since is still 4.5 h.
    hub.decisions.length = 0;
    await hub.send(motion('kitchen-pir', T0 + 30 * MINUTE_MS));
    expect(hub.decisions.filter((d) => d.type === 'raise' || d.type === 'clear')).toEqual([]);
    // Its own time counts: the next silence alert after new activity is judged from there as usual.
    await hub.send(motion('hall-pir', T0 + 5 * HOUR_MS));
    expect(hub.decisions.filter((d) => d.type === 'clear').map((d) => d.kind)).toEqual(['possible-fall']);
    hub.close();
  });
});
