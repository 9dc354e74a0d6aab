// The hub's timers survive the wall clock stepping either way: escalations, delivery retries and rule timers still fire.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { AlertService } from '../../hub/alerts/service.js';
import { createSystemClock, FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { Publisher } from '../../hub/publisher.js';
import type { SensorEvent } from '../../rules/types.js';
import { homeConfig, pendantPress, tempDb, waitFor, type TempDb } from '../alerts/helpers.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { clockedRules, inactivityOnlyHome, startAlertService } from '../support/clocked-hub.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** A wall clock the test steps, over the real monotonic clock and real timers. */
function steppableClock() {
  let offsetMs = 0;
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
});

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
    const config = homeConfig([], {
      default: [
        { group: 'first', timeoutSeconds: 0.3 },
        { group: 'supervisors', timeoutSeconds: 60 },
      ],
    });
    alerts = await startAlertService({ db, publisher, config, clock });
    const alert = alerts.apply(pendantPress(clock.now()))!;
    step(-HOUR_MS);
    await waitFor(() => alerts!.get(alert.id)!.escalationLevel === 1, 'the escalation to the supervisors');
    expect(alerts.get(alert.id)).toMatchObject({ state: 'raised', escalationLevel: 1 });
  });

  it('a due escalation fires from memory (storage locked) with the wall clock stepped back an hour', async () => {
    const clock = new FakeClock();
    const publisher: Publisher = { publish: async () => undefined };
    const config = homeConfig([], {
      default: [
        { group: 'first', timeoutSeconds: 60 },
        { group: 'supervisors', timeoutSeconds: 600 },
      ],
    });
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
});
