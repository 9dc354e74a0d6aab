// The hub's timers survive the wall clock stepping either way: escalations, delivery retries and rule timers still fire.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { AlertService } from '../../hub/alerts/service.js';
import { createSystemClock, FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { Publisher } from '../../hub/publisher.js';
import type { SensorEvent } from '../../rules/types.js';
import { homeConfig, pendantPress, tempDb, waitFor, webhookReceiver, type TempDb } from '../alerts/helpers.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { clockedRules, inactivityOnlyHome, motion, startAlertService } from '../support/clocked-hub.js';
import { createLogger } from '../../hub/logger.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** A wall clock the test steps, over the real monotonic clock and real timers; `startOffsetMs` behind or ahead. */
function steppableClock(startOffsetMs = 0) {
  let offsetMs = startOffsetMs;
  const clock = createSystemClock({ wallNow: () => Date.now() + offsetMs });
  return { clock, step: (deltaMs: number) => (offsetMs += deltaMs) };
}

describe('the system clock', () => {
  it('fires a timer after its delay whichever way the wall clock steps meanwhile', async () => {
    const { clock, step } = steppableClock();
    const fired: string[] = [];
    clock.setTimer(clock.now() + 300, () => fired.push('back'));
    step(-HOUR_MS);
    await waitFor(() => fired.length === 1, 'the timer armed before a step back');
    // Stepped forward an hour: a timer of a minute does not fire before one of 100 ms set after the step.
    clock.setTimer(clock.now() + MINUTE_MS, () => fired.push('minute'));
    step(HOUR_MS);
    clock.setTimer(clock.now() + 100, () => fired.push('100 ms'));
    await waitFor(() => fired.length === 2, 'the short timer');
    expect(fired).toEqual(['back', '100 ms']);
  });

  it('fires a timer with a wall due time once the wall clock is stepped forward past it, a plain one after its delay', async () => {
    // A Pi started two hours behind (no real-time clock): a stored due time 30 s ahead of the real time reads as 2 h
    // away until network time corrects the clock.
    const { clock, step } = steppableClock(-2 * HOUR_MS);
    const fired: string[] = [];
    const dueAt = Date.now() + 30_000;
    clock.setTimer(dueAt, () => fired.push('plain'));
    clock.setTimer(dueAt, () => fired.push('instant'), { wallDueAt: dueAt });
    clock.setTimer(Date.now() - 1, () => fired.push('instant, already past'), { wallDueAt: Date.now() - 1 });
    step(2 * HOUR_MS + 60_000);
    await waitFor(() => fired.length === 2, 'the timers due by the wall clock, after the step');
    expect(fired).toEqual(['instant', 'instant, already past']);
    // Stepped back, an instant timer keeps its delay as every timer does.
    const soon = clock.now() + 300;
    clock.setTimer(soon, () => fired.push('instant, stepped back'), { wallDueAt: soon });
    step(-HOUR_MS);
    await waitFor(() => fired.length === 3, 'the timer armed before a step back');
    expect(fired).not.toContain('plain');
  });

  it('tells of a step of the wall clock against the monotonic clock, either way, until told to stop', async () => {
    const { clock, step } = steppableClock();
    const steps: number[] = [];
    const stop = clock.onStep((ms) => steps.push(ms));
    // Less than a second is a slew, not told; it is part of the next step told.
    step(300);
    step(2_000);
    await waitFor(() => steps.length === 1, 'the step forward');
    step(-5_000);
    await waitFor(() => steps.length === 2, 'the step back');
    stop();
    expect(steps.map((ms) => Math.round(ms / 100) * 100)).toEqual([2_300, -5_000]);
  });

  it('fake: a timer with a wall due time comes due at it when the wall steps forward, keeps its delay when it steps back', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const t0 = clock.now();
    clock.setTimer(t0 + MINUTE_MS, () => fired.push('plain'));
    clock.setTimer(t0 + MINUTE_MS, () => fired.push('instant'), { wallDueAt: t0 + MINUTE_MS });
    clock.stepWall(HOUR_MS);
    clock.advanceBy(0);
    expect(fired).toEqual(['instant']);
    clock.advanceBy(MINUTE_MS);
    expect(fired).toEqual(['instant', 'plain']);
    const inAMinute = clock.now() + MINUTE_MS;
    clock.setTimer(inAMinute, () => fired.push('instant, stepped back'), { wallDueAt: inAMinute });
    clock.stepWall(-HOUR_MS);
    clock.advanceBy(MINUTE_MS - 1);
    expect(fired).toHaveLength(2);
    clock.advanceBy(1);
    expect(fired).toHaveLength(3);
  });
});

