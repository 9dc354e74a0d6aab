// Review, session 68 (a newcomer's path): a configuration with a value of the wrong JSON shape was told in the
// schema's words, with nothing to say what to write: `residents[0]: must be object` for `"residents": ["r1"]`,
// `nightWindow: must be object` for `"23:00-06:00"`, `must be number` for `"120"`, `must be boolean` for `"no"`,
// `homes: must be array` for a home without its brackets; a file holding one home (as `telecare replay --config`
// takes it) got one `unknown field` line per field; `"devices"` beside `"homes"`, `unknown field`; an empty file,
// `Unexpected end of JSON input`; curly quotes from a word processor, only the place where JSON.parse stopped. Each is
// now said with what was written and what to write. The real CLI, `telecare hub --check-config`.
import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('review-s68-config-shapes');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const PENDANT = { id: 'p1', kind: 'pendant', room: 'living' };

/** A home as the README writes it, with `changes` over it. */
function home(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'h1', timezone: 'Europe/London', residents: [{ id: 'r1' }], devices: [PENDANT], ...changes };
}

/** `--check-config` of `config` (an object written as JSON, or the file's text): exit code and stderr. */
function check(config: unknown): { status: number | null; stderr: string } {
  const file = writeConfig(dir, {});
  if (typeof config === 'string') fs.writeFileSync(file, config);
  else fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return runCli(['hub', '--check-config', '--config', file]);
}

it.each([
  [
    'a resident written as a name',
    { homes: [home({ residents: ['r1'] })] },
    'homes[0].residents[0]: must be an object with its id, not the text "r1": write { "id": "r1" }',
  ],
  [
    'a night window written as a range',
    { homes: [home({ nightWindow: '23:00-06:00' })] },
    'homes[0].nightWindow: must be an object, not the text "23:00-06:00": write { "start": "23:00", "end": "06:00" }',
  ],
  [
    'a number in quotes',
    { homes: [home({ rules: { inactivity: { floorMinutes: '120' } } })] },
    'homes[0].rules.inactivity.floorMinutes: must be a number, not the text "120": write 120 without quotes',
  ],
  [
    'yes/no in quotes',
    { homes: [home({ away: 'no' })] },
    'homes[0].away: must be true or false, not the text "no": write false without quotes',
  ],
  ['an id as a number', { homes: [home({ id: 7 })] }, 'homes[0].id: must be a string, not 7: write "7" in quotes'],
  [
    'one home without its brackets',
    { homes: home() },
    'homes: must be a list, not an object {...}: put it in square brackets, [ { ... } ] (a list of one is fine)',
  ],
  [
    'the devices beside the homes',
    { homes: [home({ devices: undefined })], devices: [PENDANT] },
    'devices: unknown field (a home\'s field: it goes inside its home, "homes": [ { "id": ..., "devices": ... } ])',
  ],
])('%s is told what to write', (_story, config, message) => {
  const run = check(config);
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`  ${message}\n`);
});

it('a file of one home is told to put it in "homes", in one line instead of one per field', () => {
  const run = check(home());
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('the file is one home, with no "homes" around it');
  expect(run.stderr).not.toContain('unknown field');
});

it('an empty file and curly quotes are named as such', () => {
  const empty = check('\n');
  expect(empty.status).toBe(1);
  expect(empty.stderr).toContain('the file is empty (a hub with no homes yet is {})');
  const curly = check('{\u201Chomes\u201D: []}');
  expect(curly.status).toBe(1);
  expect(curly.stderr).toContain('not valid JSON: ');
  expect(curly.stderr).toContain('the file has curly quotes');
  // The guard: the same file with straight quotes is valid.
  expect(check('{"homes": []}').status).toBe(0);
});
