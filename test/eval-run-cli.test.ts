// `npm run eval`'s own command line: its options are checked before any data is read (session 48: `--repeat`;
// session 49: every other option, a home asked for that is not there, and `telecare eval`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(projectRoot, 'dist/eval/run.js'), ...args], { encoding: 'utf8' });
const telecare = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(projectRoot, 'dist/bin/telecare.js'), ...args], { encoding: 'utf8' });

/** A data folder with one tiny home in Kasteren B and C's format (two days of a kitchen PIR and a front door). */
let dataDir = '';
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-cli-'));
  const home = path.join(dataDir, 'tiny-flat');
  fs.mkdirSync(home);
  fs.writeFileSync(
    path.join(home, 'sensors.tsv'),
    'id\tname\tsuggested_kind\troom\toriginal_label\n1\tPIR kitchen\tmotion\tkitchen\tpir\n2\tfront door\texit-door\tentrance\tdoor\n',
  );
  const events = ['start\tend\tsensor_id'];
  for (const day of ['2008-11-19', '2008-11-20', '2008-11-21'])
    for (const hour of ['08', '09', '12', '13', '18', '19', '21'])
      events.push(`${day}T${hour}:00:00\t${day}T${hour}:01:00\t1`, `${day}T${hour}:30:00\t${day}T${hour}:30:30\t1`);
  fs.writeFileSync(path.join(home, 'events.tsv'), `${events.join('\n')}\n`);
  fs.writeFileSync(path.join(home, 'activities.tsv'), 'start\tend\tactivity_id\tactivity\n');
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

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

  it("refuses --rules that is not JSON, or not a home's rules, with the configuration's words", () => {
    const notJson = run('--rules', '{"inactivity": {floorMinutes: 180}}', '--data', dataDir);
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toContain('--rules is not JSON');
    expect(notJson.stderr).toContain('line 1, column 17');
    expect(notJson.stderr).not.toMatch(/\bat (?:JSON\.parse|main|evaluate)\b/);
    const wrong = run('--rules', '{"inactivity": {"floorMinutes": "180"}, "inactivty": {}}', '--data', dataDir);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain(
      'rules.inactivity.floorMinutes: must be a number, not the text "180": write 180 without quotes',
    );
    expect(wrong.stderr).toContain('rules.inactivty: unknown field');
  });

  it('refuses a --max-cuts that is no whole number, an unknown option or a stray word, and an unknown perturbation', () => {
    const cases: [string[], string][] = [
      [['--max-cuts', 'lots'], "--max-cuts must be a whole number from 1 to 100000, not 'lots'"],
      [['--max-cuts', '0'], "--max-cuts must be a whole number from 1 to 100000, not '0'"],
      [['--maxcuts', '10'], "Unknown option '--maxcuts'"],
      [['homes'], "Unexpected argument 'homes'"],
      [['--robustness', '--perturbation', 'no-mat'], "no perturbation 'no-mat'; there are none, drop5"],
    ];
    for (const [args, said] of cases) {
      const r = run(...args, '--data', dataDir);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(said);
      expect(r.stderr).toContain('--help says what it takes');
      expect(r.stdout).toBe('');
    }
  });

  it('names the homes that are there when --home asks for one that is not', () => {
    const r = run('--only', 'homes', '--home', 'tiny_flat', '--data', dataDir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`no home 'tiny_flat' under ${dataDir}; the homes there: tiny-flat`);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-cli-empty-'));
    try {
      const none = run('--robustness', '--home', 'kasteren-b', '--data', empty);
      expect(none.status).toBe(1);
      expect(none.stderr).toContain("no home 'kasteren-b'");
      expect(none.stderr).toContain('no home recording is there');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('evaluates the home asked for, with the rules given, and a failure asked for by name without --failures', () => {
    const r = run(
      ...['--only', 'homes', '--home', 'tiny-flat', '--max-cuts', '5', '--data', dataDir, '--json'],
      ...['--rules', '{"inactivity": {"floorMinutes": 180}}'],
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      homes: { options: { rules: { inactivity?: { floorMinutes?: number } } }; homes: { id: string }[] };
    };
    expect(out.homes.homes.map((h) => h.id)).toEqual(['tiny-flat']);
    expect(out.homes.options.rules.inactivity?.floorMinutes).toBe(180);
    const robust = run('--robustness', '--perturbation', 'stuck-pir', '--max-cuts', '5', '--data', dataDir, '--json');
    expect(robust.status, robust.stderr).toBe(0);
    expect((JSON.parse(robust.stdout) as { perturbation: string }[]).map((row) => row.perturbation)).toEqual([
      'stuck-pir',
    ]);
  });

  it('draws the seeded rows with --seed N (session 69): another half of the sensors, said under the table', () => {
    // The tiny home has one device inside, its kitchen PIR: the default seed's half takes it out, seed 7's keeps it.
    const rows = (...seed: string[]) => {
      const r = run('--robustness', '--perturbation', 'half-sensors', '--max-cuts', '5', '--data', dataDir, ...seed);
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const json = (...seed: string[]) =>
      (JSON.parse(rows('--json', ...seed)) as { notApplicable?: string; result?: object }[])[0];
    expect(json()?.result).toBeDefined();
    expect(json('--seed', '11')?.result).toBeDefined();
    expect(json('--seed', '7')).toMatchObject({ notApplicable: 'nothing to remove' });
    expect(rows('--seed', '7')).toContain(
      'Seeded rows (drop5, jitter, half-sensors, half-die-mid, duplicates, bridge-flush) drawn with seed 7.',
    );
    expect(rows()).not.toContain('drawn with seed');
    expect(run('--help').stdout).toContain('--seed N (with --robustness)');
    // Refused before any data is read: not a whole number, or without --robustness.
    for (const [args, said] of [
      [['--robustness', '--seed', '1.5'], "--seed must be a whole number from 0 to 2147483647, not '1.5'"],
      [['--only', 'homes', '--seed', '3'], '--seed applies to --robustness alone'],
    ] as const) {
      const r = run(...args, '--data', dataDir);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(said);
      expect(r.stdout).toBe('');
    }
  });

  it('runs as `telecare eval` too, its options passed as given', () => {
    const help = telecare('eval', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--repeat N plays each home N times on end/);
    expect(telecare('--help').stdout).toMatch(/eval \[options\.\.\.\]\s+evaluate detection/);
    const bad = telecare('eval', '--only', 'walls', '--data', dataDir);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--only must be homes or wearable, not 'walls'");
    const r = telecare('eval', '--only', 'homes', '--home', 'tiny-flat', '--max-cuts', '5', '--data', dataDir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^tiny-flat\s+held out/m);
  });

  it('gives npm run eval:fall and eval:simulated a --help, and refuses an option they do not take', () => {
    const script = (name: string, ...args: string[]) =>
      spawnSync(process.execPath, [path.join(projectRoot, 'dist/eval', name), ...args], { encoding: 'utf8' });
    expect(script('wearable.js', '--help').stdout).toMatch(/^Usage: npm run eval:fall -- \[--details \| --cv/);
    const fall = script('wearable.js', '--detail');
    expect(fall.status).toBe(2);
    expect(fall.stderr).toContain("eval:fall: unknown option '--detail'");
    const simulated = script('simulated.js', '--help');
    expect(simulated.status).toBe(0);
    expect(simulated.stdout).toMatch(/^Usage: npm run eval:simulated -- \[--homes N\] \[--days N\]/);
  });
});