/** Home h1 whose alerts go to the first group, then after `firstSeconds` to the supervisors for `thenSeconds`. */
function firstThenSupervisors(firstSeconds: number, thenSeconds: number) {
  return homeConfig([], {
    default: [
      { group: 'first', timeoutSeconds: firstSeconds },
      { group: 'supervisors', timeoutSeconds: thenSeconds },
    ],
  });
}

describe('alert timers across a clock step', () => {
  let store: TempDb;
  let db: Database.Database;
  let alerts: AlertService | undefined;
  beforeEach(() => {
    store = tempDb();
    db = store.open();
  });
  afterEach(async () => {
    await alerts?.stop();
    alerts = undefined;
    db.close();
    store.remove();
  });

  it('a due escalation fires with the wall clock stepped back an hour', async () => {
    const { clock, step } = steppableClock();
    const sent: string[] = [];
    const publisher: Publisher = { publish: async (topic) => void sent.push(topic) };
    const config = firstThenSupervisors(0.3, 60);
    alerts = await startAlertService({ db, publisher, config, clock });
    const alert = alerts.apply(pendantPress(clock.now()))!;
    step(-HOUR_MS);
    await waitFor(() => alerts!.get(alert.id)!.escalationLevel === 1, 'the escalation to the supervisors');
    expect(alerts.get(alert.id)).toMatchObject({ state: 'raised', escalationLevel: 1 });
  });

  it('a due escalation fires from memory (storage locked) with the wall clock stepped back an hour', async () => {
    const clock = new FakeClock();
    const publisher: Publisher = { publish: async () => undefined };
    const config = firstThenSupervisors(60, 600);
    alerts = await startAlertService({ db, publisher, config, clock });
    db.pragma('busy_timeout = 0');
    // Another process holds the write lock: every change is told from memory and held.
    const locker = store.open();
    try {
      locker.exec('BEGIN IMMEDIATE');
      const alert = alerts.apply(pendantPress(clock.now()))!;
      expect(alert).toMatchObject({ state: 'raised', version: 1 });
      // The timer keeps its delay; when it fires, now() still reads an hour before the stored due time.
      clock.stepWall(-HOUR_MS);
      clock.advanceBy(MINUTE_MS);
      expect(alerts.get(alert.id)).toMatchObject({ state: 'raised', escalationLevel: 1, version: 2 });
      locker.exec('COMMIT');
    } finally {
      locker.close();
    }
  });

  it('an escalation that fell due while the hub was down goes when network time corrects a clock that started behind', async () => {
    const config = firstThenSupervisors(1, 600);
    const publisher: Publisher = { publish: async () => undefined };
    // Raised on a clock that was right; the hub stops before its first level times out.
    const before = await startAlertService({ db, publisher, config, clock: steppableClock().clock });
    const alert = before.apply(pendantPress(Date.now()))!;
    await before.stop();
    // Started again on a Pi whose clock reads three hours behind (the time it saved before the power cut): nothing
    // looks overdue, and the level's due time reads three hours away.
    const { clock, step } = steppableClock(-3 * HOUR_MS);
    alerts = await startAlertService({ db, publisher, config, clock });
    expect(alerts.get(alert.id)).toMatchObject({ state: 'raised', escalationLevel: 0 });
    step(3 * HOUR_MS);
    await waitFor(() => alerts!.get(alert.id)!.escalationLevel === 1, 'the escalation once the clock is corrected');
    expect(alerts.get(alert.id)).toMatchObject({ state: 'raised', escalationLevel: 1 });
  });

  it("a press while the clock reads behind keeps its first group's whole time when network time corrects the clock", async () => {
    // A Pi started three hours behind: the press is raised at once, its level due a minute from the clock's reading.
    const clock = new FakeClock();
    const publisher: Publisher = { publish: async () => undefined };
    const config = firstThenSupervisors(60, 600);
    alerts = await startAlertService({ db, publisher, config, clock });
    const alert = alerts.apply(pendantPress(clock.now()))!;
    clock.advanceBy(10_000);
    // Network time corrects the clock ten seconds later: the first group still has its 50 s left.
    clock.stepWall(3 * HOUR_MS);
    clock.advanceBy(0);
    expect(alerts.get(alert.id)).toMatchObject({ state: 'raised', escalationLevel: 0 });
    // A second press merged into the alert re-arms nothing: its level's due time is unchanged.
    alerts.apply(pendantPress(clock.now()));
    clock.advanceBy(0);
    expect(alerts.get(alert.id)).toMatchObject({ state: 'raised', escalationLevel: 0, count: 2 });
    clock.advanceBy(49_999);
    expect(alerts.get(alert.id)).toMatchObject({ escalationLevel: 0 });
    clock.advanceBy(1);
    expect(alerts.get(alert.id)).toMatchObject({ state: 'raised', escalationLevel: 1 });
  });

  it('a webhook retry that fell due while the hub was down goes when network time corrects a clock that started behind', async () => {
    // The call centre refuses the first attempt; its retry is stored for 1 s later.
    const callCentre = await webhookReceiver(1);
    try {
      const config = homeConfig(
        [
          {
            id: 'cc',
            group: 'first',
            webhook: { url: callCentre.url, secret: 'cc-secret', allowPrivateNetwork: true },
          },
        ],
        { default: [{ group: 'first', timeoutSeconds: 600 }] },
      );
      const publisher: Publisher = { publish: async () => undefined };
      const outbox = { retryBaseMs: 1_000 };
      const before = await startAlertService({ db, publisher, config, clock: steppableClock().clock, outbox });
      before.apply(pendantPress(Date.now()));
      await waitFor(() => callCentre.requests.length === 1, 'the refused first attempt');
      await before.stop();
      const { clock, step } = steppableClock(-3 * HOUR_MS);
      alerts = await startAlertService({ db, publisher, config, clock, outbox });
      step(3 * HOUR_MS);
      await waitFor(() => callCentre.accepted().length === 1, 'the retry once the clock is corrected');
    } finally {
      await callCentre.close();
    }
  });

  it('a failed delivery is retried with the wall clock stepped back an hour', async () => {
    const { clock, step } = steppableClock();
    let attempts = 0;
    const delivered: string[] = [];
    const publisher: Publisher = {
      publish: async (topic) => {
        attempts++;
        if (attempts === 1) {
          // The broker refuses the first publish; the wall clock steps back once the retry is scheduled (in 2 s).
          setTimeout(() => step(-HOUR_MS), 100);
          throw new Error('broker unavailable');
        }
        delivered.push(topic);
      },
    };
    const config = homeConfig([], { default: [{ group: 'first', timeoutSeconds: 600 }] });
    alerts = await startAlertService({ db, publisher, config, clock, outbox: { retryBaseMs: 2_000 } });
    const alert = alerts.apply(pendantPress(clock.now()))!;
    await waitFor(() => delivered.length > 0, 'the retried delivery');
    expect(delivered).toEqual([`telecare/h1/alerts/${alert.id}`]);
  });
});

