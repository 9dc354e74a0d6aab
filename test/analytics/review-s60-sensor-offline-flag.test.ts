// Review, session 60: one sensor among several gone dead (the kitchen PIR's battery flat, the others working) read as a
// change in the resident's routine: fewer room transitions three days running, a routine-change alert, and nothing in
// it said that the hub had itself reported that sensor offline in those days. A care worker was sent to ask about a
// resident's habits for a battery. A routine-change flag now names the home's devices reported offline (a
// `sensor-offline` alert open) in the days of its run (`detail.sensorsOffline`), and the console's why line says so.
// Real hub database, real alert service, the hub's hourly routine review on a fake clock.
import { afterEach, describe, expect, it } from 'vitest';
import { ActivityWorker } from '../../analytics/offloop.js';
import { RoutineReview } from '../../hub/routine-review.js';
import { silentLogger } from '../../hub/logger.js';
import type { RuleDecision, SensorEvent } from '../../rules/types.js';
import { isoDate, routineDay } from './daily.js';
import { utc } from './factories.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const HOME = 'flat-7';
/** The same days; the kitchen PIR's earlier silence in November was over before them. */
const OTHER = 'flat-9';
const config = testConfig(
  [HOME, OTHER].map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: 'mary' }], devices: [] })),
);

let hub: TestHubDb | undefined;
let worker: ActivityWorker | undefined;
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await hub?.close();
  hub = undefined;
});

/** November as usual; from 1 December the same days, but the kitchen PIR heard no more (its battery flat). */
function kitchenPirDies(homeId: string): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let i = 0; i < 30; i++) events.push(...routineDay(homeId, isoDate('2026-11-01', i), i, 0));
  for (let i = 30; i < 35; i++)
    events.push(...routineDay(homeId, isoDate('2026-11-01', i), i, 0).filter((e) => e.deviceId !== 'kitchen-pir'));
  return events;
}

const offline = (homeId: string, iso: string): Extract<RuleDecision, { type: 'raise' }> => ({
  type: 'raise',
  homeId,
  kind: 'sensor-offline',
  severity: 'low',
  at: utc(iso),
  deviceId: 'kitchen-pir',
  detail: { reason: 'silent for 25 h' },
});

describe('a routine change while a sensor of the home was reported offline', () => {
  it('names the sensor in the flag, and none where the sensor was reported offline before the run only', async () => {
    hub = await openTestHubDb(config);
    await hub.append([...kitchenPirDies(HOME), ...kitchenPirDies(OTHER)]);
    // The other flat's kitchen PIR was offline for an hour on 10 November (heard again: cancelled).
    const before = hub.raise(offline(OTHER, '2026-11-10T12:00'));
    hub.clock.advanceTo(utc('2026-11-10T13:00'));
    hub.alerts.apply({
      type: 'clear',
      homeId: OTHER,
      kind: 'sensor-offline',
      at: utc('2026-11-10T13:00'),
      reason: 'heard again',
    });
    expect(hub.alerts.list({}).find((a) => a.id === before.id)?.state).toBe('cancelled');
    // The rules call this flat's kitchen PIR offline 25 h after it was last heard; nobody changes its battery yet.
    hub.raise(offline(HOME, '2026-12-01T22:20'));

    hub.clock.advanceTo(utc('2026-12-02T07:00'));
    const alerts = hub.alerts;
    const routine = new RoutineReview({
      db: hub.db,
      config,
      clock: hub.clock,
      logger: silentLogger,
      decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
    });
    routine.start();
    hub.clock.advanceTo(utc('2026-12-05T14:00'));
    routine.stop();

    const flags = hub.alerts.list({}).filter((a) => a.kind === 'routine-change');
    expect(flags.map((a) => [a.homeId, a.detail.feature, a.detail.date, a.detail.sensorsOffline]).sort()).toEqual([
      [HOME, 'roomTransitions', '2026-12-03', ['kitchen-pir']],
      [OTHER, 'roomTransitions', '2026-12-03', undefined],
    ]);
  });

  it("names every device of the home's one sensor-offline alert, those offline with the first too", async () => {
    hub = await openTestHubDb(config);
    await hub.append(kitchenPirDies(HOME));
    // One alert per home and kind: the hall PIR fell silent as well, named in the alert's alsoOffline (the rules').
    hub.raise({
      ...offline(HOME, '2026-12-01T22:20'),
      detail: {
        reason: 'silent for 25 h',
        alsoOffline: [{ deviceId: 'hall-pir', room: 'hall', lastSeenAt: '2026-11-30T21:00:00.000Z' }],
      },
    });
    hub.clock.advanceTo(utc('2026-12-02T07:00'));
    const alerts = hub.alerts;
    const routine = new RoutineReview({
      db: hub.db,
      config,
      clock: hub.clock,
      logger: silentLogger,
      decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
    });
    routine.start();
    hub.clock.advanceTo(utc('2026-12-05T14:00'));
    routine.stop();
    const flags = hub.alerts.list({}).filter((a) => a.kind === 'routine-change');
    // Before: the kitchen PIR alone, the first device the alert named.
    expect(flags.map((a) => [a.detail.feature, a.detail.sensorsOffline])).toEqual([
      ['roomTransitions', ['kitchen-pir', 'hall-pir']],
    ]);
  });

  it('names the sensor in the flag when the hub reviews in its analytics thread', async () => {
    hub = await openTestHubDb(config);
    await hub.append(kitchenPirDies(HOME));
    hub.raise(offline(HOME, '2026-12-01T22:20'));
    hub.clock.advanceTo(utc('2026-12-04T08:30'));
    worker = new ActivityWorker(hub.db, config);
    const decided: RuleDecision[] = [];
    let roundDone!: () => void;
    const round = new Promise<void>((resolve) => (roundDone = resolve));
    const routine = new RoutineReview({
      db: hub.db,
      config,
      clock: hub.clock,
      logger: silentLogger,
      decide: (d) => decided.push(...d),
      worker,
      firstAfterMs: 0,
    });
    routine.start();
    // Both homes reviewed (the second has no events): the round is over when the next one is scheduled an hour on.
    const poll = setInterval(() => {
      hub!.clock.advanceBy(100);
      if (decided.length > 0) roundDone();
    }, 5);
    await round;
    clearInterval(poll);
    routine.stop();
    expect(decided.map((d) => (d.type === 'raise' ? [d.detail.feature, d.detail.sensorsOffline] : d.type))).toEqual([
      ['roomTransitions', ['kitchen-pir']],
    ]);
  });
});
