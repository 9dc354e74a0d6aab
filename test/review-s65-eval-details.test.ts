// Session 65 (issue 11, sparse homes): `--details` says what the resident was doing, by the recording's own annotation.
// Reading why a sparse layout calls out meant opening the activity files by hand for every alarm: the list gave the
// silence, the threshold and the last device, not whether the resident was asleep in a bed no sensor sees (nearly every
// cold-start false alarm of the sparse rows, eval/README.md "Session 65"), out, or up at home.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(projectRoot, 'dist/eval/run.js'), ...args], { encoding: 'utf8' });

/**
 * A flat in Kasteren B and C's format with a kitchen PIR, a front door and nothing in the bedroom: three days of the
 * kitchen by day, each evening's last movement at 21:59 and the resident annotated asleep from 22:00 to 07:00 (gone to
 * bed past no sensor), and an afternoon out on the second day.
 */
let dataDir = '';
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-s65-details-'));
  const home = path.join(dataDir, 'unseen-bed-flat');
  fs.mkdirSync(home);
  fs.writeFileSync(
    path.join(home, 'sensors.tsv'),
    'id\tname\tsuggested_kind\troom\toriginal_label\n1\tPIR kitchen\tmotion\tkitchen\tpir\n2\tfront door\texit-door\tentrance\tdoor\n',
  );
  const days = ['2008-11-19', '2008-11-20', '2008-11-21'];
  const events = ['start\tend\tsensor_id'];
  const activities = ['start\tend\tactivity_id\tactivity'];
  for (const [i, day] of days.entries()) {
    for (const hour of ['07', '08', '09', '12', '13', '18', '19', '21'])
      events.push(`${day}T${hour}:10:00\t${day}T${hour}:11:00\t1`, `${day}T${hour}:40:00\t${day}T${hour}:40:30\t1`);
    events.push(`${day}T21:59:00\t${day}T21:59:20\t1`);
    const next = days[i + 1];
    if (next) activities.push(`${day}T22:00:00\t${next}T07:00:00\t10\tgo to bed`);
  }
  events.push('2008-11-20T14:00:00\t2008-11-20T14:00:05\t2', '2008-11-20T17:00:00\t2008-11-20T17:00:05\t2');
  activities.push('2008-11-20T14:00:10\t2008-11-20T16:59:50\t1\tleave house');
  events.sort();
  fs.writeFileSync(path.join(home, 'events.tsv'), `${events.join('\n')}\n`);
  fs.writeFileSync(path.join(home, 'activities.tsv'), `${activities.join('\n')}\n`);
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run eval -- --details', () => {
  it('says for each false alarm whether it fell in the cold start and what the resident was doing, by the annotation', () => {
    const r = run('--only', 'homes', '--data', dataDir, '--details', '--max-cuts', '5');
    expect(r.status, r.stderr).toBe(0);
    const alarms = r.stdout.split('\n').filter((line) => /^ {2}\d{4}-\d\d-\d\dT\d\d:\d\dZ {2}\S/.test(line));
    expect(alarms.length, r.stdout).toBeGreaterThan(0);
    for (const line of alarms) expect(line).toMatch(/, (cold start|after), resident (asleep|out|up|unannotated) -> /);
    // The evenings' silences after the kitchen at 21:59, the resident asleep in the bed nothing sees.
    expect(alarms.filter((line) => / -> asleep$/.test(line)).length, r.stdout).toBeGreaterThan(0);
  });

  it('the same in the robustness rows', () => {
    const r = run('--robustness', '--data', dataDir, '--details', '--max-cuts', '5', '--perturbation', 'drop5');
    expect(r.status, r.stderr).toBe(0);
    const alarms = r.stdout.split('\n').filter((line) => /^ {2}\d{4}-\d\d-\d\dT\d\d:\d\dZ {2}\S/.test(line));
    expect(alarms.length, r.stdout).toBeGreaterThan(0);
    for (const line of alarms) expect(line).toMatch(/, (cold start|after), resident (asleep|out|up|unannotated) -> /);
  });
});
