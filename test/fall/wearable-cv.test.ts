// The subject-wise cross-validation (eval/wearable-cv.ts): folds by subject, and the same figures as the evaluation itself.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crossValidate, foldsOf, formatCv } from '../../eval/wearable-cv.js';
import { evaluateWearables, type StreamCondition } from '../../eval/wearable.js';
import { projectRoot } from '../hub/helpers.js';

const dataDir = path.resolve(projectRoot, '../shared/data');
const sisfallPresent = fs.existsSync(path.join(dataDir, 'sisfall'));
if (!sisfallPresent)
  console.log(
    `SisFall absent at ${dataDir}/sisfall: the cross-validation test on it is skipped (see ../shared/data/README.md).`,
  );

describe('subject-wise cross-validation', () => {
  it('deals every subject into exactly one fold, round-robin', () => {
    const subjects = Array.from({ length: 23 }, (_, i) => `SA${String(i + 1).padStart(2, '0')}`);
    const folds = foldsOf(subjects, 4);
    expect(folds.map((f) => f.length)).toEqual([6, 6, 6, 5]);
    expect(folds.flat().sort()).toEqual(subjects);
    expect(folds[0]).toEqual(['SA01', 'SA05', 'SA09', 'SA13', 'SA17', 'SA21']);
  });

  it.skipIf(!sisfallPresent)(
    'counts on each fold what the evaluation counts on the same trials, and chooses on the other folds only',
    () => {
      const condition: StreamCondition = { rateHz: 20, irregular: false, harsh: true };
      const subjects = ['SA01', 'SA02', 'SA03', 'SA04'];
      const pick = (t: { subject: string; trialNo: number; code: string }): boolean =>
        subjects.includes(t.subject) && t.trialNo === 1 && /^(F0[1-5]|D1[0-4])$/.test(t.code);
      const cv = crossValidate(path.join(dataDir, 'sisfall'), {
        folds: 4,
        conditions: [condition],
        axes: [{ name: 'impactG', values: [1.9, 2.0, 2.1], lowRateOnly: false }],
        filter: pick,
      });
      expect(cv.folds.map((f) => f.subjects)).toEqual(subjects.map((s) => [s]));
      const pooled = { falls: 0, caught: 0, adl: 0, clean: 0 };
      for (const f of cv.folds) {
        const d = f.defaults[0];
        const t = f.retuned[0];
        if (!d || !t) throw new Error('a fold without figures');
        // Each subject did every one of these trials once.
        expect(d.falls).toBe(5);
        expect(d.adl).toBe(5);
        expect(t.falls).toBe(d.falls);
        pooled.falls += d.falls;
        pooled.caught += d.caught;
        pooled.adl += d.adl;
        pooled.clean += d.clean;
      }
      // The evaluation itself on the same trials (SA01–SA04 are tuning subjects: its tuning row).
      const ev = evaluateWearables(dataDir, { datasets: ['sisfall'], conditions: [condition], sisfallFilter: pick });
      const tuningRow = ev.rows.find((r) => !r.heldOut && /^young/.test(r.group));
      expect(tuningRow?.figures).toMatchObject({
        falls: pooled.falls,
        fallsCaught: pooled.caught,
        adlTrials: pooled.adl,
        adlTrialsClean: pooled.clean,
      });
      // The sweep's default value is the defaults' run, fold by fold.
      const sweep = cv.sweeps.find((s) => s.axis === 'impactG' && s.value === 2);
      expect(sweep?.perCondition[0]).toEqual(cv.folds.map((f) => f.defaults[0]));
      expect(formatCv(cv)).toContain('| 1 (SA01) | 20 Hz harsh |');
    },
    300_000,
  );
});
