// Review, session 66: the hub's own clock jumps while it runs: network time correcting a Pi's clock by a day, either way,
// long after the start (the start's watch over, docs/time.md) or on a scheme's hub of more homes than the start
// watches. The real hub in-process on an injected clock (FakeClock.stepWall: the wall clock jumps, the monotonic clock
// does not), its embedded broker, real MQTT clients, SQLite in a temp folder. Every resident keeps moving about; the
// hub's clock alone jumps, so any silence alert is a false call-out.
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
/** More homes than a start's watch keeps (`MAX_STEP_WATCH_HOMES`, 20): a sheltered-housing scheme's hub. */
const SCHEME_HOMES = 25;

let dir: string;
let hub: RunningHub | undefined;
let sensor: MqttClient | undefined;

beforeEach(() => {
  dir = tempDir('review-s66-clock-jump');
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

async function startScheme(clock: FakeClock, homes: number): Promise<string[]> {
  const ids = Array.from({ length: homes }, (_, i) => `flat-${i + 1}`);
  hub = await startTestHub(parseHubConfig({ homes: ids.map(flat) }), dir, { clock });
  sensor = await mqttClient(hub.ports.mqtt!);
  return ids;
}

/** Every resident moves once, hall then living room in turn, stamped by the hub (no `ts`); stored when resolved. */
async function everyoneMoves(ids: readonly string[], round: number): Promise<void> {
  const device = round % 2 === 0 ? 'hall-pir' : 'living-pir';
  await Promise.all(
    ids.map((id) =>
      sensor!.publishAsync(`telecare/${id}/devices/${device}/events`, '{"type":"motion","value":true}', { qos: 1 }),
    ),
  );
  await hub!.alerts.settled();
}

/** Residents moving every ten minutes for `forMs` of the hub's clock (its timers firing on the way). */
async function activeFor(clock: FakeClock, ids: readonly string[], forMs: number): Promise<void> {
  const end = clock.now() + forMs;
  for (let round = 0; clock.now() < end; round++) {
    await everyoneMoves(ids, round);
    clock.advanceBy(Math.min(10 * MINUTE_MS, end - clock.now()));
    await hub!.alerts.settled();
  }
}

/**
 * Flat-1's resident seen in the hall, then nothing of her while the others go on moving: no call for 44 min, then the
 * 45th. When she was last seen.
 */
async function flat1StillInHall(clock: FakeClock, ids: readonly string[]): Promise<number> {
  await sensor!.publishAsync('telecare/flat-1/devices/hall-pir/events', '{"type":"motion","value":true}', { qos: 1 });
  const lastSeen = clock.now();
  const others = ids.slice(1);
  await activeFor(clock, others, 44 * MINUTE_MS);
  expect(raisedKinds()).toEqual([]);
  await activeFor(clock, others, MINUTE_MS);
  return lastSeen;
}

function raisedKinds(): string[] {
  return hub!.alerts
    .list({})
    .map((a) => a.kind)
    .sort();
}

describe("the hub's clock jumps while the residents move about", () => {
  it('a day forward on a scheme of 25 flats: no call-out, also after a restart; a silence after it is still called', async () => {
    const clock = new FakeClock(T0);
    const ids = await startScheme(clock, SCHEME_HOMES);
    clock.advanceBy(START_GRACE_MS);
    await activeFor(clock, ids, 2 * HOUR_MS);
    expect(raisedKinds()).toEqual([]);
    // Network time: the clock read a day behind.
    clock.stepWall(DAY_MS);
    clock.advanceBy(0);
    await activeFor(clock, ids, HOUR_MS);
    // Before the fix: a possible fall in every flat and every pendant (never heard since the start) called offline.
    expect(raisedKinds()).toEqual([]);

    // The state written since the step is not taken for a day's silence at the next start.
    await sensor!.endAsync(true);
    await hub!.stop();
    await startScheme(clock, SCHEME_HOMES);
    await activeFor(clock, ids, HOUR_MS);
    expect(raisedKinds()).toEqual([]);

    // The resident of flat-1 was last seen in the hall (the others go on moving): called once that silence has lasted
    // the hall's 45 min (cold start, by day).
    const lastSeen = await flat1StillInHall(clock, ids);
    expect(clock.now() - lastSeen).toBe(45 * MINUTE_MS);
    expect(hub!.alerts.list({}).map((a) => [a.homeId, a.kind])).toEqual([['flat-1', 'possible-fall']]);
  }, 120_000);

  it("a day forward on a flat's Pi after its start's watch ended (2,000 events): no call-out", async () => {
    const clock = new FakeClock(T0);
    const ids = await startScheme(clock, 1);
    clock.advanceBy(START_GRACE_MS);
    // 2,000 of the pendant's battery reports (changing, so that none is a chattering repeat): the start's watch for a
    // step ends there (`MAX_STEP_WATCH_EVENTS`), as after hours of a busy flat's events.
    const reports = Array.from({ length: 2_000 }, (_, i) => ({ type: 'battery', value: 80 + (i % 2) }));
    await sensor!.publishAsync('telecare/flat-1/devices/pendant/events', JSON.stringify(reports), { qos: 1 });
    await activeFor(clock, ids, 2 * HOUR_MS);
    clock.stepWall(DAY_MS);
    clock.advanceBy(0);
    await activeFor(clock, ids, HOUR_MS);
    // Before the fix: a possible fall and a device called offline at the step.
    expect(raisedKinds()).toEqual([]);
  }, 60_000);

  it('a day back on a scheme of 25 flats: no call-out; a silence and a press after it are called at their true time', async () => {
    const clock = new FakeClock(T0);
    const ids = await startScheme(clock, SCHEME_HOMES);
    clock.advanceBy(START_GRACE_MS);
    await activeFor(clock, ids, 2 * HOUR_MS);
    // Network time: the clock read a day ahead.
    clock.stepWall(-DAY_MS);
    clock.advanceBy(0);
    await activeFor(clock, ids, 5 * HOUR_MS);
    // Before the fix: 25 possible falls 45 min after the step (every event older than the last activity the rules saw).
    expect(raisedKinds()).toEqual([]);

    // The resident of flat-1 was last seen in the hall: called after the hall's 45 min, stamped on the hub's clock.
    const lastSeen = await flat1StillInHall(clock, ids);
    const [fall] = hub!.alerts.list({});
    expect(fall).toMatchObject({
      homeId: 'flat-1',
      kind: 'possible-fall',
      raisedAt: new Date(clock.now()).toISOString(),
    });
    expect(fall!.detail).toMatchObject({ lastActivityAt: new Date(lastSeen).toISOString() });

    // A press in flat-2: raised at once, at the hub's time, not the rules' day ahead.
    await sensor!.publishAsync('telecare/flat-2/devices/pendant/events', '{"type":"pendant","value":true}', { qos: 1 });
    await hub!.alerts.settled();
    const press = hub!.alerts.list({ homeId: 'flat-2' });
    expect(press).toEqual([
      expect.objectContaining({ kind: 'pendant', raisedAt: new Date(clock.now()).toISOString() }) as unknown,
    ]);
  }, 120_000);

  // A start on a clock behind the rules' saved time (a Pi after a power cut, fake-hwclock; or a restart after a step
  // back) with no network time to correct it: before the fix every event was older than the rules' last activity and
  // moved no silence timer (25 inactivity calls within the 6 h). Now the rules run the distance behind ahead of the
  // hub's clock from the start (`leadMs`), and network time's step later takes the lead back.
  it('a restart on a clock a day behind, never corrected for 6 h: no call-out; a silence is called; no burst at the later correction', async () => {
    const clock = new FakeClock(T0);
    const ids = await startScheme(clock, SCHEME_HOMES);
    clock.advanceBy(START_GRACE_MS);
    await activeFor(clock, ids, 2 * HOUR_MS);
    expect(raisedKinds()).toEqual([]);
    // A power cut; the Pi starts at its last saved time, a day behind, and no network time reaches it.
    await sensor!.endAsync(true);
    await hub!.stop();
    clock.stepWall(-DAY_MS);
    await startScheme(clock, SCHEME_HOMES);
    await activeFor(clock, ids, 6 * HOUR_MS);
    // Before a fix: 25 inactivity calls (every event older than the rules' last activity moves no silence timer).
    expect(raisedKinds()).toEqual([]);

    // The resident of flat-1 was last seen in the hall: called after the hall's 45 min.
    const lastSeen = await flat1StillInHall(clock, ids);
    expect(clock.now() - lastSeen).toBe(45 * MINUTE_MS);
    expect(hub!.alerts.list({}).map((a) => [a.homeId, a.kind])).toEqual([['flat-1', 'possible-fall']]);
    // Stamped on the hub's clock (a day behind still), not the rules' time ahead of it.
    expect(hub!.alerts.list({})[0]!.raisedAt).toBe(new Date(clock.now()).toISOString());

    // Network time reaches the hub at last and steps the clock a day forward: no burst.
    clock.stepWall(DAY_MS);
    clock.advanceBy(0);
    await activeFor(clock, ids, HOUR_MS);
    expect(hub!.alerts.list({}).map((a) => [a.homeId, a.kind])).toEqual([['flat-1', 'possible-fall']]);
  }, 180_000);
});
