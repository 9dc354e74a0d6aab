// Another process holding a SQLite database's write lock (a backup, `sqlite3` on the console), stopped by its pid.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { projectRoot } from '../hub/helpers.js';

export interface WriteLock {
  /** Commits, closes and waits for the process to end. */
  release(): Promise<void>;
  /** SIGKILL (its lock goes with it) and waits for the exit; a no-op once it has ended. */
  kill(): Promise<void>;
}

/**
 * Starts a process that takes the write lock of `dbFile` (`BEGIN IMMEDIATE`; with `writeRow`, it also writes a row
 * of `rule_state`, so its transaction has pages of its own) and keeps it until `release` or `kill`.
 */
export async function holdWriteLock(dbFile: string, options: { writeRow?: boolean } = {}): Promise<WriteLock> {
  const write = options.writeRow
    ? `db.prepare("INSERT INTO rule_state (key, json, updated_at, last_event_id) VALUES ('other-process', '{}', 0, 0)").run();`
    : '';
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    ${write}
    process.stdout.write('locked\\n');
    process.stdin.on('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script, dbFile], {
    cwd: projectRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(() => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).once('line', () => resolve());
      child.once('exit', (code) => reject(new Error(`lock holder exited (${code})`)));
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    release: async () => {
      if (child.exitCode === null && child.signalCode === null) child.stdin.write('release\n');
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
