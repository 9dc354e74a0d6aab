// What the Node-API addons' build scripts share (build-malloc-trim, build-v8-release, build-scrypt-thread): compile one
// source into dist/native/ against the running Node's headers, or say why not and leave the hub without it (each addon
// has a fallback); a failed compile leaves no half-written file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// node_api.h of the running Node (an official tarball or a distribution's package: <prefix>/include/node).
const headers = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');

/**
 * @param {object} addon
 * @param {string} addon.script      this build script's name, for its messages
 * @param {string} addon.source      the source file in native/
 * @param {string} addon.out         the addon's file name in dist/native/
 * @param {string[]} addon.platforms where it builds (process.platform values)
 * @param {string} addon.unsupported the reason given elsewhere
 * @param {string[]} addon.headers   the headers of Node's it needs
 * @param {string} addon.compiler    the compiler (CC / CXX from the environment first)
 * @param {(headers: string) => string[]} addon.flags  the compiler's flags before `-o`
 * @param {string[]} [addon.libs]    what follows the source (libraries)
 * @param {string} addon.without     what the hub does without it, and what to install
 */
export function buildAddon(addon) {
  const source = path.join(root, 'native', addon.source);
  const out = path.join(root, 'dist', 'native', addon.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const skip = (reason) => {
    fs.rmSync(`${out}.tmp`, { force: true });
    fs.rmSync(out, { force: true });
    console.warn(
      `native/${addon.script}: could not compile ${path.relative(root, source)} (${reason}): ${addon.without}, then run ` +
        'npm run build again.',
    );
  };
  if (!addon.platforms.includes(process.platform)) {
    skip(addon.unsupported);
    return;
  }
  if (!addon.headers.every((h) => fs.existsSync(path.join(headers, h)))) {
    skip(`no ${addon.headers.join(' or ')} in ${headers}`);
    return;
  }
  const args = [...addon.flags(headers), '-o', `${out}.tmp`, source, ...(addon.libs ?? [])];
  if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
  const result = spawnSync(addon.compiler, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status === 0) fs.renameSync(`${out}.tmp`, out);
  else skip(`'${addon.compiler}': ${result.error?.message ?? `exit ${result.status}`}`);
}
