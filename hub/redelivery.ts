// Messages an external broker sends the hub again (DUP set) after a lost connection or its own restart: QoS 1 is "at
// least once", and the broker sends again every message whose PUBACK it had not received (or, killed, not saved).
// The hub had stored them: storing and acting on them a second time would count a pendant press twice and double the
// activity the analytics see. Only events identical to one already stored *durably* are left out; anything else goes
// through as new, so a doubt costs a duplicate, never an event.
import type { Database, Statement } from 'better-sqlite3';
import { Counter, type Registry } from 'prom-client';
import type { SensorEvent } from '../rules/types.js';

export class RedeliveryCheck {
  private readonly findStored: Statement<[string, number, string, string, string], { id: number }>;
  private readonly skipped: Counter;

  constructor(
    db: Database,
    /** The highest event id known to be on disk (the acknowledgement mark): rows above it may still be lost. */
    private readonly durableUpTo: () => number,
    metrics: Registry,
  ) {
    // The (home_id, ts) index finds the few rows of that home at that millisecond.
    this.findStored = db.prepare(
      'SELECT id FROM events WHERE home_id = ? AND ts = ? AND device_id = ? AND type = ? AND value = ? ORDER BY id LIMIT 1',
    );
    this.skipped = new Counter({
      name: 'telecare_mqtt_redelivered_duplicates_total',
      help: 'Events a broker sent again (DUP) that were already stored: acknowledged, not stored or acted on twice',
      registers: [metrics],
    });
  }

  /**
   * The events of a redelivered message that are not stored yet. An event is the same as a stored one when home,
   * device, type, value and time are: with the sender's `ts`, the same event; without it the time is the hub's receive
   * time, which an earlier copy does not share, so such an event is always taken as new.
   */
  notYetStored(events: SensorEvent[]): SensorEvent[] {
    const upTo = this.durableUpTo();
    let fresh: SensorEvent[];
    try {
      fresh = events.filter((e) => {
        const row = this.findStored.get(e.homeId, e.ts, e.deviceId, e.type, JSON.stringify(e.value));
        return row === undefined || row.id > upTo;
      });
    } catch {
      // The database cannot be read: taken as new (the store then reports its own fault).
      return events;
    }
    if (fresh.length < events.length) this.skipped.inc(events.length - fresh.length);
    return fresh;
  }
}
