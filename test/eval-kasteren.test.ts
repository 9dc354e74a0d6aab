// The evaluation on the real Kasteren house A recording runs and gives its figures (skipped without the data).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateKasteren, formatKasterenReport } from '../eval/kasteren.js';
import { loadKasteren } from '../eval/kasteren-data.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.resolve(projectRoot, '../shared/data/kasteren-houseA');
const present = fs.existsSync(path.join(dir, 'kasterenSenseData.txt'));
if (!present) console.warn(`eval-kasteren: skipped, no dataset at ${dir} (see ../shared/data/README.md)`);

describe.skipIf(!present)('evaluation on Kasteren house A', () => {
  it('converts every sensor row into two time-ordered events of mapped devices', () => {
    const rec = loadKasteren(dir);
    expect(rec.events.length).toBeGreaterThan(2000);
    expect(rec.events.length % 2).toBe(0);
    expect(rec.events.every((e, i) => i === 0 || (e.ts as number) >= (rec.events[i - 1]!.ts as number))).toBe(true);
    expect(rec.leaveHouse.length).toBeGreaterThan(10);
  });

  it('reports false alarms per 30 days and detection delays, beside the 12-hour stopwatch', () => {
    const figures = evaluateKasteren(dir, {}, 3);
    expect(figures.days).toBeGreaterThan(20);
    expect(Number.isFinite(figures.falseAlarms.per30Days)).toBe(true);
    expect(figures.delay.learned.cuts).toBeGreaterThan(100);
    expect(figures.delay.learned.medianMinutes).not.toBeNull();
    expect(figures.stopwatch.medianDelayMinutes).toBe(720);
    expect(formatKasterenReport(figures)).toMatch(/per 30 days[\s\S]*median/);
  });
});
