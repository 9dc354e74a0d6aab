import { buildAddon } from './addon.mjs';

buildAddon({
  script: 'build-malloc-trim.mjs',
  source: 'malloc-trim.c',
  out: 'telecare-malloc-trim.node',
  platforms: ['linux'],
  unsupported: 'Linux and glibc only',
  headers: ['node_api.h'],
  compiler: process.env.CC || 'cc',
  flags: (headers) => ['-O2', '-Wall', '-Wextra', '-fPIC', '-shared', '-I', headers],
  without:
    'the hub runs without giving freed memory back to the kernel (a few MB more resident). Install a C compiler ' +
    "(Debian: gcc) and Node's headers",
});
