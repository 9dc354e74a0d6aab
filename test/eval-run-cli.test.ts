// `npm run eval`'s own command line: its options are checked before any data is read (session 48: `--repeat`;
// session 49: every other option, a home asked for that is not there, and `telecare eval`).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `node script ...args`, its exit status and output (as `spawnSync` gives them, a non-zero exit included). Not
 * synchronous: the runs of a test that do not depend on one another are started together and awaited together
 * (`Promise.all`), each still a process of its own through the script's real entry (session 75).
 */
function node(script: string, args: readonly string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(projectRoot, script), ...args],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        resolve({ status: err ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
      },
    );
  });
}
const run = (...args: string[]): Promise<Ran> => node('dist/eval/run.js', args);
const telecare = (...args: string[]): Promise<Ran> => node('dist/bin/telecare.js', args);

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
  it('says what --repeat does in its help', async () => {
    const r = await run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--repeat N plays each home N times on end/);
  });

  it('refuses a --repeat that is no whole number from 1 to 50, naming it, before reading any data', async () => {
    const bads = ['0', '2.5', 'six', '51'];
    const refused = await Promise.all(bads.map((bad) => run('--repeat', bad, '--data', '/nonexistent')));
    bads.forEach((bad, i) => {
      const r = refused[i]!;
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toContain(`--repeat must be a whole number from 1 to 50, not '${bad}'`);
    });
  });

  it('refuses --repeat with the robustness table or the wearables alone', async () => {
    const cases = [['--robustness'], ['--only', 'wearable']];
    const refused = await Promise.all(cases.map((args) => run(...args, '--repeat', '2', '--data', '/nonexistent')));
    cases.forEach((args, i) => {
      const r = refused[i]!;
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('--repeat applies to the homes alone');
    });
  });

  it("refuses --rules that is not JSON, or not a home's rules, with the configuration's words", async () => {
    const [notJson, wrong] = await Promise.all([
      run('--rules', '{"inactivity": {floorMinutes: 180}}', '--data', dataDir),
      run('--rules', '{"inactivity": {"floorMinutes": "180"}, "inactivty": {}}', '--data', dataDir),
    ]);
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toContain('--rules is not JSON');
    expect(notJson.stderr).toContain('line 1, column 17');
    expect(notJson.stderr).not.toMatch(/\bat (?:JSON\.parse|main|evaluate)\b/);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain(
      'rules.inactivity.floorMinutes: must be a number, not the text "180": write 180 without quotes',
    );
    expect(wrong.stderr).toContain('rules.inactivty: unknown field');
  });

  it('refuses a --max-cuts that is no whole number, an unknown option or a stray word, and an unknown perturbation', async () => {
    const cases: [string[], string][] = [
      [['--max-cuts', 'lots'], "--max-cuts must be a whole number from 1 to 100000, not 'lots'"],
      [['--max-cuts', '0'], "--max-cuts must be a whole number from 1 to 100000, not '0'"],
      [['--maxcuts', '10'], "Unknown option '--maxcuts'"],
      [['homes'], "Unexpected argument 'homes'"],
      [['--robustness', '--perturbation', 'no-mat'], "no perturbation 'no-mat'; there are none, drop5"],
    ];
    const refused = await Promise.all(cases.map(([args]) => run(...args, '--data', dataDir)));
    cases.forEach(([args, said], i) => {
      const r = refused[i]!;
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(said);
      expect(r.stderr).toContain('--help says what it takes');
      expect(r.stdout).toBe('');
    });
  });

  it('names the homes that are there when --home asks for one that is not', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-cli-empty-'));
    try {
      const [r, none] = await Promise.all([
        run('--only', 'homes', '--home', 'tiny_flat', '--data', dataDir),
        run('--robustness', '--home', 'kasteren-b', '--data', empty),
      ]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`no home 'tiny_flat' under ${dataDir}; the homes there: tiny-flat`);
      expect(none.status).toBe(1);
      expect(none.stderr).toContain("no home 'kasteren-b'");
      expect(none.stderr).toContain('no home recording is there');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('evaluates the home asked for, with the rules given, and a failure asked for by name without --failures', async () => {
    const [r, robust] = await Promise.all([
      run(
        ...['--only', 'homes', '--home', 'tiny-flat', '--max-cuts', '5', '--data', dataDir, '--json'],
        ...['--rules', '{"inactivity": {"floorMinutes": 180}}'],
      ),
      run('--robustness', '--perturbation', 'stuck-pir', '--max-cuts', '5', '--data', dataDir, '--json'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      homes: { options: { rules: { inactivity?: { floorMinutes?: number } } }; homes: { id: string }[] };
    };
    expect(out.homes.homes.map((h) => h.id)).toEqual(['tiny-flat']);
    expect(out.homes.options.rules.inactivity?.floorMinutes).toBe(180);
    expect(robust.status, robust.stderr).toBe(0);
    expect((JSON.parse(robust.stdout) as { perturbation: string }[]).map((row) => row.perturbation)).toEqual([
      'stuck-pir',
    ]);
  });

  it('draws the seeded rows with --seed N (session 69): another half of the sensors, said under the table', async () => {
    // The tiny home has one device inside, its kitchen PIR: the default seed's half takes it out, seed 7's keeps it.
    const rows = async (...seed: string[]): Promise<string> => {
      const r = await run(
        '--robustness',
        '--perturbation',
        'half-sensors',
        '--max-cuts',
        '5',
        '--data',
        dataDir,
        ...seed,
      );
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const json = async (...seed: string[]) =>
      (JSON.parse(await rows('--json', ...seed)) as { notApplicable?: string; result?: object }[])[0];
    // Refused before any data is read: not a whole number, or without --robustness.
    const refusals = [
      [['--robustness', '--seed', '1.5'], "--seed must be a whole number from 0 to 2147483647, not '1.5'"],
      [['--only', 'homes', '--seed', '3'], '--seed applies to --robustness alone'],
    ] as const;
    const [byDefault, seed11, seed7, seed7Table, defaultTable, help, ...refused] = await Promise.all([
      json(),
      json('--seed', '11'),
      json('--seed', '7'),
      rows('--seed', '7'),
      rows(),
      run('--help'),
      ...refusals.map(([args]) => run(...args, '--data', dataDir)),
    ]);
    expect(byDefault?.result).toBeDefined();
    expect(seed11?.result).toBeDefined();
    expect(seed7).toMatchObject({ notApplicable: 'nothing to remove' });
    expect(seed7Table).toContain(
      'Seeded rows (drop5, jitter, half-sensors, half-die-mid, duplicates, bridge-flush) drawn with seed 7.',
    );
    expect(defaultTable).not.toContain('drawn with seed');
    expect(help.stdout).toContain('--seed N (with --robustness)');
    refusals.forEach(([args, said], i) => {
      const r = refused[i]!;
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(said);
      expect(r.stdout).toBe('');
    });
  });

  it('runs as `telecare eval` too, its options passed as given', async () => {
    const [help, listing, bad, r] = await Promise.all([
      telecare('eval', '--help'),
      telecare('--help'),
      telecare('eval', '--only', 'walls', '--data', dataDir),
      telecare('eval', '--only', 'homes', '--home', 'tiny-flat', '--max-cuts', '5', '--data', dataDir),
    ]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--repeat N plays each home N times on end/);
    expect(listing.stdout).toMatch(/eval \[options\.\.\.\]\s+evaluate detection/);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--only must be homes or wearable, not 'walls'");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^tiny-flat\s+held out/m);
  });

  it('gives npm run eval:fall and eval:simulated a --help, and refuses an option they do not take', async () => {
    const script = (name: string, ...args: string[]): Promise<Ran> => node(path.join('dist/eval', name), args);
    const [fallHelp, fall, simulated] = await Promise.all([
      script('wearable.js', '--help'),
      script('wearable.js', '--detail'),
      script('simulated.js', '--help'),
    ]);
    expect(fallHelp.stdout).toMatch(/^Usage: npm run eval:fall -- \[--details \| --cv/);
    expect(fall.status).toBe(2);
    expect(fall.stderr).toContain("eval:fall: unknown option '--detail'");
    expect(simulated.status).toBe(0);
    expect(simulated.stdout).toMatch(/^Usage: npm run eval:simulated -- \[--homes N\] \[--days N\]/);
  });
});
