// The way out learned on the real homes, had nobody marked it: each home's own exit door, and within days (skipped
// without the data). Session 42, eval/README.md "Twenty-fifth round".
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { learnExitDoor } from '../eval/exit-doors.js';
import { loadHomes } from '../eval/homes-data.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(projectRoot, '../shared/data');
const present = fs.existsSync(dataDir);
if (!present) console.warn(`eval-exit-doors: data tests skipped, no ${dataDir} (see ../shared/data/README.md)`);

describe.skipIf(!present)('the way out learned on the shared homes, every contact read as a plain door', () => {
  it('is each home’s own exit door, and no inside door (Kasteren A, B, C, CASAS)', () => {
    const findings = loadHomes(dataDir).map(learnExitDoor);
    expect(findings.map((f) => f.home)).toEqual(['kasteren-a', 'kasteren-b', 'kasteren-c', 'casas']);
    for (const f of findings) expect(f.isExitDoor, f.home).toEqual([true]);
    // Within the first week where the door reports the homecomings (B's kitchen PIR sees most of them first: 14.4 d).
    const days = Object.fromEntries(findings.map((f) => [f.home, f.afterDays]));
    expect(days['kasteren-a']).toBeLessThan(7);
    expect(days['kasteren-c']).toBeLessThan(7);
    expect(days.casas).toBeLessThan(7);
    expect(days['kasteren-b']).toBeLessThan(21);
  });
});
