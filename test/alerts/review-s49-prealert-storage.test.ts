// Review, session 49: a pre-alert started or cancelled while storage failed (another process holding the database's
// write lock) is told from memory; once storage is back, the broker's retained pre-alert and the store must still agree
// with what the resident was told. A real aedes broker, the real alert service on a real SQLite file, a real process
// holding the lock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertService } from '../../hub/alerts/service.js';
import { FakeClock } from '../../hub/clock.js';
import { MINUTE_MS } from '../../rules/time.js';
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
} from './helpers.js';

const TOPIC = 'telecare/h1/prealert';
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

let broker: TestBroker;
let store: TempDb;
let alerts: AlertService | undefined;
let lock: WriteLock | undefined;
let closeDb: (() => void) | undefined;

beforeEach(async () => {
  broker = await startBroker();
  store = tempDb();
});
afterEach(async () => {
  await lock?.kill();
  lock = undefined;
  await alerts?.stop();
  alerts = undefined;
  closeDb?.();
  closeDb = undefined;
  await broker.close();
  store.remove();
});

async function start(clock: FakeClock): Promise<AlertService> {
  const db = store.open();
  closeDb = () => db.close();
  alerts = await startAlertService({ db, publisher: broker.publisher, config: homeConfig([]), clock });
  return alerts;
}

async function retained(): Promise<string | undefined> {
  await alerts?.settled();
  return (await broker.retained(TOPIC)).get(TOPIC);
}

const prealert = (clock: FakeClock) =>
  ({
    type: 'prealert',
    homeId: 'h1',
    kind: 'inactivity',
    raiseAt: clock.now() + 10 * MINUTE_MS,
    at: clock.now(),
  }) as const;
const prealertCancel = (clock: FakeClock) =>
  ({ type: 'prealert-cancel', homeId: 'h1', kind: 'inactivity', at: clock.now() }) as const;

describe('a pre-alert told from memory while storage failed', () => {
  it('started from memory, is cleared by the activity that comes once storage is back', async () => {
    const clock = new FakeClock(T0);
    const service = await start(clock);
    lock = await holdWriteLock(store.file);
    service.apply(prealert(clock));
    await vi.waitFor(
      async () => expect(JSON.parse((await retained()) ?? 'null')).toMatchObject({ kind: 'inactivity' }),
      {
        timeout: 15_000,
        interval: 20,
      },
    );

    await lock.release();
    lock = undefined;
    clock.advanceBy(MINUTE_MS);
    // The resident moves: the rules cancel the pre-alert the resident was told of.
    service.apply(prealertCancel(clock));
    expect(await retained()).toBeUndefined();
  });

  it('cancelled from memory, is not restated from the store once storage is back', async () => {
    const clock = new FakeClock(T0);
    const service = await start(clock);
    service.apply(prealert(clock));
    // An open alert too: restated with the pre-alerts, its copy says the restatement went out.
    service.apply(pendantPress(clock.now()));
    expect(await retained()).toBeDefined();

    lock = await holdWriteLock(store.file);
    clock.advanceBy(MINUTE_MS);
    service.apply(prealertCancel(clock));
    // Told from memory: the retained pre-alert is cleared on the broker all the same.
    await vi.waitFor(async () => expect(await retained()).toBeUndefined(), { timeout: 15_000, interval: 20 });

    await lock.release();
    lock = undefined;
    const watcher = await subscriber(broker.port, ['telecare/h1/alerts/+']);
    await waitFor(() => watcher.messages.length === 1, 'the retained pendant alert');
    // What the hub does on each (re)connection to an external broker: the store's open alerts and running pre-alerts.
    service.restateOpen();
    await waitFor(() => watcher.messages.length === 2, 'the restated pendant alert');
    await watcher.close();
    expect(await retained()).toBeUndefined();
  });

  it('cancelled from memory, is not restated by the next start after a graceful stop', async () => {
    const clock = new FakeClock(T0);
    const service = await start(clock);
    service.apply(prealert(clock));
    service.apply(pendantPress(clock.now()));
    expect(await retained()).toBeDefined();
    lock = await holdWriteLock(store.file);
    clock.advanceBy(MINUTE_MS);
    service.apply(prealertCancel(clock));
    await vi.waitFor(async () => expect(await retained()).toBeUndefined(), { timeout: 15_000, interval: 20 });
    await lock.release();
    lock = undefined;

    await service.stop();
    alerts = undefined;
    closeDb?.();
    const watcher = await subscriber(broker.port, ['telecare/h1/alerts/+']);
    await waitFor(() => watcher.messages.length === 1, 'the retained pendant alert');
    const again = await start(clock);
    await waitFor(() => watcher.messages.length === 2, 'the pendant alert restated at start');
    await watcher.close();
    await again.settled();
    expect(await retained()).toBeUndefined();
  });
});
