// Review, session 73 (follow-up of the installer's walk): `telecare hub --check-config | head -1` ended with Node's
// unhandled `write EPIPE` stack once `head` had gone, and `telecare simulate --out - | head` with `telecare: write
// EPIPE` and status 1. The reader of standard output gone, the program now ends at once and quietly, with the status
// it already had (0 here: nothing failed), for every command (bin/telecare.ts, `endQuietlyWhenReaderGoes`).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cliPath, ONE_HOME_CONFIG, tempDir, writeConfig } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('review-s73-closed-stdout');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The CLI with its standard output a pipe whose only reader has closed before the program writes a byte (as `| head`
 * once it has read its lines): every write to it fails with EPIPE.
 */
async function withReaderGone(
  args: readonly string[],
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const proc = spawn(process.execPath, [cliPath, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.destroy();
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code, signal] = (await once(proc, 'close')) as [number | null, string | null];
  return { code, signal, stderr };
}

it('--check-config of a valid file, its lines unread: status 0, nothing on stderr', async () => {
  // The walk's case: a valid file with advice lines (no bed mat, no door contact) written one by one.
  const file = writeConfig(dir, ONE_HOME_CONFIG);
  const run = await withReaderGone(['hub', '--check-config', '--config', file]);
  expect(run.stderr).toBe('');
  expect(run).toEqual({ code: 0, signal: null, stderr: '' });
});

it('--check-config of an invalid file keeps its status 1 and its reasons on stderr', async () => {
  const file = writeConfig(dir, { homes: [{ ...ONE_HOME_CONFIG.homes[0], devices: 'none' }] });
  const run = await withReaderGone(['hub', '--check-config', '--config', file]);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^telecare hub: invalid configuration/);
  expect(run.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
});

it('the help and a command streaming events to stdout end quietly with status 0', async () => {
  for (const args of [
    ['--help'],
    ['hub', '--help'],
    ['simulate', '--start', '2026-01-12', '--days', '2', '--seed', '3', '--out', '-'],
  ]) {
    const run = await withReaderGone(args);
    // Before, simulate: `telecare: write EPIPE`, status 1; check-config: the stack of an unhandled 'error' event.
    expect({ args, ...run }).toEqual({
      args,
      code: 0,
      signal: null,
      stderr: expect.not.stringMatching(/EPIPE|Error|\n\s+at /),
    });
  }
  expect(fs.readdirSync(dir)).toEqual([]);
});
