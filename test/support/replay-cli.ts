// `telecare replay` run as an installer runs it (the compiled CLI in a process of its own), with a one-home configuration.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { cliPath } from '../hub/helpers.js';

export interface ReplayRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `telecare replay ...args` with `input` on stdin when given; waits up to a minute. */
export function runReplay(args: readonly string[], input?: string): ReplayRun {
  const r = spawnSync(process.execPath, [cliPath, 'replay', ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The JSON lines of `stdout`, parsed (blank lines skipped). */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Writes to `file` a configuration of one home h1 in London, resident r1, with `devices`. */
export function writeOneHomeConfig(file: string, devices: readonly object[]): void {
  fs.writeFileSync(
    file,
    JSON.stringify({
      homes: [{ id: 'h1', timezone: 'Europe/London', residents: [{ id: 'r1' }], devices }],
    }),
  );
}
