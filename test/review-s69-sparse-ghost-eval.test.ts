// Session 69 review (issue 11): Kasteren B (a tuning home) with other seeded halves of its sensors taken out, the
// layouts whose kitchen PIR fires on its own while nobody is home and while the resident sleeps in a bed no sensor
// left watches. Its lone night triggers, once the home has shown that PIR firing in the empty home, no longer arm
// possible-fall: cold-start false alarms per row before -> after: `half-sensors-s2` 8 -> 7, `-s4` 11 -> 9, `-s6` 5 -> 4
// (eval/README.md "Session 69 review"). A floor: fewer is welcome, more fails. Skipped without ../shared/data.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateRobustness } from '../eval/homes-robustness.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(projectRoot, '../shared/data');
const haveB = fs.existsSync(path.join(dataDir, 'kasteren-houseB', 'events.tsv'));
if (!haveB)
  console.warn(`review-s69-sparse-ghost: skipped, no Kasteren B under ${dataDir} (see ../shared/data/README.md)`);

describe('Kasteren B with half its sensors (other seeds): the kitchen PIR firing alone at night', () => {
  it.skipIf(!haveB)(
    'raises at most 7, 9 and 4 cold-start false alarms in half-sensors-s2, -s4, -s6 (before: 8, 11, 5)',
    () => {
      const rows = evaluateRobustness(dataDir, {
        only: ['kasteren-b'],
        failures: true,
        perturbations: ['half-sensors-s2', 'half-sensors-s4', 'half-sensors-s6'],
        maxCutsPerHome: 150,
        onSkip: () => {},
      });
      const cold = Object.fromEntries(rows.map((r) => [r.perturbation, r.result?.falseAlarms.coldStart.count]));
      const floor = { 'half-sensors-s2': 7, 'half-sensors-s4': 9, 'half-sensors-s6': 4 };
      expect(Object.keys(cold).sort()).toEqual(Object.keys(floor));
      for (const [row, most] of Object.entries(floor)) expect(cold[row], row).toBeLessThanOrEqual(most);
      // Nothing missed, and no false alarm moved past the fortnight instead.
      for (const r of rows) {
        expect(r.result?.delay.all.missed, r.perturbation).toBe(0);
        expect(r.result?.falseAlarms.after.count, r.perturbation).toBe(0);
      }
    },
  );
});
