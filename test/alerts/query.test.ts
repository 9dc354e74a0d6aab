// The alert module's read functions: the filter the service applies to versions held in memory is the stored query's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { matchesFilter, queryAlerts } from '../../hub/alerts/query.js';
import type { AlertFilter } from '../../hub/alerts/api.js';
import { homeConfig, pendantPress, startStage, testHome, type AlertStage } from './helpers.js';

describe('alert queries', () => {
  let stage: AlertStage;
  beforeEach(async () => {
    stage = await startStage();
  });
  afterEach(() => stage.close());

  it('matchesFilter keeps exactly the alerts queryAlerts returns, for every kind of filter', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
    const config = homeConfig([]);
    config.homes.push(testHome('h2', 'r2'));
    const { alerts, db } = await stage.alertService(config, clock);
    const t0 = clock.now();
    // h1: a pendant (then acknowledged) and a fall (resolved); h2: a pendant left raised and a cancelled inactivity.
    const pendant = alerts.apply(pendantPress(t0))!;
    clock.advanceBy(60_000);
    const fall = alerts.apply({ ...pendantPress(clock.now()), kind: 'fall' })!;
    clock.advanceBy(60_000);
    alerts.apply({ ...pendantPress(clock.now()), homeId: 'h2' });
    clock.advanceBy(60_000);
    alerts.apply({ ...pendantPress(clock.now()), homeId: 'h2', kind: 'inactivity', severity: 'high' });
    alerts.apply({ type: 'clear', homeId: 'h2', kind: 'inactivity', reason: 'activity', at: clock.now() });
    expect(alerts.acknowledge(pendant.id, 'ann').ok).toBe(true);
    expect(alerts.resolve(fall.id, 'false-alarm', null, 'ann').ok).toBe(true);

    const filters: AlertFilter[] = [
      {},
      { state: 'open' },
      { state: 'raised' },
      { state: 'acknowledged' },
      { state: 'resolved' },
      { state: 'cancelled' },
      { homeId: 'h1' },
      { homeId: 'h2', state: 'open' },
      { from: t0 + 60_000 },
      { to: t0 + 60_000 },
      { from: t0 + 60_000, to: t0 + 180_000, homeId: 'h2' },
      { homeIds: ['h2'] },
      { homeIds: ['h1', 'h2'], state: 'open' },
      { homeIds: [] },
      { homeIds: ['h1'], homeId: 'h2' },
    ];
    const all = queryAlerts(db);
    expect(all).toHaveLength(4);
    for (const filter of filters) {
      const ids = (list: { id: string }[]) => list.map((a) => a.id).sort();
      expect(ids(all.filter((a) => matchesFilter(a, filter))), JSON.stringify(filter)).toEqual(
        ids(queryAlerts(db, filter)),
      );
    }
    // Not every filter keeps everything or nothing: the comparison above means something.
    expect(new Set(filters.map((f) => queryAlerts(db, f).length)).size).toBeGreaterThan(2);
  });
});
