// Compiles native/malloc-trim.c (memory glibc keeps after free() given back to the kernel) into dist/native/; without
// a C compiler, Node's headers or glibc, says so and leaves the hub without it (about 2-5 MB more resident memory).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'native', 'malloc-trim.c');
const out = path.join(root, 'dist', 'native', 'telecare-malloc-trim.node');
// node_api.h of the running Node (an official tarball or a distribution's package: <prefix>/include/node).
const headers = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
const cc = process.env.CC || 'cc';
fs.mkdirSync(path.dirname(out), { recursive: true });
const skip = (reason) => {
  fs.rmSync(`${out}.tmp`, { force: true });
  fs.rmSync(out, { force: true });
  console.warn(
    `native/build-malloc-trim.mjs: could not compile ${path.relative(root, source)} (${reason}): the hub runs without ` +
      'giving freed memory back to the kernel (a few MB more resident). Install a C compiler (Debian: gcc) and ' +
      "Node's headers, then run npm run build again.",
  );
};
if (process.platform !== 'linux') {
  skip('Linux and glibc only');
} else if (!fs.existsSync(path.join(headers, 'node_api.h'))) {
  skip(`no node_api.h in ${headers}`);
} else {
  const args = ['-O2', '-Wall', '-Wextra', '-fPIC', '-shared', '-I', headers, '-o', `${out}.tmp`, source];
  const result = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status === 0) fs.renameSync(`${out}.tmp`, out);
  else skip(`'${cc}': ${result.error?.message ?? `exit ${result.status}`}`);
}
