// An upgrade's copy of the database as it was: before a start of a newer hub changes an earlier hub's tables, which the
// earlier hub then refuses to open (exit code 4), the file is kept beside itself, so the way back is there.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ANALYTICS_MIGRATIONS } from '../analytics/store.js';
import { AUTH_MIGRATIONS } from '../dashboard/auth.js';
import { ALERT_MIGRATIONS } from './alerts/schema.js';
import type { Logger } from './logger.js';
import { MQTT_AUTH_MIGRATIONS } from './mqtt-auth.js';
import { REPEAT_MIGRATIONS, SENSOR_TS_MIGRATIONS, STORE_MIGRATIONS, UNASSIGNED_CAP_MIGRATIONS } from './store.js';
import { UPLINK_MIGRATIONS } from './uplink-queue.js';

/** Every module's schema steps as this hub knows them (`migrate`'s module names): what a start brings a database to. */
export const SCHEMA_STEPS: Readonly<Record<string, number>> = {
  store: STORE_MIGRATIONS.length,
  'event-sensor-ts': SENSOR_TS_MIGRATIONS.length,
  'event-repeats': REPEAT_MIGRATIONS.length,
  'unassigned-cap': UNASSIGNED_CAP_MIGRATIONS.length,
  alerts: ALERT_MIGRATIONS.length,
  'mqtt-auth': MQTT_AUTH_MIGRATIONS.length,
  auth: AUTH_MIGRATIONS.length,
  analytics: ANALYTICS_MIGRATIONS.length,
  uplink: UPLINK_MIGRATIONS.length,
};

/** The name of the copy kept by an upgrade at `at`: `hub.db.before-upgrade-2026-12-06T17-05-00Z`. */
export function upgradeCopyName(file: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  return `${file}.before-upgrade-${stamp}`;
}

/** The copies an earlier upgrade kept of `file`, but `kept`. */
function earlierCopies(file: string, kept: string): string[] {
  const prefix = `${path.basename(file)}.before-upgrade-`;
  return fs
    .readdirSync(path.dirname(file))
    .filter((name) => name.startsWith(prefix))
    .map((name) => path.join(path.dirname(file), name))
    .filter((name) => name !== kept);
}

/**
 * Before this hub's schema steps change `file`, a database an earlier hub wrote (review, session 67: an upgrade said
 * nothing and kept nothing, and the earlier hub then refused the file, "restore a backup made by this version", of
 * which there was none): copies it whole (`VACUUM INTO`, a consistent copy, owner-only as the data folder's files)
 * and says so, with the steps the start will make. Nothing when the file is new, already this hub's, or a newer hub's
 * (the start refuses that one). Without room for the copy (twice the file's size kept free) the upgrade goes ahead
 * without one, and the warning says so: a hub that does not start watches no one.
 */
export function keepCopyBeforeUpgrade(file: string, logger: Logger, now: Date = new Date()): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    return undefined; // the start's own open says what is wrong with it
  }
  try {
    return copyIfUpgrading(db, file, logger, now);
  } catch {
    // Not readable now (a full disk leaves no room for the shared-memory file): the start's own open deals with it.
    return undefined;
  } finally {
    db.close();
  }
}

function copyIfUpgrading(db: Database.Database, file: string, logger: Logger, now: Date): string | undefined {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (hasTable === undefined) return undefined;
  const rows = db.prepare('SELECT module, MAX(version) AS version FROM schema_migrations GROUP BY module').all() as {
    module: string;
    version: number;
  }[];
  if (rows.length === 0) return undefined;
  const stored = new Map(rows.map((row) => [row.module, row.version]));
  if (rows.some((row) => row.version > (SCHEMA_STEPS[row.module] ?? Infinity))) return undefined;
  // A module the file has, brought further: the earlier hub refuses the file then. A module it lacks (new in this
  // hub, or one that earlier hub never used: the uplink of a hub without one) is no matter to it.
  const steps = Object.entries(SCHEMA_STEPS).flatMap(([module, known]) => {
    const version = stored.get(module);
    return version !== undefined && version < known ? [`${module} ${String(version)}→${String(known)}`] : [];
  });
  if (steps.length === 0) return undefined;
  const copy = upgradeCopyName(file, now);
  const size = [file, `${file}-wal`].reduce((sum, f) => sum + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
  const disk = fs.statfsSync(path.dirname(file));
  const freeBytes = disk.bavail * disk.bsize;
  if (freeBytes < 2 * size) {
    logger.warn(
      { steps, sizeMb: Math.round(size / 1e5) / 10, freeMb: Math.round(freeBytes / 1e5) / 10 },
      `database upgrade: no room to keep a copy of ${file} as it was (twice its size must be free); upgrading ` +
        'without one, so the earlier hub will not open this file again',
    );
    return undefined;
  }
  try {
    db.prepare('VACUUM INTO ?').run(copy);
    fs.chmodSync(copy, 0o600);
  } catch (err) {
    fs.rmSync(copy, { force: true });
    logger.warn(
      { steps, err: (err as Error).message },
      `database upgrade: the copy of ${file} as it was could not be written; upgrading without one`,
    );
    return undefined;
  }
  // One copy is kept, the newest: each upgrade that changes the tables would otherwise leave another whole copy of the
  // database on the SD card, for good. The earlier copies are of hubs older than the one this copy goes back to.
  const earlier = earlierCopies(file, copy);
  for (const old of earlier) fs.rmSync(old, { force: true });
  logger.info(
    { steps, copy, ...(earlier.length > 0 ? { earlierCopiesRemoved: earlier } : {}) },
    `database upgrade: this hub upgrades the tables of an earlier hub (${steps.join(', ')}), which that hub then ` +
      `will not open; ${file} as it was is kept as ${copy}. To go back to the earlier hub: stop this one, put the ` +
      'copy in place of hub.db (what was stored since is then lost), and start the earlier hub. Delete the copy ' +
      'once the new hub has proved itself (the next upgrade replaces it)',
  );
  return copy;
}
