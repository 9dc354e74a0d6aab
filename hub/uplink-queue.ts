// The uplink's store-and-forward queue in the hub's SQLite: items written with the change they report, sent in
// order, deleted once the centre's broker has acknowledged them; bounded by dropping superseded items first.
import type { Database, Statement } from 'better-sqlite3';
import { migrate, type MigrationStep } from './migrations.js';

export const UPLINK_MIGRATIONS: readonly MigrationStep[] = [
  `CREATE TABLE uplink_queue (
     -- AUTOINCREMENT: an id is never reused, so id order is the order items were queued in, across restarts.
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,             -- 'alert' | 'features'
     topic TEXT NOT NULL,            -- below telecare-up/<hubId>/
     alert_id TEXT,                  -- alert items only
     version INTEGER,                -- alert items only
     body TEXT NOT NULL,             -- a JSON object; hubId and queuedAt are added when sent
     created_at INTEGER NOT NULL
   );
   -- One item per alert version: a version recorded twice (a restatement at start) is queued once.
   CREATE UNIQUE INDEX uplink_queue_alert_version ON uplink_queue (alert_id, version) WHERE alert_id IS NOT NULL;
   CREATE INDEX uplink_queue_kind ON uplink_queue (kind);

   -- The completed days whose features were queued, so each day goes once.
   CREATE TABLE uplink_feature_days (
     home_id TEXT NOT NULL,
     date TEXT NOT NULL,
     queued_at INTEGER NOT NULL,
     PRIMARY KEY (home_id, date)
   );`,
  // Session 75: an alert version a newer version of the same alert was queued after (or before) is marked when that
  // newer one is queued, by the trigger, in the insert's own statement (two probes of the (alert_id, version) index whose
  // pages the insert's conflict check has just read). The trim then finds what it may drop through the partial index, reading
  // only those rows: before, it looked for a newer version of every alert version queued, the whole table (101-173 ms
  // on the loop at 100,000 different alerts, session 73). A marked row stays marked once its newer version is sent
  // and deleted: the centre has the newer one, which carries the alert's whole state.
  `ALTER TABLE uplink_queue ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
   UPDATE uplink_queue SET superseded = 1 WHERE alert_id IS NOT NULL AND EXISTS
     (SELECT 1 FROM uplink_queue n WHERE n.alert_id = uplink_queue.alert_id AND n.version > uplink_queue.version);
   CREATE INDEX uplink_queue_superseded ON uplink_queue (id) WHERE superseded = 1;
   CREATE TRIGGER uplink_queue_supersede AFTER INSERT ON uplink_queue WHEN NEW.alert_id IS NOT NULL BEGIN
     -- Every queued version of an alert but its newest is marked already: only the one just below can change.
     UPDATE uplink_queue SET superseded = 1 WHERE superseded = 0 AND id =
       (SELECT id FROM uplink_queue WHERE alert_id = NEW.alert_id AND version < NEW.version ORDER BY version DESC LIMIT 1);
     UPDATE uplink_queue SET superseded = 1
       WHERE id = NEW.id AND EXISTS
         (SELECT 1 FROM uplink_queue n WHERE n.alert_id = NEW.alert_id AND n.version > NEW.version);
   END;`,
  // Session 75: the hub id the queue's items were queued under (`uplink_queue_owner`, one row), and the items queued
  // under another id than the hub runs as now (`uplink_held`, with that id): a HUB_ID changed between two runs no
  // longer sends what was queued under the old id as the new one (`UplinkQueue.claim`).
  `CREATE TABLE uplink_queue_owner (
     only INTEGER PRIMARY KEY CHECK (only = 1),
     hub_id TEXT NOT NULL
   );
   CREATE TABLE uplink_held (
     id INTEGER PRIMARY KEY,         -- the item's id in uplink_queue, kept: its place in the queue if it goes back
     hub_id TEXT NOT NULL,           -- the HUB_ID it was queued under
     kind TEXT NOT NULL,
     topic TEXT NOT NULL,
     alert_id TEXT,
     version INTEGER,
     body TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );`,
];

/** The most rows one step of a trim deletes: a step is one turn of the event loop (a few milliseconds). */
export const TRIM_STEP_ROWS = 200;

export interface QueuedItem {
  id: number;
  kind: 'alert' | 'features';
  topic: string;
  alert_id: string | null;
  version: number | null;
  body: string;
  created_at: number;
}

export interface AlertVersionItem {
  alertId: string;
  version: number;
  /** The alert as the hub publishes it locally (SPEC 5), JSON. */
  alertJson: string;
  /**
   * The IANA time zone of the alert's home (its configuration's `timezone`), sent beside the alert so that the centre
   * shows the times on its card as the home's (session 75; before, the centre could only show its operator's own).
   */
  homeTimezone?: string | undefined;
}

