// Review, session 67: upgrading a hub (stop it, install the new version, start it on the same data folder) kept the
// data, but said nothing, and its schema steps left a file the earlier hub refuses ("written by a newer version of the
// hub ... restore a backup made by this version", exit code 4): an installer whose upgrade went wrong had no way back,
// for no backup had been asked for or made. The first start of the newer hub now keeps the file as it was beside it,
// owner-only, and its log says so and how to go back.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMA_STEPS } from '../../hub/database-upgrade.js';
import { adminGet, killHub, pendantAlert, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s67-upgrade');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts the hub on the story's data folder, as `npm start` after an upgrade does. */
async function start(): Promise<HubProcess> {
  hub = await spawnHub({ HUB_CONFIG: path.join(dir, 'telecare.config.json'), HUB_DATA_DIR: path.join(dir, 'data') });
  return hub;
}

/** Stops it as Ctrl-C does, and waits for the stop to finish. */
async function stop(running: HubProcess): Promise<void> {
  running.child.kill('SIGINT');
  expect(await running.exited).toBe(0);
  hub = undefined;
}

function schemaVersions(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT module, MAX(version) AS version FROM schema_migrations GROUP BY module').all() as {
      module: string;
      version: number;
    }[];
    return Object.fromEntries(rows.map((row) => [row.module, row.version]));
  } finally {
    db.close();
  }
}

const copiesIn = (data: string): string[] => fs.readdirSync(data).filter((f) => f.startsWith('hub.db.before-upgrade-'));

describe('a hub started on the data folder of an earlier hub', () => {
  it('keeps the database as it was beside it, says so, and keeps the data', async () => {
    writeConfig(dir);
    const data = path.join(dir, 'data');
    const dbFile = path.join(data, 'hub.db');
    const first = await start();
    const alert = await pendantAlert(first.mqttPort);
    await stop(first);
    // The hub's registry of schema steps is what a start applies: every module the file has is at its count.
    const fresh = schemaVersions(dbFile);
    for (const [module, version] of Object.entries(fresh))
      expect({ module, version }).toEqual({ module, version: SCHEMA_STEPS[module] });
    expect(copiesIn(data)).toEqual([]);

    // The file as the earlier hub left it: the MQTT credentials' table before its second step.
    const earlier = new Database(dbFile);
    earlier.exec(
      "ALTER TABLE mqtt_credentials DROP COLUMN unclaimed; DELETE FROM schema_migrations WHERE module = 'mqtt-auth' AND version = 2",
    );
    earlier.close();

    const upgraded = await start();
    const copies = copiesIn(data);
    expect(copies).toHaveLength(1);
    const copy = path.join(data, copies[0]!);
    expect(fs.statSync(copy).mode & 0o777).toBe(0o600);
    // The copy is the file as it was: the earlier hub's schema, the alert in it.
    expect(schemaVersions(copy)['mqtt-auth']).toBe(1);
    const copyDb = new Database(copy, { readonly: true });
    expect(copyDb.prepare('SELECT COUNT(*) AS n FROM alerts WHERE id = ?').get(alert.id)).toEqual({ n: 1 });
    copyDb.close();
    const said = upgraded
      .stdout()
      .split('\n')
      .filter((line) => line.includes('database upgrade'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('mqtt-auth 1→2');
    expect(said[0]).toContain(copy);
    // The data kept: the alert still open.
    const open = (await (await adminGet(upgraded.httpPort, '/api/alerts?state=open')).json()) as { id: string }[];
    expect(open.map((a) => a.id)).toContain(alert.id);
    await stop(upgraded);

    // The next start finds nothing to upgrade: no second copy.
    const again = await start();
    expect(again.stdout()).not.toContain('database upgrade');
    expect(copiesIn(data)).toEqual(copies);
    await stop(again);

    // A later upgrade keeps its own copy and removes the earlier one: one whole copy on the card, not one per upgrade.
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the copies are named to the second
    const older = new Database(dbFile);
    older.exec(
      "ALTER TABLE mqtt_credentials DROP COLUMN unclaimed; DELETE FROM schema_migrations WHERE module = 'mqtt-auth' AND version = 2",
    );
    older.close();
    const later = await start();
    const now = copiesIn(data);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(copies[0]);
    expect(later.stdout()).toContain('earlierCopiesRemoved');
  }, 120_000);
});
