// Review, session 67: a silence called again after network time corrects a clock that read behind. A Pi restarted a day
// behind (no real-time clock, no network yet) runs its rules ahead of its clock (`leadMs`, session 66) and keeps every
// event for the re-timing at network time's step (`RulesRunner.watch`). Flat-1's resident, last seen in the hall, was
// called a possible fall 45 min later, while the clock still read behind. At the step the rules were rebuilt from the
// start's state with the events alone: the rules' timer that had called the silence was not in them, so the rebuilt rules
// called the same silence again at once, merged into the open alert (a new version, count 2: "seen again", and to every
// group told once acknowledged) or, once the responder had resolved it, raised anew (a second call for a silence already
// answered). The real hub in-process on an injected clock (FakeClock.stepWall), its embedded broker, real MQTT
// clients, SQLite in a temp folder.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const START_GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;
const FLATS = ['flat-1', 'flat-2', 'flat-3'];

let dir: string;
let hub: RunningHub | undefined;
let sensor: MqttClient | undefined;

beforeEach(() => {
  dir = tempDir('review-s67-rebuilt-silence');
});

afterEach(async () => {
  await sensor?.endAsync(true);
  sensor = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
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

async function startScheme(clock: FakeClock): Promise<void> {
  hub = await startTestHub(parseHubConfig({ homes: FLATS.map(flat) }), dir, { clock });
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
