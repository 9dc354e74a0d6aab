// `telecare report` as a user runs it: the compiled CLI on a real hub database, while the hub still has it open.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestHubDb, type TestHubDb } from './hub-db.js';
import { config, november, PERSONAL } from './november.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cliPath = path.join(projectRoot, 'dist/bin/telecare.js');

function telecare(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
    env: { ...process.env, HUB_CONFIG: '', HUB_DATA_DIR: '' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('telecare report', () => {
  let hub: TestHubDb;
  let configFile: string;
  beforeAll(async () => {
    if (!fs.existsSync(cliPath)) throw new Error(`build first (npx tsc -p .): ${cliPath} is missing`);
    hub = await openTestHubDb(config);
    await november(hub);
    configFile = path.join(hub.dir, 'telecare.config.json');
    fs.writeFileSync(configFile, JSON.stringify(config));
  });
  afterAll(async () => {
    await hub.close();
  });

  /** `telecare report` on the test hub's data and configuration. */
  const reportOn = (): string[] => ['report', '--data-dir', hub.dir, '--config', configFile];

  it('writes the JSON report of a period to stdout, naming nobody', () => {
    const run = telecare([...reportOn(), '--from', '2026-11-01', '--to', '2026-11-30']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      report: 'prevention',
      period: { from: '2026-11-01', to: '2026-11-30' },
      alerts: { total: 35 },
    });
    for (const word of PERSONAL) expect(run.stdout.toLowerCase()).not.toContain(word);
  });

  it('writes CSV to a file with --format csv --out', () => {
    const out = path.join(hub.dir, 'november.csv');
    const run = telecare([
      ...reportOn(),
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-30',
      '--format',
      'csv',
      '--out',
      out,
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    const csv = fs.readFileSync(out, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('section,item,measure,value');
    expect(csv).toContain('alerts,all,count,35');
  });

  it('says clearly when there is no hub database', () => {
    const missing = path.join(hub.dir, 'no-such-dir');
    const run = telecare(['report', '--data-dir', missing]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`no hub database at ${path.join(missing, 'hub.db')}`);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it("refuses another program's SQLite file named hub.db (no report of zeros) and leaves it as it was", () => {
    const other = path.join(hub.dir, 'not-a-hub');
    fs.mkdirSync(other);
    const file = path.join(other, 'hub.db');
    const db = new Database(file);
    db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)');
    db.close();
    const run = telecare(['report', '--data-dir', other]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${file} is not a hub database (no events or alerts or schema_migrations table)`);
    const after = new Database(file, { readonly: true });
    const tables = after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    after.close();
    expect(tables).toEqual([{ name: 'photos' }]);
  });

  it('refuses bad dates and formats, naming the option', () => {
    const base = reportOn();
    expect(telecare([...base, '--from', '2026-13-01'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("--from: '2026-13-01' is not a date"),
    });
    expect(telecare([...base, '--from', '2026-11-30', '--to', '2026-11-01'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('after'),
    });
    expect(telecare([...base, '--format', 'xml'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("--format: 'xml'"),
    });
  });

  it('explains itself with --help', () => {
    const run = telecare(['report', '--help']);
    expect(run.status).toBe(0);
    for (const option of ['--data-dir', '--from', '--to', '--format', '--out']) expect(run.stdout).toContain(option);
  });
});
