// Review, session 67: a silence called again after network time corrects a clock that read behind, or after a restart
// on such a clock. A Pi restarted a day
// behind (no real-time clock, no network yet) runs its rules ahead of its clock (`leadMs`, session 66) and keeps every
// event for the re-timing at network time's step (`RulesRunner.watch`). Flat-1's resident, last seen in the hall, was
// called a possible fall 45 min later, while the clock still read behind. At the step the rules were rebuilt from the
// start's state with the events alone: the rules' timer that had called the silence was not in them, so the rebuilt rules
// called the same silence again at once, merged into the open alert (a new version, count 2: "seen again", and to every
// group told once acknowledged) or, once the responder had resolved it, raised anew (a second call for a silence already
// answered). The same after a power cut (a kill) minutes after the call, the rules' last snapshot older than it, and a
// restart on a clock a day behind: the events re-fed brought the rules to the last one stored, and the rules' timer
// called the silence again once their lead on the clock reached it. The real hub in-process on an injected clock (FakeClock.stepWall), its embedded broker, real MQTT
// clients, SQLite in a temp folder.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { startTestHub } from '../support/in-process-hub.js';
import { copyAsCrashLeavesIt, mqttClient, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const START_GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;
const FLATS = ['flat-1', 'flat-2', 'flat-3'];

let dir: string;
/** Where a hub killed mid-run is started again (the data folder as the kill left it). */
let crashed: string;
let hub: RunningHub | undefined;
let sensor: MqttClient | undefined;

beforeEach(() => {
  dir = tempDir('review-s67-rebuilt-silence');
  crashed = tempDir('review-s67-rebuilt-silence-crashed');
});

afterEach(async () => {
  await sensor?.endAsync(true);
  sensor = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(crashed, { recursive: true, force: true });
});

function flat(id: string) {
  return {
    id,
    timezone: 'Europe/London',
    residents: [{ id: `r-${id}` }],
    devices: [
      { id: 'pendant', kind: 'pendant', room: 'living' },
      { id: 'hall-pir', kind: 'motion', room: 'hall' },
      { id: 'living-pir', kind: 'motion', room: 'living' },
    ],
  };
}

async function startScheme(clock: FakeClock, inDir = dir): Promise<void> {
  hub = await startTestHub(parseHubConfig({ homes: FLATS.map(flat) }), inDir, { clock });
  sensor = await mqttClient(hub.ports.mqtt!);
}

/** A PIR's motion and its clear a moment later (one message). */
async function moves(id: string, device = 'hall-pir'): Promise<void> {
  const payload = '[{"type":"motion","value":true},{"type":"motion","value":false}]';
  await sensor!.publishAsync(`telecare/${id}/devices/${device}/events`, payload, { qos: 1 });
}

/** The residents of `ids` moving every ten minutes for `forMs` of the hub's clock (its timers firing on the way). */
async function activeFor(clock: FakeClock, ids: readonly string[], forMs: number): Promise<void> {
  const end = clock.now() + forMs;
  for (let round = 0; clock.now() < end; round++) {
    await Promise.all(ids.map((id) => moves(id, round % 2 === 0 ? 'hall-pir' : 'living-pir')));
    await hub!.alerts.settled();
    clock.advanceBy(Math.min(10 * MINUTE_MS, end - clock.now()));
    await hub!.alerts.settled();
  }
}

/**
 * A restart a day behind (a power cut, fake-hwclock), an hour of everyone moving, then flat-1's resident seen in the
 * hall and nothing of her for 50 min while the others move: her possible fall is called at 45 min, on the clock that
 * still reads behind. Returns that alert's id.
 */
async function calledWhileBehind(clock: FakeClock): Promise<string> {
  await startScheme(clock);
  clock.advanceBy(START_GRACE_MS);
  await activeFor(clock, FLATS, 2 * HOUR_MS);
  await sensor!.endAsync(true);
  await hub!.stop();
  clock.stepWall(-DAY_MS);
  await startScheme(clock);
  await activeFor(clock, FLATS, HOUR_MS);
  await moves('flat-1');
  await activeFor(clock, FLATS.slice(1), 50 * MINUTE_MS);
  const alerts = hub!.alerts.list({});
  expect(alerts.map((a) => [a.homeId, a.kind, a.state, a.count])).toEqual([['flat-1', 'possible-fall', 'raised', 1]]);
  return alerts[0]!.id;
}

/** Network time steps the clock a day forward; the others move on for 20 min, flat-1's resident still silent. */
async function networkTime(clock: FakeClock): Promise<void> {
  clock.stepWall(DAY_MS);
  clock.advanceBy(0);
  await activeFor(clock, FLATS.slice(1), 20 * MINUTE_MS);
}

const summary = () =>
  hub!.alerts
    .list({})
    .map((a) => [a.homeId, a.kind, a.state, a.count])
    .sort();

describe('a silence called while the clock read behind, then network time', () => {
  it('resolved by the responder: not raised again at the step', async () => {
    const clock = new FakeClock(T0);
    const id = await calledWhileBehind(clock);
    expect(hub!.alerts.resolve(id, 'no-action-needed', 'spoke to her, fine', 'sam')).toMatchObject({ ok: true });
    await networkTime(clock);
    // Before the fix: a new possible-fall alert for flat-1, raised at the step.
    expect(summary()).toEqual([['flat-1', 'possible-fall', 'resolved', 1]]);
  }, 120_000);

  it('acknowledged: not merged into it again at the step', async () => {
    const clock = new FakeClock(T0);
    const id = await calledWhileBehind(clock);
    expect(hub!.alerts.acknowledge(id, 'sam')).toMatchObject({ ok: true });
    await networkTime(clock);
    // Before the fix: count 2 (a "seen again" repeat, sent to every group told).
    expect(summary()).toEqual([['flat-1', 'possible-fall', 'acknowledged', 1]]);
  }, 120_000);

  it('unanswered: not merged again at the step; withdrawn when she moves', async () => {
    const clock = new FakeClock(T0);
    await calledWhileBehind(clock);
    await networkTime(clock);
    // Before the fix: count 2.
    expect(summary()).toEqual([['flat-1', 'possible-fall', 'raised', 1]]);
    // The rebuilt rules know the silence as called: her movement withdraws the alert.
    await moves('flat-1');
    await hub!.alerts.settled();
    expect(summary()).toEqual([['flat-1', 'possible-fall', 'cancelled', 1]]);
  }, 120_000);
});

describe('a silence called minutes before a power cut, the hub started again on a clock a day behind', () => {
  /**
   * Flat-1's possible fall called at 10:52 (everyone moving since 09:02, her last movement 10:07), the hub killed at
   * 10:53 (the rules' last snapshot from 10:52's ten-minute mark or before), started again two minutes later on a clock
   * a day behind; the others go on moving for half an hour, then network time steps the clock a day forward.
   */
  async function killedAfterCall(clock: FakeClock, resolve: boolean): Promise<void> {
    await startScheme(clock);
    clock.advanceBy(START_GRACE_MS);
    await activeFor(clock, FLATS, HOUR_MS + 5 * MINUTE_MS);
    await moves('flat-1');
    await activeFor(clock, FLATS.slice(1), 46 * MINUTE_MS);
    const [call] = hub!.alerts.list({});
    expect(call).toMatchObject({ homeId: 'flat-1', kind: 'possible-fall', state: 'raised', count: 1 });
    if (resolve) expect(hub!.alerts.resolve(call!.id, 'no-action-needed', null, 'sam')).toMatchObject({ ok: true });
    copyAsCrashLeavesIt(path.join(dir, 'data'), path.join(crashed, 'data'));
    await sensor!.endAsync(true);
    sensor = undefined;
    await hub!.stop();
    hub = undefined;
    clock.advanceBy(2 * MINUTE_MS);
    clock.stepWall(-DAY_MS);
    await startScheme(clock, crashed);
    await activeFor(clock, FLATS.slice(1), 30 * MINUTE_MS);
  }

  it('unanswered: not merged into it again, before or after network time', async () => {
    const clock = new FakeClock(T0);
    await killedAfterCall(clock, false);
    // Before the fix: count 2, half a minute after the start's grace.
    expect(summary()).toEqual([['flat-1', 'possible-fall', 'raised', 1]]);
    await networkTime(clock);
    expect(summary()).toEqual([['flat-1', 'possible-fall', 'raised', 1]]);
  }, 120_000);

  it('resolved before the cut: not raised again', async () => {
    const clock = new FakeClock(T0);
    await killedAfterCall(clock, true);
    // Before the fix: a new possible-fall alert for flat-1.
    expect(summary()).toEqual([['flat-1', 'possible-fall', 'resolved', 1]]);
    await networkTime(clock);
    expect(summary()).toEqual([['flat-1', 'possible-fall', 'resolved', 1]]);
  }, 120_000);
});