/** What a trim dropped, by kind. */
export interface Trimmed {
  features: number;
  alert: number;
}

/** What one bounded step of a trim dropped, and whether another step may drop more. */
export interface TrimStep extends Trimmed {
  more: boolean;
}

/** What `claim` found and did. */
export interface Claimed {
  /** The id the queue's items were queued under when it differs from the one claiming it (they are now held). */
  previousHubId: string | undefined;
  /** Items queued under `previousHubId`, now held. */
  heldNow: number;
  /** Items held from an earlier run under the claiming id, back in the queue. */
  restored: number;
  /** Items held for other ids, by id (`heldNow` included). */
  held: Record<string, number>;
}

/**
 * An alert version's message to the centre, without `hubId` and `queuedAt` (added when it is sent):
 * `{"alertId","version","homeTimezone"?,"alert"}`. `homeTimezone` beside the alert, not in it: the centre compares the
 * alert to tell a repeat from a restored hub's new branch, and the alert is the hub's own (SPEC 5).
 */
export function alertVersionBody(item: AlertVersionItem): string {
  const zone = item.homeTimezone === undefined ? '' : `"homeTimezone":${JSON.stringify(item.homeTimezone)},`;
  return `{"alertId":${JSON.stringify(item.alertId)},"version":${item.version},${zone}"alert":${item.alertJson}}`;
}

export class UplinkQueue {
  private readonly sql: {
    insertAlert: Statement;
    insertFeatures: Statement;
    after: Statement<[number, number], QueuedItem>;
    remove: Statement<[number]>;
    count: Statement<[], number>;
    countAlerts: Statement<[], number>;
    dropOldestFeatures: Statement<[number]>;
    dropSupersededVersions: Statement<[number]>;
    featureDayQueued: Statement<[string, string], number>;
    markFeatureDay: Statement;
  };

  constructor(private readonly db: Database) {
    migrate(db, 'uplink', UPLINK_MIGRATIONS);
    this.sql = {
      insertAlert: db.prepare(`INSERT INTO uplink_queue (kind, topic, alert_id, version, body, created_at)
        VALUES ('alert', @topic, @alertId, @version, @body, @now) ON CONFLICT DO NOTHING`),
      insertFeatures: db.prepare(`INSERT INTO uplink_queue (kind, topic, body, created_at)
        VALUES ('features', @topic, @body, @now)`),
      after: db.prepare('SELECT * FROM uplink_queue WHERE id > ? ORDER BY id LIMIT ?'),
      remove: db.prepare('DELETE FROM uplink_queue WHERE id = ?'),
      count: db.prepare('SELECT COUNT(*) FROM uplink_queue').pluck() as Statement<[], number>,
      // Through the alert-version index, covering: 5-9 ms at 30,000 alerts in 100,000 versions (session 75).
      countAlerts: db
        .prepare('SELECT COUNT(DISTINCT alert_id) FROM uplink_queue WHERE alert_id IS NOT NULL')
        .pluck() as Statement<[], number>,
      dropOldestFeatures: db.prepare(`DELETE FROM uplink_queue WHERE id IN
        (SELECT id FROM uplink_queue WHERE kind = 'features' ORDER BY id LIMIT ?)`),
      // Versions older than a version of the same alert queued since: the newer one carries the alert's whole state.
      // Through the partial index: only the rows dropped are read.
      dropSupersededVersions: db.prepare(`DELETE FROM uplink_queue WHERE id IN
        (SELECT id FROM uplink_queue INDEXED BY uplink_queue_superseded WHERE superseded = 1 ORDER BY id LIMIT ?)`),
      featureDayQueued: db
        .prepare('SELECT COUNT(*) FROM uplink_feature_days WHERE home_id = ? AND date = ?')
        .pluck() as Statement<[string, string], number>,
      markFeatureDay: db.prepare(
        'INSERT OR IGNORE INTO uplink_feature_days (home_id, date, queued_at) VALUES (?, ?, ?)',
      ),
    };
  }

