// The wearable evaluation on real recordings (SisFall, MobiFall): held-out figures must not fall below floors set from them.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateWearables, formatWearableTable, type StreamCondition, type WearableRow } from '../../eval/wearable.js';
import { perHour, sensitivity, specificity } from '../../eval/wearable-figures.js';
import { projectRoot } from '../hub/helpers.js';

const dataDir = path.resolve(projectRoot, '../shared/data');
const sisfallPresent = fs.existsSync(path.join(dataDir, 'sisfall'));
const mobifallPresent = fs.existsSync(path.join(dataDir, 'mobifall-v2'));
if (!sisfallPresent)
  console.log(`SisFall absent at ${dataDir}/sisfall: its evaluation test is skipped (see ../shared/data/README.md).`);
if (!mobifallPresent)
  console.log(
    `MobiFall absent at ${dataDir}/mobifall-v2: its evaluation test is skipped (see ../shared/data/README.md).`,
  );

/** A deterministic half of the held-out subjects (every other one), to stay within a minute on a shared machine. */
const SUBSET = new Set([
  'SA08',
  'SA10',
  'SA12',
  'SA14',
  'SA16',
  'SA18',
  'SA20',
  'SA22',
  'SE01',
  'SE03',
  'SE05',
  'SE08',
  'SE10',
  'SE12',
  'SE14',
]);
/** The worst wearable of the evaluation: 20 Hz, ±2 g, ±30 % sample jitter, 5 % dropped, bursts. */
const CHEAP: StreamCondition = { rateHz: 20, irregular: false, harsh: true, rangeG: 2 };
const HIGH_REGULAR: StreamCondition = { rateHz: 200, irregular: false };
/** A BLE wearable whose link drops for 1–2 s across the impact itself (tenth round). */
const GAP_ACROSS: StreamCondition = { rateHz: 50, irregular: false, gap: 'across' };

function row(rows: WearableRow[], group: RegExp, condition: StreamCondition): WearableRow {
  const found = rows.find((r) => r.heldOut && group.test(r.group) && r.condition === condition);
  if (!found) throw new Error(`no held-out row ${group} at ${JSON.stringify(condition)}`);
  return found;
}

describe.skipIf(!sisfallPresent)('wearable fall detector on SisFall, held-out subjects', () => {
  // Floors: the held-out figures of this subset when they were set (docs/fall-detection.md), less a margin
  // of about one to two trials, so a real regression fails and noise of one trial does not.
  it('keeps sensitivity, specificity and walking false alarms on a cheap 20 Hz ±2 g wearable, at 200 Hz and across a gap', () => {
    const results = evaluateWearables(dataDir, {
      datasets: ['sisfall'],
      conditions: [CHEAP, HIGH_REGULAR, GAP_ACROSS],
      sisfallFilter: (t) => SUBSET.has(t.subject),
    });
    console.log(formatWearableTable(results));
    const young20 = row(results.rows, /^young SA08/, CHEAP).figures;
    const young200 = row(results.rows, /^young SA08/, HIGH_REGULAR).figures;
    const older20 = row(results.rows, /^older/, CHEAP).figures;
    const older200 = row(results.rows, /^older/, HIGH_REGULAR).figures;
    expect(young20.falls).toBe(598);
    // Set from this subset in issue 11's fourth round (stillness measures gravity, posture also from
    // 2.4–1.6 s before the impact): 586/598 and 622/630 on the cheap wearable, 595/598 and 621/630 at
    // 200 Hz, older 410/413 and 411/413 (third round: 584, 621, 593, 621, 410, 411).
    expect(sensitivity(young20)).toBeGreaterThanOrEqual(0.976);
    expect(specificity(young20)).toBeGreaterThanOrEqual(0.984);
    expect(sensitivity(young200)).toBeGreaterThanOrEqual(0.991);
    expect(specificity(young200)).toBeGreaterThanOrEqual(0.982);
    expect(specificity(older20)).toBeGreaterThanOrEqual(0.99);
    expect(specificity(older200)).toBeGreaterThanOrEqual(0.992);
    // A fall recorded as info (the wearer judged up) calls nobody: it must never be the only trace of a fall.
    expect(young20.fallsOnlyRecorded + young200.fallsOnlyRecorded).toBe(0);
    // Walking and jogging (0.9 h of each group): none. Before the fourth round the cheap wearable raised one
    // (D04_SA20_R01: the recording ends in a jogging stride's flight phase, judged as lying still).
    expect([...young20.falseAlarmTrials, ...older20.falseAlarmTrials].filter((l) => /^D0[1-4]_/.test(l))).toEqual([]);
    // Since the fifth round walking also counts stairs (D05, D06): on the cheap wearable one subject's stairs
    // taken quickly call out twice in this subset (D06_SA22_R03, R05), as they did before, among daily activities.
    expect(young20.walkingAlarms + older20.walkingAlarms).toBeLessThanOrEqual(2);
    expect(young200.walkingAlarms + older200.walkingAlarms).toBe(0);
    expect(perHour(young200.walkingAlarms, young200.walkingMs)).toBe(0);
    // A gap across the impact (tenth round: judged from the postures around the gap when the wearer was walking
    // before it): 248/598, 628/630 and older 410/413 in this subset; 75/598 before, specificity the same.
    const across = row(results.rows, /^young SA08/, GAP_ACROSS).figures;
    expect(sensitivity(across)).toBeGreaterThanOrEqual(0.41);
    expect(specificity(across)).toBeGreaterThanOrEqual(0.995);
    expect(specificity(row(results.rows, /^older/, GAP_ACROSS).figures)).toBeGreaterThanOrEqual(0.99);
    // About 20 s of CPU; a time-out only for a hung run: beside another test file on a loaded shared
    // 2-core machine it took 163 s of wall time.
  }, 400_000);
});

