// Review, session 65: a hub on its own Mosquitto, restarted after a SIGKILL with a few thousand alert-path messages
// owed (pre-alert changes of exit-door events), stored and acknowledged nothing for 30-100 s and its dashboard did not
// answer: the outbox looked for the next row after every delivery that ended, and each look reads every row still in
// flight or delivered but not yet marked (`nextDue`, LIMIT busy + 16). A drain's 200 MQTT rows end together when their
// PUBACKs come in one read: 200 looks of ~200 rows each, per drain, on the event loop (a CPU profile: 12 of 19 s in
// `scheduleNext`). Now the deliveries that end in one turn of the loop make one look.
//
// What is counted is the rows those looks read back from SQLite (the real statement over a real file), for 1,000
// owed rows whose PUBACKs come 200 at a time, as a broker's read delivers them: no timing.
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Outbox } from '../../hub/alerts/outbox.js';
import { AlertService } from '../../hub/alerts/service.js';
import { systemClock } from '../../hub/clock.js';
import { silentLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import type { Publisher } from '../../hub/publisher.js';
import { homeConfig, tempDb, waitFor, type TempDb } from './helpers.js';

const OWED = 1_000;
/** The outbox's look for the next row due (`nextDue` in hub/alerts/outbox.ts). */
const LOOK = 'SELECT id, next_attempt_at, channel, alert_id, responder_id FROM alert_outbox';

/** Counts the rows every statement of `db` whose source starts `LOOK` reads back, until `restore()`. */
function countLookRows(db: Database.Database): { rows: () => number; restore: () => void } {
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as { all: (...a: unknown[]) => unknown[] };
  const all = proto.all;
  let rows = 0;
  proto.all = function (this: Database.Statement, ...a: unknown[]): unknown[] {
    const out = all.apply(this, a);
    if (this.source.trimStart().startsWith(LOOK)) rows += out.length;
    return out;
  };
  return { rows: () => rows, restore: () => (proto.all = all) };
}

/** A broker whose PUBACKs are held until `ackAll()`, which answers every message held at once (one read's worth). */
function heldPublisher(): Publisher & {
  held: () => number;
  mostHeld: () => number;
  ackAll: () => void;
  published: () => number;
} {
  let waiting: (() => void)[] = [];
  let published = 0;
  let mostHeld = 0;
  return {
    publish: () =>
      new Promise<void>((resolve) => {
        published++;
        waiting.push(resolve);
        mostHeld = Math.max(mostHeld, waiting.length);
      }),
    held: () => waiting.length,
    mostHeld: () => mostHeld,
    published: () => published,
    ackAll: () => {
      const now = waiting;
      waiting = [];
      for (const resolve of now) resolve();
    },
  };
}

describe('the outbox after a restart with many messages owed', () => {
  let store: TempDb | undefined;
  let alerts: AlertService | undefined;
  let db: Database.Database | undefined;
  let restore: (() => void) | undefined;

  afterEach(async () => {
    restore?.();
    await alerts?.stop();
    db?.close();
    store?.remove();
    restore = alerts = db = store = undefined;
  });

  it('looks for the next row once per turn of PUBACKs, not once per message: rows read grow with the rows owed', async () => {
    store = tempDb();
    const file = store.open();
    db = file;
    const publisher = heldPublisher();
    const service = new AlertService({
      db: file,
      publisher,
      config: homeConfig([]),
      // The hub's own clock: the delivery marks' 25 ms window is the clock's timer.
      clock: systemClock,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
    });
    alerts = service;
    // As a hub starts: its broker not up yet, MQTT rows held.
    await service.start({ restate: false });
    const outbox = (service as unknown as { store: { outbox: Outbox } }).store.outbox;
    for (let i = 0; i < OWED; i++)
      outbox.enqueue({
        channel: 'mqtt',
        alertId: null,
        version: null,
        topic: `telecare/h${String(i)}/prealert`,
        payload: '{}',
        retain: true,
      });
    const counter = countLookRows(file);
    restore = counter.restore;

    // The broker is up: the outbox sends, and the broker acknowledges what it holds, a read at a time.
    outbox.retryMqttNow();
    while (publisher.published() < OWED || publisher.held() > 0) {
      await waitFor(() => publisher.held() > 0 || publisher.published() >= OWED, 'the next messages sent');
      publisher.ackAll();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await service.settled();
    expect(publisher.published()).toBe(OWED);
    // Before: 200 looks of up to 216 rows per drain of 200, 295 rows read per message sent; with a look per turn but
    // the drain reading the same 200 rows until their marks were stored, 9.7-9.9 (a drain and a look in turn on the
    // loop for the marks' 25 ms: more on a faster machine); now 0.54.
    expect(counter.rows() / OWED).toBeLessThan(5);
    // And a drain's worth at most in flight at once, as before.
    expect(publisher.mostHeld()).toBe(200);
  }, 60_000);
});
