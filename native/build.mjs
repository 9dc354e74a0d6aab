// Compiles native/checkpoint.c (the store's WAL checkpoint thread) into dist/native/; without a C compiler, says so and
// leaves the hub to checkpoint in a worker thread.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'native', 'checkpoint.c');
const out = path.join(root, 'dist', 'native', 'telecare-checkpoint.so');
// sqlite3ext.h of the SQLite that better-sqlite3 is built with: the extension calls that library through its API table.
const sqliteDir = path.join(
  path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
  'deps',
  'sqlite3',
);
const cc = process.env.CC || 'cc';
fs.mkdirSync(path.dirname(out), { recursive: true });
const args = ['-O2', '-Wall', '-Wextra', '-fPIC', '-shared', '-I', sqliteDir, '-o', `${out}.tmp`, source, '-lpthread'];
const result = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (result.status === 0) {
  fs.renameSync(`${out}.tmp`, out);
} else {
  fs.rmSync(`${out}.tmp`, { force: true });
  fs.rmSync(out, { force: true });
  console.warn(
    `native/build.mjs: could not compile ${path.relative(root, source)} with '${cc}' ` +
      `(${result.error?.message ?? `exit ${result.status}`}): the hub checkpoints its WAL in a worker thread instead ` +
      '(about 10 MB more memory while it runs). Install a C compiler (Debian: gcc) and run npm run build again.',
  );
}
