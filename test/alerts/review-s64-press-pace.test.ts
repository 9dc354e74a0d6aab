// The pace of an open alert's repeats (review, session 64, round 2), on the alert service alone: a fake clock, a SQLite
// file, a real aedes broker and subscriber. The raise is told at once; three repeats after it at once; past that one
// version a second at most, each counting every press held meanwhile; the held presses are told before a resolution
// and at a graceful stop, stored or told from memory (another process holding the write lock) alike.
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { queryAlertAudit, queryAlerts } from '../../hub/alerts/query.js';
import { startAlertService } from '../support/clocked-hub.js';
import { holdWriteLock, type WriteLock } from '../support/write-lock.js';
import {
  homeConfig,
  pendantPress,
  startBroker,
  subscriber,
  tempDb,
  waitFor,
  type TempDb,
  type TestBroker,
  type TestSubscriber,
} from './helpers.js';

const T0 = Date.UTC(2026, 11, 6, 3, 0, 0);

let broker: TestBroker | undefined;
let watcher: TestSubscriber | undefined;
let store: TempDb | undefined;
let service: AlertService | undefined;
let lock: WriteLock | undefined;
let closeDb: (() => void) | undefined;
let db: Database;

afterEach(async () => {
  await lock?.kill();
  lock = undefined;
  await service?.stop();
  service = undefined;
  closeDb?.();
  closeDb = undefined;
  await watcher?.close();
  watcher = undefined;
  await broker?.close();
  broker = undefined;
  store?.remove();
  store = undefined;
});

async function setUp(clock: FakeClock): Promise<AlertService> {
  broker = await startBroker();
  watcher = await subscriber(broker.port, ['telecare/+/alerts/+']);
  store = tempDb();
  db = store.open();
  closeDb = () => db.close();
  service = await startAlertService({ db, publisher: broker.publisher, config: homeConfig([]), clock });
  return service;
}

/** The versions of the pendant alert on MQTT (retained clears left out), once the service has sent what it has. */
async function toldOnMqtt(s: AlertService, atLeast: number): Promise<{ version: number; count: number }[]> {
  await s.settled();
  await waitFor(() => watcher!.messages.filter((m) => m.payload !== '').length >= atLeast, `${atLeast} versions`);
  return watcher!.messages
    .filter((m) => m.payload !== '')
    .map((m) => JSON.parse(m.payload) as { version: number; count: number });
}

describe('an open alert pressed again and again', () => {
  it('is told at once for a burst, then once a second with the exact count; held presses go before a resolution', async () => {
    const clock = new FakeClock(T0);
    const s = await setUp(clock);
    const raised = s.apply(pendantPress(clock.now()))!;
    expect(raised).toMatchObject({ count: 1, version: 1 });
    // 24 more presses in the same instant: three told at once, the rest held.
    for (let i = 0; i < 24; i++) s.apply(pendantPress(clock.now()));
    expect(s.get(raised.id)).toMatchObject({ count: 4, version: 4 });
    expect(await toldOnMqtt(s, 4)).toHaveLength(4);

    // The pace's second: one version with every press.
    clock.advanceBy(1_000);
    expect(s.get(raised.id)).toMatchObject({ count: 25, version: 5 });
    expect((await toldOnMqtt(s, 5)).at(-1)).toMatchObject({ count: 25, version: 5 });
    const paced = queryAlertAudit(db, { alertId: raised.id })
      .filter((a) => a.action === 'merge')
      .at(-1);
    expect(paced?.detail).toMatchObject({ count: 25, paced: 21 });

    // A press a second later is told at once again (the pace refills).
    clock.advanceBy(1_000);
    expect(s.apply(pendantPress(clock.now()))).toMatchObject({ count: 26, version: 6 });

    // More presses held, then a resolution: they are told first, and the resolution counts them.
    for (let i = 0; i < 10; i++) s.apply(pendantPress(clock.now()));
    const resolved = s.resolve(raised.id, 'false-alarm', null, 'sam');
    expect(resolved).toMatchObject({ ok: true, alert: { state: 'resolved', count: 36 } });
    // Nothing told after it (the pace's timer is gone with the held presses).
    clock.advanceBy(5_000);
    const versions = await toldOnMqtt(s, 1);
    expect(versions.at(-1)).toMatchObject({ count: 36 });
    expect(Math.max(...versions.map((v) => v.version))).toBe(s.get(raised.id)!.version);
  });

  it("names another resident's pendant pressed among the held presses, as a repeat told at once would", async () => {
    const clock = new FakeClock(T0);
    const s = await setUp(clock);
    const raised = s.apply(pendantPress(clock.now()))!;
    for (let i = 0; i < 5; i++) s.apply(pendantPress(clock.now()));
    s.apply({ ...pendantPress(clock.now()), deviceId: 'p2', residentId: 'r2', room: 'bedroom' });
    s.apply(pendantPress(clock.now()));
    clock.advanceBy(1_000);
    const told = s.get(raised.id)!;
    expect(told).toMatchObject({ count: 8, version: 5, room: 'living', detail: { deviceId: 'p1' } });
    expect(told.detail.otherDevices).toEqual([
      expect.objectContaining({ deviceId: 'p2', residentId: 'r2', room: 'bedroom' }),
    ]);
  });

  it('held presses are told at a graceful stop: the stored count is exact', async () => {
    const clock = new FakeClock(T0);
    const s = await setUp(clock);
    const raised = s.apply(pendantPress(clock.now()))!;
    for (let i = 0; i < 49; i++) s.apply(pendantPress(clock.now()));
    await s.stop();
    service = undefined;
    const [stored] = queryAlerts(db, { homeId: 'h1' });
    expect(stored).toMatchObject({ id: raised.id, count: 50, version: 5 });
  });

  it('paces from memory too while storage fails, with the exact count', async () => {
    const clock = new FakeClock(T0);
    const s = await setUp(clock);
    const raised = s.apply(pendantPress(clock.now()))!;
    lock = await holdWriteLock(store!.file);
    for (let i = 0; i < 30; i++) s.apply(pendantPress(clock.now()));
    expect(s.get(raised.id)).toMatchObject({ count: 4, version: 4 });
    clock.advanceBy(1_000);
    expect(s.get(raised.id)).toMatchObject({ count: 31, version: 5 });
    expect((await toldOnMqtt(s, 5)).at(-1)).toMatchObject({ count: 31, version: 5 });
  });
});
