// Review, session 71 (issue 11: live, restart and replay agree): rule timers due at the same instant. The timer queue
// broke such ties by the order the timers had been pushed onto its heap, which depends on the heap's history (a timer
// re-armed later keeps its old entry and is pushed again when that entry surfaces); a restart re-arms every saved
// timer at once, in the home's timer order and its devices' configured order. So two timers due at the same
// millisecond could fire in one order without a restart and in the other after one: a silence called possible-fall
// straight through was called inactivity after a restart, a morning check's no-morning-activity became inactivity,
// and of two devices silent since the same millisecond a different one was named by the sensor-offline alert. Ties
// now fire by a key fixed for each timer (home, timer rank, device's place in the configuration): rules/README.md,
// "Session 71 review: timers due at the same instant".
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { replayEvents } from '../../replay/replay.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { TimerQueue, type TimerSlot } from '../../rules/timer-queue.js';
import type { HomeConfig, RuleDecision, SensorEvent } from '../../rules/types.js';
import { clockedRules } from '../support/clocked-hub.js';
import { tempDir } from '../hub/helpers.js';
import { DEVICES, ev, Harness, home, MONDAY, WITHOUT_POSSIBLE_FALL } from './factories.js';

/** What a responder is told, in order: each raise's kind, time, room and detail. */
interface Call {
  kind: string;
  at: number;
  room: string | null;
  detail: unknown;
}

/** The raises of the rules' decisions, with the device each names (replay's alerts name none: left out there). */
function calls(decisions: readonly RuleDecision[]): (Call & { deviceId?: string })[] {
  return decisions.flatMap((d) =>
    d.type === 'raise'
      ? [
          {
            kind: d.kind,
            at: d.at,
            room: d.room ?? null,
            detail: d.detail,
            ...(d.deviceId ? { deviceId: d.deviceId } : {}),
          },
        ]
      : [],
  );
}

const withoutDevice = (cs: readonly (Call & { deviceId?: string })[]): Call[] =>
  cs.map(({ kind, at, room, detail }) => ({ kind, at, room, detail }));

/** The events, straight through (as the hub and replay hear them), then time run on to `endAt`. */
function straight(config: HomeConfig, events: readonly SensorEvent[], endAt: number): RuleDecision[] {
  const h = new Harness(config, events[0]!.ts);
  h.watch();
  for (const e of events) h.send(e);
  h.clock.advanceTo(endAt);
  return h.decisions;
}

/** The same, with the engine saved and restored (`exportState`, JSON, `fromState`, the watch) at `restartAt`. */
function restarted(
  config: HomeConfig,
  events: readonly SensorEvent[],
  restartAt: number,
  endAt: number,
): RuleDecision[] {
  const h = new Harness(config, events[0]!.ts);
  h.watch();
  for (const e of events.filter((x) => x.ts < restartAt)) h.send(e);
  h.clock.advanceTo(restartAt);
  h.restart();
  h.watch();
  for (const e of events.filter((x) => x.ts >= restartAt)) h.send(e);
  h.clock.advanceTo(endAt);
  return h.decisions;
}

/** The events replayed (`replayEvents` on event time, drained to `endAt`): their alerts. */
function replayed(config: HomeConfig, events: readonly SensorEvent[], endAt: number): Call[] {
  const lines = events.map(({ homeId, deviceId, type, value, ts, room, kind }) => ({
    homeId,
    deviceId,
    type,
    value,
    ts,
    room,
    kind,
  }));
  const last = events[events.length - 1]!.ts;
  const { alerts } = replayEvents(lines, { homes: [config], drainHours: (endAt - last) / HOUR_MS });
  return alerts.map((a) => ({ kind: a.kind, at: Date.parse(a.raisedAt), room: a.room, detail: a.detail }));
}

const T9 = MONDAY + 9 * HOUR_MS;

// A pendant and the living room's PIR (the replay CLI's test home): in the first fortnight a silence in the living
// room, a room one rests in, gets possible-fall's prior of inactivity's day value, 4 h: both due at one instant.
const livingRoom = home({
  devices: [
    { id: 'p1', kind: 'pendant', residentId: 'r1' },
    { id: 'living-pir', kind: 'motion', room: 'living' },
  ],
});
const livingSilence = [
  ev(T9, 'p1', 'pendant', true, livingRoom),
  ev(T9 + MINUTE_MS, 'living-pir', 'motion', true, livingRoom),
];

// The bed mat released at 06:00 after a night on it, and nothing since: inactivity's 4 h day value ends at the
// morning check's cold-start 10:00.
const bedroom = home({}, WITHOUT_POSSIBLE_FALL);
const upAndSilent = [
  ev(MONDAY - HOUR_MS, 'bed', 'occupancy', true, bedroom),
  ev(MONDAY + 6 * HOUR_MS, 'bed', 'occupancy', false, bedroom),
];

// Two devices heard at the same millisecond (a bridge re-sending its devices' states after a restart), the front door
// first, then never again while the hall's PIR goes on: both silent 25 h from that same millisecond.
const threeDevices = home({ devices: DEVICES.filter((d) => ['hall-pir', 'kitchen-pir', 'front'].includes(d.id)) });
const twoSilent = [
  ev(T9, 'hall-pir', 'motion', true, threeDevices),
  ev(T9, 'front', 'contact', true, threeDevices),
  ev(T9, 'kitchen-pir', 'motion', true, threeDevices),
  ...Array.from({ length: 30 }, (_, i) => ev(T9 + (i + 1) * HOUR_MS, 'hall-pir', 'motion', i % 2 === 0, threeDevices)),
];

