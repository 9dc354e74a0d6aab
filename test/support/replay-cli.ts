// `telecare replay` run as an installer runs it (the compiled CLI in a process of its own), with a one-home configuration.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
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

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Monday 5 Jan 2026, midnight in London (UTC in winter). */
export const MONDAY = Date.UTC(2026, 0, 5);

/** One sensor event of home h1, as `telecare replay` reads it (NDJSON). */
export interface EventLine {
  ts: string;
  homeId: string;
  deviceId: string;
  type: string;
  value: boolean;
}

/** A recording of home h1 under construction (a generated home's events); each test adds its devices' habits. */
export class Recording {
  readonly lines: EventLine[] = [];
  add(t: number, deviceId: string, type: string, value: boolean): void {
    this.lines.push({ ts: new Date(t).toISOString(), homeId: 'h1', deviceId, type, value });
  }
  /** Written to `name` in `dir` in time order, one JSON line an event; the file's path. */
  write(dir: string, name: string): string {
    const file = path.join(dir, name);
    this.lines.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
    fs.writeFileSync(file, `${this.lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    return file;
  }
}

/** A temporary folder named from `prefix`, made before the calling file's tests and removed after them. */
export function tempFolderPerFile(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => dir!;
}