describe.skipIf(!mobifallPresent)('wearable fall detector on MobiFall v2, held-out falls and trials', () => {
  it('keeps sensitivity and specificity at 100 Hz, and at 25 and 20 Hz behind an anti-alias filter', () => {
    const at100Hz: StreamCondition = { rateHz: 100, irregular: false };
    const at25Hz: StreamCondition = { rateHz: 25, irregular: false };
    const at20Hz: StreamCondition = { rateHz: 20, irregular: false };
    const gapBefore: StreamCondition = { rateHz: 50, irregular: false, gap: 'before' };
    const gapAfter: StreamCondition = { rateHz: 50, irregular: false, gap: 'after' };
    const gapAcross: StreamCondition = { rateHz: 50, irregular: false, gap: 'across' };
    const at20HzIrregular: StreamCondition = { rateHz: 20, irregular: true };
    const at20HzHarsh: StreamCondition = { rateHz: 20, irregular: false, harsh: true };
    const results = evaluateWearables(dataDir, {
      datasets: ['mobifall'],
      conditions: [at100Hz, at25Hz, at20Hz, gapBefore, gapAfter, gapAcross, at20HzIrregular, at20HzHarsh],
    });
    console.log(formatWearableTable(results));
    const at100 = row(results.rows, /subj\. 6/, at100Hz).figures;
    const at25 = row(results.rows, /subj\. 6/, at25Hz).figures;
    const at20 = row(results.rows, /subj\. 6/, at20Hz).figures;
    expect(at100.falls).toBe(72);
    // 71/72 and 18/19 at 100 Hz; 70/72 and 18/19 at 25 Hz; 67/72 and 18/19 at 20 Hz (twelfth round: the speed
    // lost over the landing; 69/72 and 64/72 before, below the goal at 20 Hz: a pocketed phone clipped at ±2 g
    // behind a real 20 Hz filter, docs/fall-detection.md). Third round: 68/72 at 25 Hz and 63/72 at 20 Hz.
    expect(sensitivity(at100)).toBeGreaterThanOrEqual(0.97);
    expect(specificity(at100)).toBeGreaterThanOrEqual(0.94);
    expect(sensitivity(at25)).toBeGreaterThanOrEqual(0.958);
    expect(specificity(at25)).toBeGreaterThanOrEqual(0.94);
    expect(sensitivity(at20)).toBeGreaterThanOrEqual(0.916);
    expect(specificity(at20)).toBeGreaterThanOrEqual(0.94);
    expect(at100.walkingAlarms + at25.walkingAlarms + at20.walkingAlarms).toBe(0);
    // A BLE wearable's radio gap of 1–2 s just before or just after the impact (fifth round): 65/72 and
    // 67/72, 18/19 each; before the fifth round a gap over 1.5 s restarted the detector: 23/72 each.
    const before = row(results.rows, /subj\. 6/, gapBefore).figures;
    const after = row(results.rows, /subj\. 6/, gapAfter).figures;
    expect(sensitivity(before)).toBeGreaterThanOrEqual(0.888);
    expect(sensitivity(after)).toBeGreaterThanOrEqual(0.916);
    expect(specificity(before)).toBeGreaterThanOrEqual(0.94);
    expect(specificity(after)).toBeGreaterThanOrEqual(0.94);
    // A gap across the impact itself (tenth round: judged from the postures around the gap when the wearer was seen
    // walking before it): 10/72 and 19/19; 9/72 before. MobiFall's falls mostly start from standing, not walking.
    const across = row(results.rows, /subj\. 6/, gapAcross).figures;
    expect(sensitivity(across)).toBeGreaterThanOrEqual(0.135);
    expect(specificity(across)).toBeGreaterThanOrEqual(0.94);
    // The cheapest wearables' timing at 20 Hz (sixteenth round, session 34: floors one trial under the figures
    // measured on main, 66/72 and 18/19 irregular, 62/72 and 19/19 harsh; without the twelfth round's landing test
    // 63/72 and 58/72, which these floors fail). No floor guarded these rows before.
    const irregular20 = row(results.rows, /subj\. 6/, at20HzIrregular).figures;
    const harsh20 = row(results.rows, /subj\. 6/, at20HzHarsh).figures;
    expect(sensitivity(irregular20)).toBeGreaterThanOrEqual(0.902);
    expect(specificity(irregular20)).toBeGreaterThanOrEqual(0.94);
    expect(sensitivity(harsh20)).toBeGreaterThanOrEqual(0.847);
    expect(specificity(harsh20)).toBeGreaterThanOrEqual(0.94);
    expect(irregular20.walkingAlarms + harsh20.walkingAlarms).toBe(0);
  }, 200_000);
});