describe('the timer queue', () => {
  const slot = (name: string): TimerSlot => ({ homeIndex: 0, name, dueAt: Infinity, queuedAt: Infinity });
  const fired = (q: TimerQueue) => {
    const names: string[] = [];
    for (let e = q.popDue(Infinity); e; e = q.popDue(Infinity)) names.push(e.slot.name);
    return names;
  };
  const byName = (s: TimerSlot) => ['a', 'b', 'c'].indexOf(s.name);

  it('fires timers due at one instant in the order of their keys, whatever order and history they were armed with', () => {
    const fresh = new TimerQueue(byName);
    const [a, b, c] = [slot('a'), slot('b'), slot('c')];
    fresh.arm(c, 100);
    fresh.arm(b, 100);
    fresh.arm(a, 100);
    expect(fired(fresh)).toEqual(['a', 'b', 'c']);

    // `a` armed first for 50 and moved to 100 (its entry pushed again when it surfaces, after `b` and `c`'s).
    const moved = new TimerQueue(byName);
    const [a2, b2, c2] = [slot('a'), slot('b'), slot('c')];
    moved.arm(a2, 50);
    moved.arm(a2, 100);
    moved.arm(c2, 100);
    moved.arm(b2, 100);
    expect(moved.nextDueAt()).toBe(100);
    expect(fired(moved)).toEqual(['a', 'b', 'c']);

    // Without keys, the arming order (as before).
    const plain = new TimerQueue();
    const [a3, b3] = [slot('a'), slot('b')];
    plain.arm(a3, 50);
    plain.arm(a3, 100);
    plain.arm(b3, 100);
    expect(fired(plain)).toEqual(['b', 'a']);
  });
});

describe('rule timers due at the same instant fire in the same order with or without a restart', () => {
  it('possible-fall and inactivity of one silence, both due at 4 h: one call-out, the same kind, and replay agrees', () => {
    const endAt = T9 + 6 * HOUR_MS;
    const live = calls(straight(livingRoom, livingSilence, endAt));
    expect(calls(restarted(livingRoom, livingSilence, T9 + 2 * HOUR_MS, endAt))).toEqual(live);
    // Inactivity's: possible-fall arms only when sooner than inactivity (its prior here is inactivity's day value).
    expect(live.map((c) => [c.kind, c.at])).toEqual([
      ['pendant', T9],
      ['inactivity', T9 + MINUTE_MS + 4 * HOUR_MS],
    ]);
    // Replay's pendant alert says its events came from replay (`detail.source`): the silence's call is compared.
    const silence = (cs: Call[]) => cs.filter((c) => c.kind !== 'pendant');
    expect(silence(replayed(livingRoom, livingSilence, endAt))).toEqual(silence(withoutDevice(live)));
  });

  it('the morning check and inactivity due at 10:00: the same call after a restart at 08:00, and in replay', () => {
    const endAt = MONDAY + 12 * HOUR_MS;
    const live = calls(straight(bedroom, upAndSilent, endAt));
    expect(calls(restarted(bedroom, upAndSilent, MONDAY + 8 * HOUR_MS, endAt))).toEqual(live);
    // The morning check looks first (a timer due at a time of day, which allowances that run until it wait for).
    expect(live.map((c) => [c.kind, c.at])).toEqual([['no-morning-activity', MONDAY + 10 * HOUR_MS]]);
    expect(replayed(bedroom, upAndSilent, endAt)).toEqual(withoutDevice(live));
  });

  it('two devices silent since the same millisecond: the alert names the same device first after a restart', () => {
    const endAt = T9 + 31 * HOUR_MS;
    const offline = <C extends Call>(cs: C[]) => cs.filter((c) => c.kind === 'sensor-offline');
    const live = offline(calls(straight(threeDevices, twoSilent, endAt)));
    expect(offline(calls(restarted(threeDevices, twoSilent, T9 + 12 * HOUR_MS, endAt)))).toEqual(live);
    // The configuration's order (kitchen-pir is listed before front), whatever order the two reports came in: the
    // alert names the kitchen's PIR, and its repeat adds the front door.
    expect(live.map((c) => c.deviceId)).toEqual(['kitchen-pir', 'front']);
    expect(offline(replayed(threeDevices, twoSilent, endAt))).toEqual(withoutDevice(live));
  });
});

describe('through the hub: the rules runner on a real store, stopped and started again between arming and due time', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('timer-ties');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The events sent to a hub; with `restartAt`, the hub is stopped there and started on the same database. */
  async function hub(events: readonly SensorEvent[], endAt: number, restartAt?: number): Promise<RuleDecision[]> {
    const decisions: RuleDecision[] = [];
    const clock = new FakeClock(events[0]!.ts);
    const file = path.join(dir, `hub-${restartAt ?? 'straight'}.db`);
    let run = clockedRules(file, clock, [livingRoom], (ds) => decisions.push(...ds));
    run.runner.start();
    try {
      for (const e of events) {
        clock.advanceTo(e.ts);
        await run.send(e);
      }
      if (restartAt !== undefined) {
        clock.advanceTo(restartAt);
        run.close();
        run = clockedRules(file, clock, [livingRoom], (ds) => decisions.push(...ds));
        run.runner.start();
      }
      clock.advanceTo(endAt);
    } finally {
      run.close();
    }
    return decisions;
  }

  it('the living room silence is called the same kind at the same time', async () => {
    const endAt = T9 + 6 * HOUR_MS;
    const live = calls(await hub(livingSilence, endAt));
    expect(calls(await hub(livingSilence, endAt, T9 + 2 * HOUR_MS))).toEqual(live);
    expect(live.map((c) => c.kind)).toEqual(['pendant', 'inactivity']);
  });
});
