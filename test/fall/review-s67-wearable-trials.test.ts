// Session 67: wearable recordings nobody here has seen, in the MobiFall and SisFall formats, built in a temporary
// folder. Before: a trial of no samples (a header alone) counted as a fall missed or as a clean daily activity, and a
// subject of another id (SA24, SE16, MobiFall's sub12) was counted under a group named for other subjects.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateWearables } from '../../eval/wearable.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-s67-wearable-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const header = '#Activity: 10 - FOL - Fall forward lying - 10s\n#Subject ID: 12\n@DATA\n';

describe('wearable recordings with a trial of no samples', () => {
  it('leaves out (and says) a MobiFall or SisFall trial with a header and no samples; counts none of them', () => {
    const mobi = path.join(dir, 'mobifall-v2', 'sub12');
    fs.mkdirSync(path.join(mobi, 'FALLS', 'FOL'), { recursive: true });
    fs.mkdirSync(path.join(mobi, 'ADL', 'STD'), { recursive: true });
    fs.writeFileSync(path.join(mobi, 'FALLS', 'FOL', 'FOL_acc_12_1.txt'), header);
    // One sample and a NaN line: still no time span.
    fs.writeFileSync(
      path.join(mobi, 'ADL', 'STD', 'STD_acc_12_1.txt'),
      `${header}1000, 0, 9.81, 0\n2000, NaN, NaN, NaN\n`,
    );
    fs.mkdirSync(path.join(dir, 'sisfall', 'SE16'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sisfall', 'SE16', 'D01_SE16_R01.txt.gz'), zlib.gzipSync(''));
    const skipped: string[] = [];
    const results = evaluateWearables(dir, {
      conditions: [{ rateHz: 50, irregular: false }],
      onSkip: (file, why) => skipped.push(`${path.basename(file)}: ${why}`),
    });
    // Before: the empty fall counted as a fall missed, the empty walks and daily activity as clean trials.
    const counted = results.rows.reduce((n, r) => n + r.figures.falls + r.figures.adlTrials, 0);
    expect(counted).toBe(0);
    expect(skipped).toEqual([
      'D01_SE16_R01.txt.gz: 0 sample(s): not a trial, left out',
      'FOL_acc_12_1.txt: 0 sample(s) after its header: not a trial, left out',
      'STD_acc_12_1.txt: 1 sample(s) after its header: not a trial, left out',
    ]);
  });
});

describe('wearable subjects of other ids', () => {
  it('names the held-out groups by the subjects there: SA24, SE16, MobiFall subject 12 at 20 Hz', () => {
    // Ten seconds of a wearer standing still: SisFall counts at 200 Hz (1 g = 256 counts), MobiFall at 20 Hz in m/s².
    const still = Array.from({ length: 2000 }, () => '0,-256,0;').join('\n');
    for (const [subject, code] of [
      ['SA24', 'D01'],
      ['SE16', 'D07'],
    ]) {
      fs.mkdirSync(path.join(dir, 'sisfall', subject ?? ''), { recursive: true });
      fs.writeFileSync(path.join(dir, 'sisfall', subject ?? '', `${code}_${subject}_R01.txt.gz`), zlib.gzipSync(still));
    }
    const fol = path.join(dir, 'mobifall-v2', 'sub12', 'FALLS', 'FOL');
    fs.mkdirSync(fol, { recursive: true });
    const samples = Array.from({ length: 200 }, (_, k) => `${1_000_000_000 + k * 50_000_000}, 0.1, -9.81, 0.2`);
    fs.writeFileSync(path.join(fol, 'FOL_acc_12_1.txt'), `${header}${samples.join('\n')}\n`);
    const results = evaluateWearables(dir, { conditions: [{ rateHz: 50, irregular: false }] });
    expect(results.rows.map((r) => `${r.dataset} ${r.group}`)).toEqual([
      'SisFall young SA24',
      'SisFall older SE16 (daily activities)',
      'MobiFall falls subj. 12, even ADL trials, STD, WAL',
    ]);
    // Each counted once, in its group: a daily activity each, and a fall (a still recording: missed).
    expect(results.rows.map((r) => [r.figures.adlTrials, r.figures.falls])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
  });
});

describe('wearable datasets unpacked in another layout', () => {
  it('says a MobiFall or SisFall folder in which no trial is found, instead of leaving its rows out in silence', () => {
    const deep = path.join(dir, 'mobifall-v2', 'MobiFall_Dataset_v2.0', 'sub1', 'FALLS', 'FOL');
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(deep, 'FOL_acc_1_1.txt'), `${header}1000000000, 0, -9.81, 0\n1050000000, 0, -9.81, 0\n`);
    fs.mkdirSync(path.join(dir, 'sisfall', 'SisFall_dataset', 'SA01'), { recursive: true });
    const skipped: string[] = [];
    const results = evaluateWearables(dir, {
      conditions: [{ rateHz: 50, irregular: false }],
      onSkip: (file, why) => skipped.push(`${path.relative(dir, file)}: ${why}`),
    });
    expect(results.rows).toEqual([]);
    expect(skipped).toEqual([
      'sisfall: no trial found (SisFall is read as SUBJECT/CODE_SUBJECT_RNN.txt[.gz], e.g. SA01/D01_SA01_R01.txt)',
      'mobifall-v2: no trial found (MobiFall is read as subN/FALLS|ADL/CODE/CODE_acc_N_T.txt)',
    ]);
  });
});
