// Compiles native/scrypt-thread.c (password hashes in a plain thread, no V8 isolate) into dist/native/; without a C
// compiler or Node's headers, says so and leaves the hub hashing in a worker thread (~10 MB more resident while a
// hash queue's thread lives).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'native', 'scrypt-thread.c');
const out = path.join(root, 'dist', 'native', 'telecare-scrypt-thread.node');
// node_api.h of the running Node (<prefix>/include/node).
const headers = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
const cc = process.env.CC || 'cc';
fs.mkdirSync(path.dirname(out), { recursive: true });
const skip = (reason) => {
  fs.rmSync(`${out}.tmp`, { force: true });
  fs.rmSync(out, { force: true });
  console.warn(
    `native/build-scrypt-thread.mjs: could not compile ${path.relative(root, source)} (${reason}): the hub hashes ` +
      'passwords in a worker thread instead (about 10 MB more memory while it runs). Install a C compiler ' +
      "(Debian: gcc) and Node's headers, then run npm run build again.",
  );
};
if (!['linux', 'darwin'].includes(process.platform)) {
  skip('Linux and macOS only');
} else if (!fs.existsSync(path.join(headers, 'node_api.h'))) {
  skip(`no node_api.h in ${headers}`);
} else {
  // The OpenSSL and Node-API symbols are the node binary's own, found when Node loads the addon.
  const args = ['-O2', '-Wall', '-Wextra', '-fPIC', '-shared', '-isystem', headers, '-o', `${out}.tmp`, source];
  args.push('-lpthread');
  if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
  const result = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status === 0) fs.renameSync(`${out}.tmp`, out);
  else skip(`'${cc}': ${result.error?.message ?? `exit ${result.status}`}`);
}