describe('rule timers across a clock step', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('clock-steps');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an inactivity alert comes after 4 h of real silence although the wall clock stepped back an hour meanwhile', async () => {
    // possible-fall pushed past the 12 h cap: inactivity is then this silence's one call-out.
    const config = parseHubConfig(inactivityOnlyHome(ONE_HOME_CONFIG.homes[0]));
    const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
    const clock = new FakeClock(t0);
    const raised: { kind: string; wallAt: number }[] = [];
    const rules = clockedRules(path.join(dir, 'hub.db'), clock, config.homes, (ds) => {
      for (const d of ds) if (d.type === 'raise') raised.push({ kind: d.kind, wallAt: clock.now() });
    });
    rules.runner.start();
    const motion: SensorEvent[] = [
      {
        homeId: 'h1',
        deviceId: 'hall-pir',
        type: 'motion',
        value: true,
        ts: t0,
        source: 'mqtt',
        room: 'hall',
        kind: 'motion',
        assigned: true,
      },
    ];
    await rules.send(...motion);
    clock.advanceBy(HOUR_MS);
    clock.stepWall(-HOUR_MS);
    clock.advanceBy(3 * HOUR_MS - 1); // 4 h after the motion, less a millisecond
    expect(raised.map((r) => r.kind)).toEqual([]);
    clock.advanceBy(1);
    expect(raised.map((r) => r.kind)).toEqual(['inactivity']);
    rules.close();
  });

  it('a silence begun before a power cut is called when network time corrects a clock that started behind', async () => {
    const config = parseHubConfig(inactivityOnlyHome(ONE_HOME_CONFIG.homes[0]));
    const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
    const file = path.join(dir, 'hub.db');
    const before = new FakeClock(t0);
    const raised: { kind: string; wallAt: number }[] = [];
    const first = clockedRules(file, before, config.homes, () => undefined);
    first.runner.start();
    await first.send(motion('hall-pir', t0));
    before.advanceBy(HOUR_MS);
    first.close();

    // The power comes back at 14:00, an hour after the 4 h silence fell due (13:00); the Pi starts on the time it last
    // saved, 09:30, half an hour before the rules' last time.
    const realStart = t0 + 5 * HOUR_MS;
    const clock = new FakeClock(t0 + 30 * MINUTE_MS);
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const rules = clockedRules(
      file,
      clock,
      config.homes,
      (ds) => {
        for (const d of ds) if (d.type === 'raise') raised.push({ kind: d.kind, wallAt: clock.now() });
      },
      { logger },
    );
    rules.runner.start();
    expect(raised).toEqual([]);
    expect(lines.join('')).toContain('the clock reads before the last time the rules saw');
    clock.advanceBy(MINUTE_MS);
    // Network time: the clock steps to the real time. The silence is overdue: called at the end of the start's grace
    // (restart-grace.test.ts), a minute on, not 3 h from now.
    clock.stepWall(realStart + MINUTE_MS - clock.now());
    clock.advanceBy(0);
    expect(raised).toEqual([]);
    clock.advanceBy(MINUTE_MS);
    expect(raised).toEqual([{ kind: 'inactivity', wallAt: realStart + 2 * MINUTE_MS }]);
    rules.close();
  });

  /** A home watched since 09:00 by a hub that stops at 10:00, started again at 14:00 on a clock that reads 09:30. */
  async function startedBehind(raised: { kind: string; wallAt: number }[]) {
    const config = parseHubConfig(inactivityOnlyHome(ONE_HOME_CONFIG.homes[0]));
    const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
    const file = path.join(dir, 'hub.db');
    const before = new FakeClock(t0);
    const first = clockedRules(file, before, config.homes, () => undefined);
    first.runner.start();
    await first.send(motion('hall-pir', t0));
    before.advanceBy(HOUR_MS);
    first.close();
    const clock = new FakeClock(t0 + 30 * MINUTE_MS);
    const rules = clockedRules(file, clock, config.homes, (ds) => {
      for (const d of ds) if (d.type === 'raise') raised.push({ kind: d.kind, wallAt: clock.now() });
    });
    rules.runner.start();
    const realStart = t0 + 5 * HOUR_MS;
    /** The resident walks past the hall sensor at once; network time corrects the clock a minute later. */
    const motionThenCorrected = async (): Promise<void> => {
      await rules.send(motion('hall-pir', clock.now()));
      clock.advanceBy(MINUTE_MS);
      clock.stepWall(realStart + MINUTE_MS - clock.now());
    };
    return { clock, rules, realStart, motionThenCorrected };
  }

  it('motion seen while the clock read behind counts at its real time once the clock is corrected', async () => {
    const raised: { kind: string; wallAt: number }[] = [];
    const { clock, rules, realStart, motionThenCorrected } = await startedBehind(raised);
    // 14:00 really; the rules' time holds at 10:00 meanwhile and the hub stamps it 09:30.
    await motionThenCorrected();
    clock.advanceBy(4 * HOUR_MS - MINUTE_MS - 1);
    expect(raised).toEqual([]);
    // Four hours after the motion as it really came: not the stale stamp's 3.5 h, nor at once.
    clock.advanceBy(1);
    expect(raised).toEqual([{ kind: 'inactivity', wallAt: realStart + 4 * HOUR_MS }]);
    rules.close();
  });

  it('the first event after the clock is corrected does not find the silence before it long past', async () => {
    const raised: { kind: string; wallAt: number }[] = [];
    const { clock, rules, realStart, motionThenCorrected } = await startedBehind(raised);
    await motionThenCorrected();
    // Ten minutes later the kitchen sensor: before the re-timing the hall motion's silence read 4 h 11 min (from the
    // rules' stilled 10:00) and this event called the resident who had just moved.
    clock.advanceBy(10 * MINUTE_MS);
    await rules.send(motion('kitchen-pir', clock.now()));
    expect(raised).toEqual([]);
    clock.advanceBy(4 * HOUR_MS);
    expect(raised).toEqual([{ kind: 'inactivity', wallAt: realStart + 11 * MINUTE_MS + 4 * HOUR_MS }]);
    rules.close();
  });

  it('a clock that reaches the rules time by running before network time steps it is still re-timed at the step', async () => {
    const raised: { kind: string; wallAt: number }[] = [];
    const { clock, rules, realStart } = await startedBehind(raised);
    // No network yet: the clock runs from 09:30 past the rules' 10:00 while the resident moves every five minutes.
    for (let minute = 0; minute <= 40; minute += 5) {
      await rules.send(motion(minute % 10 ? 'hall-pir' : 'kitchen-pir', clock.now()));
      clock.advanceBy(5 * MINUTE_MS);
    }
    // 10:15 by the clock, 14:45 really: the last movement was five minutes ago, not four and a half hours.
    // Network time: the clock read 4 h 30 min behind (09:30 at a start at 14:00).
    clock.stepWall(4 * HOUR_MS + 30 * MINUTE_MS);
    clock.advanceBy(0);
    expect(raised).toEqual([]);
    // The silence is called four hours after the last movement as it really came (14:40).
    const lastReally = realStart + 40 * MINUTE_MS;
    clock.advanceTo(lastReally + 4 * HOUR_MS - 1);
    expect(raised).toEqual([]);
    clock.advanceBy(1);
    expect(raised).toEqual([{ kind: 'inactivity', wallAt: lastReally + 4 * HOUR_MS }]);
    rules.close();
  });

  it('a pendant press seen while the clock read behind is raised at once and not again when it is re-timed', async () => {
    const raised: { kind: string; wallAt: number }[] = [];
    const { clock, rules, realStart } = await startedBehind(raised);
    const press: SensorEvent = {
      ...motion('hall-pir', clock.now()),
      deviceId: 'p1',
      type: 'pendant',
      room: 'living',
      kind: 'pendant',
    };
    await rules.send(press);
    expect(raised.map((r) => r.kind)).toEqual(['pendant']);
    clock.advanceBy(MINUTE_MS);
    clock.stepWall(realStart + MINUTE_MS - clock.now());
    await rules.send(motion('kitchen-pir', clock.now()));
    clock.advanceBy(HOUR_MS);
    expect(raised.map((r) => r.kind)).toEqual(['pendant']);
    rules.close();
  });
});
