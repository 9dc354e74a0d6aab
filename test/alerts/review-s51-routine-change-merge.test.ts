// Review, session 51: a second routine-change flag for a home (another habit the same day, or one days later) while
// its routine-change alert was open was merged as count and last seen alone: the flag's own detail (which habit, which
// way, the days, the values, the usual) was thrown away, in the store and in what MQTT and the console were told, so
// a card said "count 2" and named one habit. The merged flag is now kept in the alert's `detail.laterFlags` (bounded),
// stored and from memory alike; a pendant pressed again still changes count and last seen alone. A real aedes broker,
// the real alert service on a SQLite file, the real review's raises, a real process holding the write lock.
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reviewDecisions } from '../../analytics/review.js';
import type { DailyFeatures } from '../../analytics/types.js';
import { queryAlertAudit, queryAlerts } from '../../hub/alerts/query.js';
import { MAX_LATER_FLAGS } from '../../hub/alerts/lifecycle.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { FakeClock } from '../../hub/clock.js';
import type { RuleDecision } from '../../rules/types.js';
import { DAY_MS, MINUTE_MS } from '../../rules/time.js';
import { isoDate, ordinaryFeatures } from '../analytics/daily.js';
import { startAlertService } from '../support/clocked-hub.js';
import { holdWriteLock, type WriteLock } from '../support/write-lock.js';
import { homeConfig, pendantPress, startBroker, tempDb, testHome, type TempDb, type TestBroker } from './helpers.js';

type Raise = Extract<RuleDecision, { type: 'raise' }>;

const T0 = Date.UTC(2026, 10, 3, 9, 0, 0);
const TOPIC = 'telecare/h1/alerts/+';

let broker: TestBroker;
let store: TempDb;
let service: AlertService | undefined;
let lock: WriteLock | undefined;
let closeDb: (() => void) | undefined;
/** The service's own connection to the store. */
let db: Database.Database;

afterEach(async () => {
  await lock?.kill();
  lock = undefined;
  await service?.stop();
  service = undefined;
  closeDb?.();
  closeDb = undefined;
  await broker?.close();
  store?.remove();
});

async function start(clock: FakeClock): Promise<AlertService> {
  broker = await startBroker();
  store = tempDb();
  db = store.open();
  closeDb = () => db.close();
  service = await startAlertService({ db, publisher: broker.publisher, config: homeConfig([]), clock });
  return service;
}

/** The real review's raises for h1: 30 ordinary days from `start`, then `after`, reviewed on the last day at `now`. */
function flags(start: string, after: Partial<DailyFeatures>[], now: number): Raise[] {
  const days: DailyFeatures[] = [];
  for (let i = 0; i < 30; i++) days.push(ordinaryFeatures('h1', isoDate(start, i), i));
  after.forEach((o, j) => days.push(ordinaryFeatures('h1', isoDate(start, 30 + j), 30 + j, o)));
  return reviewDecisions(testHome(), days, days.at(-1)!.date, now) as Raise[];
}

/** Night bathroom visits up and rising later, both three days to 2 November: two flags of one review. */
const twoHabits = (now: number): Raise[] =>
  flags(
    '2026-10-01',
    [
      { bathroomVisitsNight: 4, risingTime: '09:40' },
      { bathroomVisitsNight: 5, risingTime: '10:05' },
      { bathroomVisitsNight: 5, risingTime: '10:20' },
    ],
    now,
  );

/** Kitchen uses down three days to 9 November: a flag of a review a week later. */
const kitchen = (now: number): Raise[] =>
  flags('2026-10-08', [{ kitchenUses: 0 }, { kitchenUses: 0 }, { kitchenUses: 0 }], now);

async function retainedAlert(): Promise<Record<string, unknown>> {
  await service?.settled();
  const retained = [...(await broker.retained(TOPIC)).values()];
  expect(retained).toHaveLength(1);
  return JSON.parse(retained[0]!) as Record<string, unknown>;
}