  /**
   * Make the queue `hubId`'s, at the uplink's start, before anything is queued: items queued under another HUB_ID
   * (the id changed in the configuration since) are moved aside, kept with that id, and never sent as `hubId`; items
   * held for `hubId` by an earlier run under another id come back in their place in the queue. A queue from before
   * session 75 (no owner recorded) is taken as `hubId`'s. Before session 75 an item queued under one id was sent
   * under whatever id the hub ran as when the link came back.
   */
  claim(hubId: string): Claimed {
    const db = this.db;
    return db.transaction((): Claimed => {
      const owner = db.prepare('SELECT hub_id FROM uplink_queue_owner').pluck().get() as string | undefined;
      let heldNow = 0;
      if (owner !== undefined && owner !== hubId) {
        db.prepare(
          `INSERT INTO uplink_held (id, hub_id, kind, topic, alert_id, version, body, created_at)
          SELECT id, ?, kind, topic, alert_id, version, body, created_at FROM uplink_queue`,
        ).run(owner);
        heldNow = db.prepare('DELETE FROM uplink_queue').run().changes;
      }
      const restored = db
        .prepare(
          `INSERT OR IGNORE INTO uplink_queue (id, kind, topic, alert_id, version, body, created_at)
           SELECT id, kind, topic, alert_id, version, body, created_at FROM uplink_held WHERE hub_id = ? ORDER BY id`,
        )
        .run(hubId).changes;
      if (restored > 0) db.prepare('DELETE FROM uplink_held WHERE hub_id = ?').run(hubId);
      db.prepare(
        `INSERT INTO uplink_queue_owner (only, hub_id) VALUES (1, ?) ON CONFLICT (only) DO UPDATE SET hub_id = excluded.hub_id`,
      ).run(hubId);
      const rows = db.prepare('SELECT hub_id, COUNT(*) AS n FROM uplink_held GROUP BY hub_id').all() as {
        hub_id: string;
        n: number;
      }[];
      return {
        previousHubId: heldNow > 0 ? owner : undefined,
        heldNow,
        restored,
        held: Object.fromEntries(rows.map((row) => [row.hub_id, row.n])),
      };
    })();
  }

  /** Queue one alert version; called inside the transaction that stores the version. False when already queued. */
  addAlertVersion(item: AlertVersionItem, now: number): boolean {
    const body = alertVersionBody(item);
    const info = this.sql.insertAlert.run({
      topic: `alerts/${item.alertId}`,
      alertId: item.alertId,
      version: item.version,
      body,
      now,
    });
    return info.changes === 1;
  }

  /** Queue one home's completed day of features and remember the day, in one transaction. */
  addFeatureDay(homeId: string, date: string, topic: string, body: object, now: number): void {
    this.db.transaction(() => {
      if (this.sql.markFeatureDay.run(homeId, date, now).changes === 1) {
        this.sql.insertFeatures.run({ topic, body: JSON.stringify(body), now });
      }
    })();
  }

  featureDayQueued(homeId: string, date: string): boolean {
    return this.sql.featureDayQueued.get(homeId, date) === 1;
  }

  /** Up to `limit` items after id `afterId`, oldest first. */
  after(afterId: number, limit: number): QueuedItem[] {
    return this.sql.after.all(afterId, limit);
  }

  /** Delete items the centre's broker acknowledged, in one transaction. */
  remove(ids: readonly number[]): void {
    this.db.transaction(() => {
      for (const id of ids) this.sql.remove.run(id);
    })();
  }

  size(): number {
    return this.sql.count.get() ?? 0;
  }

  /** Alerts with a version waiting (daily features left out; an alert's versions counted once). */
  alertsWaiting(): number {
    return this.sql.countAlerts.get() ?? 0;
  }

  /**
   * Bring the queue back to `max` items: the oldest daily features first (a council report can wait, a day's
   * numbers are also in the hub's own store), then the oldest alert versions a newer queued version of the same
   * alert supersedes. The newest queued version of an alert is never dropped.
   */
  trim(max: number): Trimmed {
    const trimmed: Trimmed = { features: 0, alert: 0 };
    for (;;) {
      const step = this.trimStep(max);
      trimmed.features += step.features;
      trimmed.alert += step.alert;
      if (!step.more) return trimmed;
    }
  }

  /**
   * One step of `trim`, in one transaction: at most `limit` rows dropped, each read through an index (the features'
   * kind, the superseded versions' partial index), so a step costs what it drops, never the queue's length. `more`:
   * the queue is still over `max` and the step dropped all it was allowed to (the uplink runs the next step on the
   * next turn of the event loop, so a large trim never holds the hub's event path). `size`: the queue's length when
   * the caller has just counted it (a count reads the whole kind index: 1-2 ms at 100,000 items).
   */
  trimStep(max: number, limit: number = TRIM_STEP_ROWS, size: number = this.size()): TrimStep {
    const step: TrimStep = { features: 0, alert: 0, more: false };
    const over = size - max;
    if (over <= 0) return step;
    const allowed = Math.min(over, limit);
    this.db.transaction(() => {
      step.features = this.sql.dropOldestFeatures.run(allowed).changes;
      if (allowed > step.features) step.alert = this.sql.dropSupersededVersions.run(allowed - step.features).changes;
    })();
    step.more = over > allowed && step.features + step.alert === allowed;
    return step;
  }
}
