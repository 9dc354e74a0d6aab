// Compiles native/v8-release.cc (V8's committed heap pages given back once the hub has started) into dist/native/;
// without a C++ compiler or Node's headers, says so and leaves the hub without it (its heap pages go back only when
// V8's memory reducer runs: a few MB more resident for the first minute or more).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'native', 'v8-release.cc');
const out = path.join(root, 'dist', 'native', 'telecare-v8-release.node');
// node_api.h and v8-isolate.h of the running Node (<prefix>/include/node); -isystem: V8's headers' own warnings unshown.
const headers = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
const cxx = process.env.CXX || 'c++';
fs.mkdirSync(path.dirname(out), { recursive: true });
const skip = (reason) => {
  fs.rmSync(`${out}.tmp`, { force: true });
  fs.rmSync(out, { force: true });
  console.warn(
    `native/build-v8-release.mjs: could not compile ${path.relative(root, source)} (${reason}): the hub's V8 heap ` +
      'pages go back only when V8 chooses (a few MB more resident after start). Install a C++ compiler (Debian: g++) ' +
      "and Node's headers, then run npm run build again.",
  );
};
if (!['linux', 'darwin'].includes(process.platform)) {
  skip('Linux and macOS only');
} else if (!fs.existsSync(path.join(headers, 'node_api.h')) || !fs.existsSync(path.join(headers, 'v8-isolate.h'))) {
  skip(`no node_api.h or v8-isolate.h in ${headers}`);
} else {
  const args = [
    '-std=c++17',
    '-O2',
    '-Wall',
    '-Wextra',
    '-fPIC',
    '-shared',
    '-isystem',
    headers,
    '-o',
    `${out}.tmp`,
    source,
  ];
  if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
  const result = spawnSync(cxx, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status === 0) fs.renameSync(`${out}.tmp`, out);
  else skip(`'${cxx}': ${result.error?.message ?? `exit ${result.status}`}`);
}
