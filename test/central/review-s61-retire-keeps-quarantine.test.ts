// Session 61: `telecare central hub remove` read the cluster's layout (cluster.json) before its database work and
// saved its change to that copy after: a hub quarantined meanwhile by a worker (central/quarantine.ts writes the
// quarantine list into the same file) was let in again by the retirement of another hub. Real PostgreSQL; the
// database work held up by a row lock another connection holds (as a worker's transaction would), the quarantine
// written during it as a worker writes it; no NATS node runs (the layout's files are what is checked).
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { removeHub } from '../../central/command.js';
import { createLayout, loadLayout, saveLayout } from '../../central/nats-cluster.js';
import { startLocalPostgres, type LocalPostgres } from '../../central/postgres.js';
import { migrateCentral } from '../../central/schema.js';
import { seedPostgresData } from '../support/pg-template.js';
import { freePort, tempDir } from '../hub/helpers.js';
import { missingForConsole } from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the retirement's layout test: ${missing}`);

describe.skipIf(missing !== undefined)('review s61: retiring a hub keeps a quarantine written meanwhile', () => {
  const dir = tempDir('s61-retire-layout');
  let postgres: LocalPostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    await seedPostgresData(dir);
    postgres = await startLocalPostgres({ dir, port: await freePort(), unsafeFast: true });
    pool = new pg.Pool({ connectionString: postgres.url, max: 3 });
    pool.on('error', () => undefined);
    const client = await pool.connect();
    await migrateCentral(client);
    client.release();
  });

  afterAll(async () => {
    await pool?.end();
    await postgres?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('revokes the retired hub and leaves the other hub quarantined', async () => {
    const clusterDir = `${dir}/nats`;
    const { layout } = await createLayout({ dir: clusterDir, nodes: 1, bcryptCost: 4 });
    saveLayout({
      ...layout,
      hubs: ['hub-old', 'hub-loud'].map((hubId) => ({ hubId, passwordHash: layout.centrePasswordHash })),
    });
    await pool.query(
      `INSERT INTO central_hubs (hub_id, last_seen_at, status) VALUES ('hub-old', now(), 'online'),
       ('hub-loud', now(), 'online')`,
    );
    // A worker's transaction holds hub-old's row: the retirement waits for it.
    const worker = await pool.connect();
    await worker.query('BEGIN');
    await worker.query(`SELECT 1 FROM central_hubs WHERE hub_id = 'hub-old' FOR UPDATE`);
    const removing = removeHub(clusterDir, postgres.url, 'hub-old', 'installer-ann');
    await vi.waitFor(
      async () => {
        const waiting = await pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`);
        expect(waiting.rows[0].n).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 20 },
    );
    // Meanwhile a worker quarantines hub-loud (applyQuarantine: the list from the database into the layout).
    saveLayout({ ...loadLayout(clusterDir), quarantined: ['hub-loud'] });
    await worker.query('COMMIT');
    worker.release();
    const removed = await removing;
    expect(removed.retired).toBe(true);
    const after = loadLayout(clusterDir);
    expect(after.hubs.map((h) => h.hubId)).toEqual(['hub-loud']);
    expect(after.retired?.map((r) => r.hubId)).toEqual(['hub-old']);
    expect(after.quarantined).toEqual(['hub-loud']);
  });
});
