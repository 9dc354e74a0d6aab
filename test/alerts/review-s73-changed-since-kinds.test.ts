// Review, session 73: a resolve for a version the alert has moved past, for the changes the API test does not reach
// over HTTP: a severity raised to critical since (a future rule raising `fall` at high, then critical), and a flood of
// presses told at the pace (one version counting many), and a press again told from memory while storage fails (another
// process holds the database's write lock). The alert service on a real SQLite file, a real broker, a fake clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { holdWriteLock, type WriteLock } from '../support/write-lock.js';
import { homeConfig, pendantPress, startStage, type AlertStage } from './helpers.js';

/** Sunday 22 November 2026, 09:00 in London (GMT). */
const T0 = Date.UTC(2026, 10, 22, 9, 0, 0);
const MINUTE = 60_000;

function fall(at: number, severity: 'high' | 'critical') {
  return {
    type: 'raise' as const,
    homeId: 'h1',
    residentId: 'r1',
    kind: 'fall' as const,
    severity,
    at,
    room: 'living',
    detail: { source: 'test-rule' },
  };
}

let stage: AlertStage;
let alerts: AlertService;
let clock: FakeClock;
let lock: WriteLock | undefined;

beforeEach(async () => {
  clock = new FakeClock(T0);
  stage = await startStage();
  ({ alerts } = await stage.alertService(homeConfig([]), clock));
});

afterEach(async () => {
  await lock?.kill();
  lock = undefined;
  await stage.close();
});

describe('a resolve for a version the alert has moved past', () => {
  it('is refused after the severity was raised to critical, naming it and when', () => {
    const first = alerts.apply(fall(clock.now(), 'high'))!;
    clock.advanceBy(3 * MINUTE);
    const raised = alerts.apply(fall(clock.now(), 'critical'))!;
    expect(raised).toMatchObject({ id: first.id, severity: 'critical' });
    const stale = alerts.resolve(first.id, 'false-alarm', null, 'sam', first.version);
    expect(stale).toMatchObject({ ok: false, code: 'changed-since' });
    expect(!stale.ok && stale.message).toBe(
      `Not resolved: raised to critical at 09:03 since you opened it (version ${first.version}, now ${raised.version}): ` +
        'look again, then resolve',
    );
    expect(alerts.get(first.id)?.state).toBe('raised');
    expect(alerts.resolve(first.id, 'assisted-at-home', null, 'sam', raised.version)).toMatchObject({ ok: true });
  });

  it('counts the presses a paced version told, and names the last', () => {
    const first = alerts.apply(pendantPress(clock.now()))!;
    clock.advanceBy(MINUTE);
    for (let i = 0; i < 12; i++) alerts.apply(pendantPress(clock.now()));
    // The pace's second: the held presses told in one version before the resolve is weighed.
    clock.advanceBy(1_000);
    const stale = alerts.resolve(first.id, 'false-alarm', null, 'sam', first.version);
    expect(stale).toMatchObject({ ok: false, code: 'changed-since' });
    expect(!stale.ok && stale.message).toMatch(/^Not resolved: pressed again 12 times, the last at 09:01 since you/);
    expect(alerts.get(first.id)).toMatchObject({ state: 'raised', count: 13 });
  });

  it('is refused when the press again was told from memory while storage fails', async () => {
    const first = alerts.apply(pendantPress(clock.now()))!;
    await alerts.settled();
    lock = await holdWriteLock(stage.store.file);
    clock.advanceBy(2 * MINUTE);
    const again = alerts.apply(pendantPress(clock.now()))!;
    expect(again).toMatchObject({ id: first.id, count: 2 });
    const stale = alerts.resolve(first.id, 'false-alarm', null, 'sam', first.version);
    expect(stale).toMatchObject({ ok: false, code: 'changed-since' });
    expect(!stale.ok && stale.message).toMatch(/^Not resolved: pressed again at 09:02 since you opened it/);
    expect(alerts.get(first.id)).toMatchObject({ state: 'raised', count: 2 });
  });
});
