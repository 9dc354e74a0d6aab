import { buildAddon } from './addon.mjs';

buildAddon({
  script: 'build-v8-release.mjs',
  source: 'v8-release.cc',
  out: 'telecare-v8-release.node',
  platforms: ['linux', 'darwin'],
  unsupported: 'Linux and macOS only',
  headers: ['node_api.h', 'v8-isolate.h'],
  compiler: process.env.CXX || 'c++',
  flags: (headers) => ['-std=c++17', '-O2', '-Wall', '-Wextra', '-fPIC', '-shared', '-isystem', headers],
  without:
    "the hub's V8 heap pages go back only when V8 chooses (a few MB more resident after start). Install a C++ " +
    "compiler (Debian: g++) and Node's headers",
});
