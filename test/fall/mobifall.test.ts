// The MobiFall v2 evaluation produces its figures (all trials at 100 Hz; `npm run eval:fall` adds 50 and 200 Hz and the cost).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateMobifall, formatFigures } from '../../eval/mobifall.js';
import { mobifallRoot } from '../../eval/mobifall-data.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const root = mobifallRoot(projectRoot);
const present = fs.existsSync(root);
if (!present) console.log(`MobiFall data absent at ${root}: dataset evaluation skipped (see ../shared/data/README.md).`);

describe.skipIf(!present)('fall detector on MobiFall v2', () => {
  it('feeds falls and daily activities through the detector and reports sensitivity and specificity per split', () => {
    const report = evaluateMobifall(root);
    console.log(formatFigures('tuning', report.tuning) + '\n' + formatFigures('test', report.test));
    for (const split of [report.tuning, report.test]) {
      expect(split.falls).toBeGreaterThan(0);
      expect(split.adlTrials).toBeGreaterThan(0);
      expect(split.sensitivity).toBeGreaterThanOrEqual(0);
      expect(split.sensitivity).toBeLessThanOrEqual(1);
      expect(split.specificity).toBeGreaterThanOrEqual(0);
      expect(split.specificity).toBeLessThanOrEqual(1);
      expect(split.falseAlarmsPerHour['all ADL'].hours).toBeGreaterThan(0);
    }
  });
});
