// Where `npm run build` puts a compiled native file (native/*.c → dist/native/), seen from a module of hub/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The build's `dist/native/<name>` for the module at `callerUrl` (its `import.meta.url`): from dist/hub/ the file is
 * dist/native/; from the TypeScript sources (tests), the build's copy.
 */
export function builtNativeFile(name: string, callerUrl: string): string {
  const file = fileURLToPath(callerUrl);
  const dir = path.dirname(file);
  return file.endsWith('.ts')
    ? path.resolve(dir, '..', 'dist', 'native', name)
    : path.resolve(dir, '..', 'native', name);
}

/**
 * The function `name` an addon at `library` exports, or why there is none: not built (`missing` says what the build
 * lacked), does not load, or exports no such function. A hub without it runs as before.
 */
/** A function an addon exports, typed by its caller. */
export type AddonFunction = (...args: never[]) => unknown;

export function loadAddonFunction(
  library: string,
  name: string,
  missing: string,
): AddonFunction | { unavailable: string } {
  if (!existsSync(library)) return { unavailable: `${library} not built (${missing})` };
  try {
    const mod = { exports: {} as Record<string, unknown> };
    process.dlopen(mod, library);
    const fn = mod.exports[name];
    return typeof fn === 'function' ? (fn as AddonFunction) : { unavailable: `${library} has no ${name}()` };
  } catch (err) {
    return { unavailable: (err as Error).message };
  }
}
