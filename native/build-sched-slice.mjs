// Compiles native/sched-slice.c (a short scheduling slice for the hub's event loop) into dist/native/; without a C
// compiler, Node's headers or Linux, says so and leaves the hub with the kernel's default slice.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'native', 'sched-slice.c');
const out = path.join(root, 'dist', 'native', 'telecare-sched-slice.node');
// node_api.h of the running Node (an official tarball or a distribution's package: <prefix>/include/node).
const headers = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
const cc = process.env.CC || 'cc';
fs.mkdirSync(path.dirname(out), { recursive: true });
const skip = (reason) => {
  fs.rmSync(`${out}.tmp`, { force: true });
  fs.rmSync(out, { force: true });
  console.warn(
    `native/build-sched-slice.mjs: could not compile ${path.relative(root, source)} (${reason}): the hub's event ` +
      "loop keeps the kernel's default scheduling slice. Install a C compiler (Debian: gcc) and Node's headers, " +
      'then run npm run build again.',
  );
};
if (process.platform !== 'linux') {
  skip('Linux only');
} else if (!fs.existsSync(path.join(headers, 'node_api.h'))) {
  skip(`no node_api.h in ${headers}`);
} else {
  const args = ['-O2', '-Wall', '-Wextra', '-fPIC', '-shared', '-I', headers, '-o', `${out}.tmp`, source];
  const result = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status === 0) fs.renameSync(`${out}.tmp`, out);
  else skip(`'${cc}': ${result.error?.message ?? `exit ${result.status}`}`);
}
