// Review, session 50: a `--features` file replay cannot write is refused before the replay, and never the input itself.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../hub/helpers.js';
import { runReplay } from '../support/replay-cli.js';

let dir: string;
let input: string;
beforeEach(() => {
  dir = tempDir('replay-features-file');
  input = path.join(dir, 'events.ndjson');
  const t0 = Date.UTC(2026, 0, 5, 9);
  const lines = [
    { ts: t0, homeId: 'h1', deviceId: 'hall', type: 'motion', value: true, room: 'hall' },
    { ts: t0 + 60_000, homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true },
  ];
  fs.writeFileSync(input, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('telecare replay --features FILE', () => {
  it('names a folder that does not exist before replaying anything (it replayed the whole input first)', () => {
    const run = runReplay(['--input', input, '--features', path.join(dir, 'no-such-folder', 'days.ndjson')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/--features .*no-such-folder.*ENOENT/);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toMatch(/events/);
  });

  it('refuses the input file itself, which it overwrote with the features after the replay', () => {
    const recording = fs.readFileSync(input, 'utf8');
    const run = runReplay(['--input', input, '--features', path.join(dir, '.', 'events.ndjson')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/--features .* is the --input file/);
    expect(fs.readFileSync(input, 'utf8')).toBe(recording);
  });
});
