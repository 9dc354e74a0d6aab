// Where `npm run build` puts a compiled native file (native/*.c → dist/native/), seen from a module of hub/.
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
