// The run's template PostgreSQL cluster (test/support/pg-template.ts, docs/testing.md session 38), in a folder of this
// file's own: callers at once make one template, each gets a cluster of its own that a server starts on; a folder
// that already holds a cluster is left alone; a template that could not be made leaves each start to initdb.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalPostgres } from '../central/postgres.js';
import { seedPostgresData } from './support/pg-template.js';
import { freePort } from './hub/helpers.js';

const havePostgres = fs.existsSync('/usr/lib/postgresql');
if (!havePostgres) console.warn('skipping the template cluster tests: no PostgreSQL server binaries');

const dirs: string[] = [];
function tempFolder(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `telecare-pg-template-${name}-`));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!havePostgres)('the run’s template cluster', () => {
  it('is made once for callers at once, and each gets a cluster of its own that a server starts on', async () => {
    const run = tempFolder('run');
    const a = tempFolder('a');
    const b = tempFolder('b');
    await Promise.all([seedPostgresData(a, run), seedPostgresData(b, run)]);
    expect(fs.readdirSync(run).sort()).toEqual(['pg-template', 'pg-template.lock', 'pg-template.ready']);
    for (const dir of [a, b]) expect(fs.existsSync(path.join(dir, 'data', 'PG_VERSION'))).toBe(true);
    // Copies, not links to the template: what a server writes in one is in no other.
    const files = [path.join(run, 'pg-template'), a, b].map((dir) =>
      fs.lstatSync(path.join(dir, 'data', 'global', 'pg_control')),
    );
    expect(new Set(files.map((f) => f.ino)).size).toBe(3);
    for (const f of files) expect(f.isFile()).toBe(true);
    const server = await startLocalPostgres({ dir: a, port: await freePort(), unsafeFast: true });
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
    // A later caller copies the template made.
    const c = tempFolder('c');
    await seedPostgresData(c, run);
    expect(fs.existsSync(path.join(c, 'data', 'PG_VERSION'))).toBe(true);
  });

  it('leaves a folder that holds a cluster alone, and copies nothing when the template could not be made', async () => {
    const run = tempFolder('failed');
    fs.mkdirSync(path.join(run, 'pg-template.lock'));
    fs.writeFileSync(path.join(run, 'pg-template.failed'), 'initdb failed');
    const d = tempFolder('d');
    await seedPostgresData(d, run);
    expect(fs.existsSync(path.join(d, 'data'))).toBe(false);

    const e = tempFolder('e');
    fs.mkdirSync(path.join(e, 'data'));
    fs.writeFileSync(path.join(e, 'data', 'mine'), 'x');
    await seedPostgresData(e, run);
    expect(fs.readdirSync(path.join(e, 'data'))).toEqual(['mine']);
  });
});
