// Where a worker thread's compiled script is: next to this module in dist/, also when the caller runs from TypeScript sources (tests).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The compiled script `<name>.js` of the folder of `callerUrl`. Under `tsc` output that is a sibling; when the caller
 * is a `.ts` source (vitest runs them), worker threads cannot load TypeScript, so the build in `dist/` is used
 * (`npm run build`, which `npm test` runs first).
 */
export function workerScript(callerUrl: string, name: string): string {
  const file = fileURLToPath(callerUrl);
  const dir = path.dirname(file);
  if (!file.endsWith('.ts')) return path.join(dir, `${name}.js`);
  const folder = path.basename(dir);
  const script = path.resolve(dir, '..', 'dist', folder, `${name}.js`);
  if (!existsSync(script)) throw new Error(`worker script ${script} is missing: run npm run build`);
  return script;
}
