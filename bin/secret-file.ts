// Secrets for the command-line tools read from a file (or the environment), never from an argument `ps` shows.
import { readFileSync } from 'node:fs';
import { unreadableCause } from '../hub/pem-files.js';
import { looseFileAdvice } from '../hub/private-files.js';

/** The secret in `file` (surrounding whitespace and the final newline dropped); the error names the option and code. */
export function readPasswordFile(file: string, option = '--password-file'): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`${option} ${file}: ${unreadableCause(err, 'this command')}`, { cause: err });
  }
}

/**
 * The hub's warning for a file of secrets every user of the machine can read (or change), for a command's password
 * file: `telecare bridge --password-file` took a file left 0644 without a word, where the hub names the chmod for its
 * configuration and keys (review, session 73). Undefined when the file is private enough or cannot be read.
 */
export function passwordFileAdvice(file: string, reader: string, option = '--password-file'): string | undefined {
  return looseFileAdvice(file, option, true, reader);
}
