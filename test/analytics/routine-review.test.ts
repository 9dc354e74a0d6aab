// The hub's hourly routine review: a sustained drift in a resident's routine becomes one routine-change alert.
import { afterEach, describe, expect, it } from 'vitest';
import { RoutineReview } from '../../hub/routine-review.js';
import { silentLogger } from '../../hub/logger.js';
import { monthThenDrift } from './daily.js';
import { utc } from './factories.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const HOME = 'flat-7';
const config = testConfig([
  { id: HOME, timezone: 'Europe/London', residents: [{ id: 'mary' }], devices: [] },
  { id: 'flat-8', timezone: 'Europe/London', residents: [{ id: 'john' }], devices: [] },
]);

let hub: TestHubDb | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('routine review in the hub', () => {
  it('raises one routine-change alert for the drifting home, however many hourly rounds run', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T07:00'));
    const alerts = hub.alerts;
    hub.clock.advanceTo(utc('2026-12-04T07:00'));
    const review = new RoutineReview({
      db: hub.db,
      config,
      clock: hub.clock,
      logger: silentLogger,
      decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
    });
    review.start();

    hub.clock.advanceTo(utc('2026-12-04T07:59'));
    expect(alerts.list({ state: 'open' })).toHaveLength(0); // the night of the 3rd is not settled before 08:00

    hub.clock.advanceTo(utc('2026-12-04T14:00'));
    review.stop();
    const open = alerts.list({ state: 'open' });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ homeId: HOME, kind: 'routine-change', severity: 'low', count: 1 });
  });
});