describe('a routine-change flag merged into the open routine-change alert', () => {
  it('is kept in the stored and the published alert, the same day and days later', async () => {
    const clock = new FakeClock(T0);
    const alerts = await start(clock);
    const sameDay = twoHabits(T0);
    expect(sameDay.map((d) => d.detail.feature)).toEqual(['bathroomVisitsNight', 'risingTime']);
    const first = alerts.apply(sameDay[0]!)!;
    const told: Record<string, unknown>[] = [];
    alerts.subscribe((a) => told.push(a as unknown as Record<string, unknown>));
    clock.advanceBy(MINUTE_MS);
    const second = alerts.apply(sameDay[1]!)!;
    expect(second.id).toBe(first.id);
    expect(second.count).toBe(2);

    // Before: the detail of the first flag alone; night bathroom visits up, not a word of rising later.
    const later = second.detail.laterFlags as Record<string, unknown>[];
    expect(later).toEqual([
      {
        ...sameDay[1]!.detail,
        eventAt: new Date(T0).toISOString(),
        seenAt: new Date(T0 + MINUTE_MS).toISOString(),
      },
    ]);
    expect(second.detail).toMatchObject({ feature: 'bathroomVisitsNight', change: 'up', values: [4, 5, 5] });
    expect(later[0]).toMatchObject({ feature: 'risingTime', change: 'later', values: [580, 605, 620] });

    // A week later, still open: kitchen uses down.
    const weekLater = T0 + 7 * DAY_MS;
    clock.advanceTo(weekLater);
    const [k] = kitchen(weekLater);
    expect(k?.detail.feature).toBe('kitchenUses');
    const third = alerts.apply(k!)!;
    expect(third).toMatchObject({ id: first.id, count: 3 });
    expect((third.detail.laterFlags as { feature: string }[]).map((f) => f.feature)).toEqual([
      'risingTime',
      'kitchenUses',
    ]);

    // Stored, told to the console (SSE's listeners) and retained on MQTT alike.
    const [stored] = queryAlerts(db, {});
    expect(stored?.detail).toEqual(third.detail);
    expect(told.at(-1)?.detail).toEqual(third.detail);
    expect((await retainedAlert()).detail).toEqual(third.detail);
    // The audit says a merge, as for any repeat, with the repeat's severity (session 73: a resolve's check reads it).
    const audit = queryAlertAudit(db, { alertId: first.id }).map((e) => [e.action, e.detail]);
    expect(audit.filter(([action]) => action === 'merge')).toEqual([
      ['merge', { count: 2, severity: 'low' }],
      ['merge', { count: 3, severity: 'low' }],
    ]);
  });

  it('keeps the latest flags only, so that an alert open for months stays bounded', async () => {
    const clock = new FakeClock(T0);
    const alerts = await start(clock);
    const [flag] = twoHabits(T0);
    let last = alerts.apply(flag!)!;
    for (let i = 1; i <= MAX_LATER_FLAGS + 5; i++) {
      clock.advanceBy(DAY_MS);
      last = alerts.apply({ ...flag!, at: clock.now(), detail: { ...flag!.detail, days: i } })!;
    }
    const later = last.detail.laterFlags as { days: number }[];
    expect(last.count).toBe(MAX_LATER_FLAGS + 6);
    expect(later).toHaveLength(MAX_LATER_FLAGS);
    expect(later[0]?.days).toBe(6);
    expect(later.at(-1)?.days).toBe(MAX_LATER_FLAGS + 5);
  });

  it('is kept when told from memory while storage fails, and stored once it is back', async () => {
    const clock = new FakeClock(T0);
    const alerts = await start(clock);
    const sameDay = twoHabits(T0);
    const first = alerts.apply(sameDay[0]!)!;
    await service!.settled();

    lock = await holdWriteLock(store.file);
    clock.advanceBy(MINUTE_MS);
    const second = alerts.apply(sameDay[1]!)!;
    expect(second).toMatchObject({ id: first.id, count: 2 });
    expect((second.detail.laterFlags as { feature: string }[]).map((f) => f.feature)).toEqual(['risingTime']);
    await vi.waitFor(async () => expect((await retainedAlert()).count).toBe(2), { timeout: 15_000, interval: 20 });
    expect((await retainedAlert()).detail).toEqual(second.detail);

    await lock.release();
    lock = undefined;
    clock.advanceBy(10 * MINUTE_MS); // the held versions are offered to storage again
    await vi.waitFor(() => expect(queryAlerts(db, {})[0]?.count).toBe(2), { timeout: 15_000, interval: 20 });
    expect(queryAlerts(db, {})[0]?.detail).toEqual(second.detail);
  });

  it('leaves a pendant pressed again as it was: count and last seen, the detail untouched', async () => {
    const clock = new FakeClock(T0);
    const alerts = await start(clock);
    const first = alerts.apply(pendantPress(T0))!;
    clock.advanceBy(MINUTE_MS);
    const again = alerts.apply(pendantPress(clock.now()))!;
    expect(again).toMatchObject({ id: first.id, count: 2, lastSeenAt: new Date(T0 + MINUTE_MS).toISOString() });
    expect(again.detail).toEqual(first.detail);
    expect(queryAlerts(db, {})[0]?.detail).toEqual(first.detail);
  });
});
