// `npm run eval`'s own command line: its options are checked before any data is read (session 48: `--repeat`).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(projectRoot, 'dist/eval/run.js'), ...args], { encoding: 'utf8' });

describe('npm run eval', () => {
  it('says what --repeat does in its help', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--repeat N plays each home N times on end/);
  });

  it('refuses a --repeat that is no whole number from 1 to 50, naming it, before reading any data', () => {
    for (const bad of ['0', '2.5', 'six', '51']) {
      const r = run('--repeat', bad, '--data', '/nonexistent');
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toContain(`--repeat must be a whole number from 1 to 50, not '${bad}'`);
    }
  });

  it('refuses --repeat with the robustness table or the wearables alone', () => {
    for (const args of [['--robustness'], ['--only', 'wearable']]) {
      const r = run(...args, '--repeat', '2', '--data', '/nonexistent');
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('--repeat applies to the homes alone');
    }
  });
});
