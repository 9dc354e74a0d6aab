// One PostgreSQL cluster made by initdb for the whole vitest run, copied into each test's data folder before
// startLocalPostgres (which runs initdb only on a folder without a cluster). initdb is about 1.3 s of CPU and 2-3 s
// of wall; a copy (`cp -a`) about 0.1 s of CPU. The cluster is made the product's own way, by startLocalPostgres
// itself (a server started on it once and stopped cleanly), in the run's folder (test/support/chromium-global.ts,
// removed at the run's end). The first caller makes it (`mkdir` of a lock: one caller wins); the others wait for it.
// Outside the run's config, or when the template could not be made, nothing is copied and each start runs initdb as
// before. docs/testing.md, session 38.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { startLocalPostgres } from '../../central/postgres.js';
import { freePort } from '../hub/helpers.js';

/** How long a caller waits for another file's template before running initdb itself. */
const WAIT_MS = 120_000;

function runDir(): string | undefined {
  try {
    return inject('sharedChromiumDir');
  } catch {
    return undefined;
  }
}

async function template(run: string): Promise<string | undefined> {
  const data = path.join(run, 'pg-template', 'data');
  const ready = path.join(run, 'pg-template.ready');
  const failed = path.join(run, 'pg-template.failed');
  try {
    fs.mkdirSync(path.join(run, 'pg-template.lock'));
  } catch {
    // Another file makes it: wait for its verdict.
    const deadline = Date.now() + WAIT_MS;
    while (Date.now() < deadline) {
      if (fs.existsSync(ready)) return data;
      if (fs.existsSync(failed)) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }
  try {
    const server = await startLocalPostgres({
      dir: path.join(run, 'pg-template'),
      port: await freePort(),
      unsafeFast: true,
    });
    await server.stop();
    fs.rmSync(path.join(run, 'pg-template', 'socket'), { recursive: true, force: true });
    fs.writeFileSync(ready, '');
    return data;
  } catch (err) {
    fs.writeFileSync(failed, String(err));
    return undefined;
  }
}

/**
 * Puts a copy of the run's template cluster at `<dir>/data`, for startLocalPostgres({ dir, unsafeFast: true }) to
 * start on instead of running initdb. Does nothing when `<dir>/data` exists, outside the run's config, or when the
 * template could not be made. `run`: the folder holding the template (the run's, by default).
 */
export async function seedPostgresData(dir: string, run: string | undefined = runDir()): Promise<void> {
  if (run === undefined || fs.existsSync(path.join(dir, 'data'))) return;
  const data = await template(run);
  if (data === undefined) return;
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('cp', ['-a', data, path.join(dir, 'data')]);
  if (r.status !== 0) throw new Error(`copying the template cluster: ${r.stderr.toString()}`);
}
