// Secrets for the command-line tools read from a file (or the environment), never from an argument `ps` shows.
import { readFileSync } from 'node:fs';
import { unreadableCause } from '../hub/pem-files.js';

/** The secret in `file` (surrounding whitespace and the final newline dropped); the error names the option and code. */
export function readPasswordFile(file: string, option = '--password-file'): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`${option} ${file}: ${unreadableCause(err, 'this command')}`, { cause: err });
  }
}
