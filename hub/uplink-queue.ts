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
];

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
}

/** What a trim dropped, by kind. */
export interface Trimmed {
  features: number;
  alert: number;
}

export class UplinkQueue {
  private readonly sql: {
    insertAlert: Statement;
    insertFeatures: Statement;
    after: Statement<[number, number], QueuedItem>;
    remove: Statement<[number]>;
    count: Statement<[], number>;
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
      dropOldestFeatures: db.prepare(`DELETE FROM uplink_queue WHERE id IN
        (SELECT id FROM uplink_queue WHERE kind = 'features' ORDER BY id LIMIT ?)`),
      // Versions older than a version of the same alert still queued: the newer one carries the alert's whole state.
      dropSupersededVersions: db.prepare(`DELETE FROM uplink_queue WHERE id IN
        (SELECT q.id FROM uplink_queue q WHERE q.kind = 'alert' AND EXISTS
          (SELECT 1 FROM uplink_queue n WHERE n.alert_id = q.alert_id AND n.version > q.version)
         ORDER BY q.id LIMIT ?)`),
      featureDayQueued: db
        .prepare('SELECT COUNT(*) FROM uplink_feature_days WHERE home_id = ? AND date = ?')
        .pluck() as Statement<[string, string], number>,
      markFeatureDay: db.prepare(
        'INSERT OR IGNORE INTO uplink_feature_days (home_id, date, queued_at) VALUES (?, ?, ?)',
      ),
    };
  }

  /** Queue one alert version; called inside the transaction that stores the version. False when already queued. */
  addAlertVersion(item: AlertVersionItem, now: number): boolean {
    const body = `{"alertId":${JSON.stringify(item.alertId)},"version":${item.version},"alert":${item.alertJson}}`;
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

  /**
   * Bring the queue back to `max` items: the oldest daily features first (a council report can wait, a day's
   * numbers are also in the hub's own store), then the oldest alert versions a newer queued version of the same
   * alert supersedes. The newest queued version of an alert is never dropped.
   */
  trim(max: number): Trimmed {
    const trimmed: Trimmed = { features: 0, alert: 0 };
    let over = this.size() - max;
    if (over <= 0) return trimmed;
    this.db.transaction(() => {
      trimmed.features = this.sql.dropOldestFeatures.run(over).changes;
      over -= trimmed.features;
      if (over > 0) trimmed.alert = this.sql.dropSupersededVersions.run(over).changes;
    })();
    return trimmed;
  }
}
