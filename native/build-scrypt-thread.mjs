import { buildAddon } from './addon.mjs';

// The OpenSSL and Node-API symbols are the node binary's own, found when Node loads the addon.
buildAddon({
  script: 'build-scrypt-thread.mjs',
  source: 'scrypt-thread.c',
  out: 'telecare-scrypt-thread.node',
  platforms: ['linux', 'darwin'],
  unsupported: 'Linux and macOS only',
  headers: ['node_api.h'],
  compiler: process.env.CC || 'cc',
  flags: (headers) => ['-O2', '-Wall', '-Wextra', '-fPIC', '-shared', '-isystem', headers],
  libs: ['-lpthread'],
  without:
    'the hub hashes passwords in a worker thread instead (about 10 MB more memory while it runs). Install a C ' +
    "compiler (Debian: gcc) and Node's headers",
});
