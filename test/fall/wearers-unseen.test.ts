// Loaders of the public fall datasets nobody tuned on (SmartFallMM, UMAFall, the MobiFall subjects the shared copy
// lacks) on small generated files, the evaluation end to end on them, and floors on the real sets when present.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  endsAsItStarted,
  fallNotRecordedReason,
  listSmartfallTrials,
  readSmartfallRecording,
  unusableReason,
} from '../../eval/smartfallmm-data.js';
import { listUmafallTrials, readUmafallFile, spreadSharedStamps } from '../../eval/umafall-data.js';
import { listFallalldTrials, readFallalldRecording } from '../../eval/fallalld-data.js';
import {
  asRecordedMessages,
  evaluateUnseen,
  mobifallUnseenTrials,
  UNSEEN_CONDITIONS,
  type UnseenRow,
} from '../../eval/wearers-unseen.js';
import { LYING, UPRIGHT, fallSegments, freeFall, impact, render, still, walking } from './signals.js';

let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearers-unseen-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

type Vec = [number, number, number];

/** A MetaMotion CSV as SmartFallMM has it: epoch ms (rounded, as many of its files), time, elapsed s, x, y, z in g. */
function metaMotionCsv(samples: Vec[], rateHz: number, header = false): string {
  const rows = samples.map(
    (v, i) => `1658000000000.0,2022-07-16T14:45:16.644,${(10 + i / rateHz).toFixed(3)},${v[0]},${v[1]},${v[2]}`,
  );
  return (header ? 'epoch (ms),time (-11:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)\n' : '') + rows.join('\n');
}

function writeSmartfall(cohort: string, folder: string, name: string, text: string): string {
  const d = path.join(dir, 'smartfallmm', cohort, 'accelerometer', folder);
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, name), text);
  return path.join(d, name);
}

/** UMAFall rows: `TimeStamp;Sample No;x;y;z;Sensor_Type;Sensor_ID`, sensors interleaved as in its files. */
function umafallCsv(sensors: { id: number; samples: Vec[]; rateHz: number }[]): string {
  const rows: [number, string][] = [];
  for (const s of sensors)
    s.samples.forEach((v, i) => {
      const t = Math.round((i * 1000) / s.rateHz) + 100;
      rows.push([t, `${t};${i + 1};${v[0]};${v[1]};${v[2]};0;${s.id}`]);
      // A gyroscope row of the same sensor: not read.
      rows.push([t, `${t};${i + 1};120.5;-80.2;33.1;1;${s.id}`]);
    });
  rows.sort((a, b) => a[0] - b[0]);
  return ['TimeStamp;Sample No;X-Axis;Y-Axis;Z-Axis;Sensor_Type;Sensor_ID', ...rows.map((r) => r[1])].join('\n');
}

describe('SmartFallMM loader', () => {
  it('reads g and the elapsed column, dropping and counting headers, rows back in time and non-accelerometer rows', () => {
    const samples: Vec[] = [
      [0, -1, 0],
      [0, -1.01, 0],
      [0.1, -0.99, 0],
    ];
    const text =
      metaMotionCsv(samples, 50, true) +
      '\n\n' +
      // Back in time (a trial pasted after another): dropped.
      '1658000000000.0,2022-07-16T14:45:16.600,9.5,0,-1,0\n' +
      // A gyroscope reading in a file of accelerations: dropped.
      '1658000000000.0,2022-07-16T14:45:16.700,10.1,120.4,-33,2\n' +
      '1658000000000.0,2022-07-16T14:45:16.720,10.12,0,-1,0.02\n';
    const file = writeSmartfall('young', 'meta_hip', 'S30A10T01.csv', text);
    const rec = readSmartfallRecording(file);
    expect(Array.from(rec.tMs)).toEqual([0, 20, 40, 120]);
    expect(rec.y[1]).toBeCloseTo(-1.01, 6);
    expect(rec.z[3]).toBeCloseTo(0.02, 6);
    expect(rec.skippedRows).toBe(1);
    expect(rec.outOfOrderRows).toBe(1);
    expect(rec.outOfRangeRows).toBe(1);
    expect(rec.nominalRateHz).toBe(50);
  });

  it('lists trials by cohort and placement, falls being activities 10–14', () => {
    writeSmartfall('young', 'meta_hip', 'S30A10T01.csv', '');
    writeSmartfall('young', 'meta_hip', 'S30A09T02.csv', '');
    writeSmartfall('old', 'meta_hip', 'S04A08T03.csv', '');
    writeSmartfall('young', 'meta_wrist', 'S30A10T01.csv', '');
    writeSmartfall('young', 'meta_hip', 'notes.txt', '');
    const hip = listSmartfallTrials(path.join(dir, 'smartfallmm'), 'hip');
    expect(hip.map((t) => [t.cohort, t.subject, t.activity, t.trialNo, t.isFall])).toEqual([
      ['young', 30, 9, 2, false],
      ['young', 30, 10, 1, true],
      ['old', 4, 8, 3, false],
    ]);
    expect(listSmartfallTrials(path.join(dir, 'smartfallmm'), 'wrist')).toHaveLength(1);
  });

  it('says why a file is not run: mostly not accelerations, too short; a fall that never moved', () => {
    const gyro = writeSmartfall(
      'old',
      'meta_wrist',
      'S06A02T01.csv',
      metaMotionCsv(render([still(3, [30, 50, -20])], 50), 50),
    );
    expect(unusableReason(readSmartfallRecording(gyro))).toMatch(/beyond ±16 g/);
    const short = writeSmartfall(
      'old',
      'meta_hip',
      'S04A02T01.csv',
      metaMotionCsv(render([still(0.5, UPRIGHT)], 50), 50),
    );
    expect(unusableReason(readSmartfallRecording(short))).toMatch(/shorter than 1 s/);
    const flat = readSmartfallRecording(
      writeSmartfall('young', 'meta_hip', 'S35A10T01.csv', metaMotionCsv(render([still(5, UPRIGHT)], 25), 25)),
    );
    expect(unusableReason(flat)).toBeNull();
    expect(fallNotRecordedReason(flat)).toMatch(/no movement/);
    const fall = readSmartfallRecording(
      writeSmartfall('young', 'meta_hip', 'S30A10T01.csv', metaMotionCsv(render(fallSegments(5), 50), 50)),
    );
    expect(fallNotRecordedReason(fall)).toBeNull();
  });

  it('tells a recording that ends as it started (the wearer got up) from one that ends lying', () => {
    const lying = render(fallSegments(5), 50);
    const gotUp = render([...fallSegments(3), still(1, [0, -0.7, -0.7]), walking(4)], 50);
    const rec = (s: Vec[]) => ({
      tMs: s.map((_, i) => i * 20),
      x: s.map((v) => v[0]),
      y: s.map((v) => v[1]),
      z: s.map((v) => v[2]),
    });
    expect(endsAsItStarted(rec(lying))).toBe(false);
    expect(endsAsItStarted(rec(gotUp))).toBe(true);
  });
});

describe('UMAFall loader', () => {
  it('splits the accelerometer rows by sensor, skips other sensor types and malformed rows, spreads shared stamps', () => {
    const up = render([still(2, UPRIGHT)], 20);
    const text =
      umafallCsv([
        { id: 2, samples: up, rateHz: 20 },
        { id: 1, samples: render([still(2, LYING)], 20), rateHz: 20 },
      ]) +
      '\n107;9;1.010.645.031.929.010;0;1;0;2\n' +
      // The phone hands two samples over under one stamp, then one stamped before them.
      '200;1;0;-1;0;0;0\n205;2;0;-1;0;0;0\n205;3;0;-1;0;0;0\n203;4;0;-1;0;0;0\n210;5;0;-1;0;0;0\n';
    const file = path.join(dir, 'UMAFall_Subject_02_Fall_forwardFall_5_2016-06-13_20-54-39.csv');
    fs.writeFileSync(file, text);
    const read = readUmafallFile(file);
    expect(read.skippedRows).toBe(2);
    const waist = read.byPosition.get('waist');
    expect(waist?.tMs.length).toBe(40);
    expect(waist?.nominalRateHz).toBe(20);
    expect(waist?.y[0]).toBeCloseTo(-1, 1);
    expect(read.byPosition.get('chest')?.z[0]).toBeCloseTo(-1, 1);
    const pocket = read.byPosition.get('pocket');
    expect(Array.from(pocket?.tMs ?? [])).toEqual([0, 2.5, 5, 10]);
    expect(pocket?.sharedStampRows).toBe(1);
    expect(pocket?.outOfOrderRows).toBe(1);
    expect(read.byPosition.has('wrist')).toBe(false);
  });

  it('spreads a run of shared stamps over the interval before it, or after it at the start', () => {
    expect(Array.from(spreadSharedStamps(Float64Array.from([0, 6, 6, 6, 9])))).toEqual([0, 2, 4, 6, 9]);
    expect(Array.from(spreadSharedStamps(Float64Array.from([1, 1, 5])))).toEqual([-1, 1, 5]);
  });

  it('lists trials from the file names', () => {
    for (const name of [
      'UMAFall_Subject_02_Fall_forwardFall_5_2016-06-13_20-54-39.csv',
      'UMAFall_Subject_11_ADL_Sitting_GettingUpOnAChair_3_2017-04-14_23-29-29.csv',
      'README.txt',
    ])
      fs.writeFileSync(path.join(dir, name), '');
    expect(listUmafallTrials(dir).map((t) => [t.subject, t.activity, t.trialNo, t.isFall])).toEqual([
      [2, 'forwardFall', 5, true],
      [11, 'Sitting_GettingUpOnAChair', 3, false],
    ]);
  });
});

describe('FallAllD loader', () => {
  it('reads counts at 238 Hz into g (0.244 mg per count), skipping other rows, and lists a position by its device', () => {
    fs.writeFileSync(path.join(dir, 'S05_D1_A101_T02_A.dat'), '4098,0,0\n0,-4098,0\nx,1,2\n1,2\n0,0,-8196\n');
    for (const name of ['S05_D3_A020_T01_A.dat', 'S05_D2_A006_T01_A.dat', 'S05_D1_A101_T02_G.dat'])
      fs.writeFileSync(path.join(dir, name), '0,0,4098\n');
    const rec = readFallalldRecording(path.join(dir, 'S05_D1_A101_T02_A.dat'));
    expect(rec.x[0]).toBeCloseTo(1, 3);
    expect(rec.y[1]).toBeCloseTo(-1, 3);
    expect(rec.z[2]).toBeCloseTo(-2, 3);
    expect(rec.tMs[2]).toBeCloseTo(2000 / 238, 6);
    expect(rec.skippedRows).toBe(2);
    expect(listFallalldTrials(dir, ['neck', 'waist']).map((t) => [t.position, t.activity, t.isFall])).toEqual([
      ['neck', 101, true],
      ['waist', 20, false],
    ]);
  });
});

describe('what the evaluation sends and which MobiFall trials are unseen', () => {
  it('sends a recording as recorded: messages of up to 1 s, a new one at a gap, stamped at their first sample', () => {
    const tMs = [0, 40, 80, 120, 560, 600];
    const v = tMs.map(() => 0);
    const messages = asRecordedMessages(tMs, v, v, v, 25, 1_000_000);
    expect(messages.map((m) => [m.ts, m.value.samples.length, m.value.rate])).toEqual([
      [1_000_000, 4, 25],
      [1_000_560, 2, 25],
    ]);
    const long = Array.from({ length: 60 }, (_, i) => i * 40);
    expect(asRecordedMessages(long, long, long, long, 25, 0).map((m) => m.value.samples.length)).toEqual([25, 25, 10]);
  });

  it('takes the falls of subjects 12 and up and the daily activities of every subject but 2', () => {
    const put = (rel: string): void => {
      fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), '');
    };
    put('sub2/ADL/WAL/WAL_acc_2_1.txt');
    put('sub3/ADL/CSI/CSI_acc_3_1.txt');
    put('sub5/FALLS/FOL/FOL_acc_5_1.txt');
    put('sub12/FALLS/FOL/FOL_acc_12_1.txt');
    expect(mobifallUnseenTrials(dir).map((t) => `${t.code}_${t.subject}`)).toEqual(['FOL_12', 'CSI_3']);
  });
});

describe('the unseen-wearers evaluation on generated files', () => {
  it('catches a generated fall and no walking on SmartFallMM and UMAFall layouts, and lists absent sets', () => {
    const fall = render([walking(3), ...fallSegments(8)], 50);
    const walk = render([walking(20)], 50);
    writeSmartfall('young', 'meta_hip', 'S30A10T01.csv', metaMotionCsv(fall, 50));
    writeSmartfall('young', 'meta_hip', 'S30A08T01.csv', metaMotionCsv(walk, 50));
    const uma = path.join(dir, 'umafall', 'UMAFall_Dataset');
    fs.mkdirSync(uma, { recursive: true });
    fs.writeFileSync(
      path.join(uma, 'UMAFall_Subject_02_Fall_forwardFall_5_2016-06-13_20-54-39.csv'),
      umafallCsv([{ id: 2, samples: render([walking(3), ...fallSegments(8)], 20), rateHz: 20 }]),
    );
    fs.writeFileSync(
      path.join(uma, 'UMAFall_Subject_02_ADL_Walking_1_2016-06-13_20-27-49.csv'),
      umafallCsv([{ id: 2, samples: render([walking(20)], 20), rateHz: 20 }]),
    );
    const results = evaluateUnseen(dir, { datasets: ['mobifall', 'smartfall-hip', 'umafall-waist'] });
    expect(results.absent).toEqual([path.join(dir, 'mobifall-full')]);
    const rows = (dataset: string, group: RegExp): UnseenRow[] =>
      results.rows.filter((r) => r.dataset === dataset && group.test(r.group));
    for (const dataset of ['SmartFallMM', 'UMAFall']) {
      const falls = rows(dataset, /falls whose recording does not end/);
      const adl = rows(dataset, /daily activities/);
      expect(falls).toHaveLength(UNSEEN_CONDITIONS.length);
      expect(adl).toHaveLength(UNSEEN_CONDITIONS.length);
      // Harsh timing drops 5 % of samples at random, the impact's among them (eval/wearable-sensor.ts): not asserted.
      for (const r of falls.filter((f) => !f.condition.harsh))
        expect([r.condition.name, r.figures.fallsCaught, r.figures.falls]).toEqual([r.condition.name, 1, 1]);
      for (const r of adl) {
        expect([r.condition.name, r.figures.adlTrialsClean, r.figures.adlTrials]).toEqual([r.condition.name, 1, 1]);
        expect(r.figures.walkingMs).toBeGreaterThan(19_000);
      }
    }
    // UMAFall's chest was not asked for; the waist file of the ADL has no chest either way.
    expect(results.rows.some((r) => r.placement.startsWith('chest'))).toBe(false);
  });
});

describe('the unseen-wearers evaluation on a generated FallAllD layout', () => {
  it('splits FallAllD falls by its own label (with recovery or not), not by the last second', () => {
    const fa = path.join(dir, 'fallalld', 'FallAllD');
    fs.mkdirSync(fa, { recursive: true });
    const counts = (samples: Vec[]): string =>
      samples.map((v) => v.map((g) => Math.round(g / 0.000244)).join(',')).join('\n');
    // A fall from a bed: lying before, lying after (its last second is its first's posture: the label decides).
    const fromBed = render(
      [still(4, [0, 0, -1]), freeFall(0.3, [0, 0, -1]), impact(0.1, [0, -1, 0], 3), still(8, [0, -1, 0])],
      238,
    );
    fs.writeFileSync(path.join(fa, 'S01_D1_A127_T01_A.dat'), counts(fromBed));
    fs.writeFileSync(
      path.join(fa, 'S01_D1_A102_T01_A.dat'),
      counts(render([walking(3), ...fallSegments(3), walking(6)], 238)),
    );
    fs.writeFileSync(path.join(fa, 'S01_D1_A020_T01_A.dat'), counts(render([walking(15)], 238)));
    const asRecorded = UNSEEN_CONDITIONS.filter((c) => c.asRecorded);
    const results = evaluateUnseen(dir, { datasets: ['fallalld-neck'], conditions: asRecorded });
    expect(results.rows.map((r) => [r.group.split(' (')[0], r.figures.falls, r.figures.adlTrials])).toEqual([
      ['daily activities', 0, 1],
      ['falls "with recovery"', 1, 0],
      ['falls without recovery', 1, 0],
    ]);
  });
});

describe("the unseen-wearers evaluation and the hub's ingest", () => {
  it('gives the detector only what the hub accepts: a sample beyond ±64 g is dropped alone and counted', () => {
    const uma = path.join(dir, 'umafall', 'UMAFall_Dataset');
    fs.mkdirSync(uma, { recursive: true });
    const samples = render([walking(12)], 20);
    // A corrupted sample, as UMAFall subject 13's SensorTags have (100–316 g on one axis).
    samples[130] = [115, -1, 0];
    fs.writeFileSync(
      path.join(uma, 'UMAFall_Subject_13_ADL_Walking_1_2016-06-06_16-49-04.csv'),
      umafallCsv([{ id: 1, samples, rateHz: 20 }]),
    );
    const asRecorded = UNSEEN_CONDITIONS.filter((c) => c.asRecorded);
    const results = evaluateUnseen(dir, { datasets: ['umafall-chest'], conditions: asRecorded });
    expect(results.rejectedMessages).toBe(0);
    expect(results.droppedSamples).toBe(1);
    expect(results.rows.map((r) => [r.figures.adlTrials, r.figures.adlTrialsClean, r.figures.walkingMs > 0])).toEqual([
      [1, 1, true],
    ]);
  });
});

const realDir =
  process.env.WEARERS_UNSEEN_DATA ?? path.resolve(import.meta.dirname, '../../../shared/data/wearers-unseen');
const umafallPresent = fs.existsSync(path.join(realDir, 'umafall', 'UMAFall_Dataset'));
const smartfallPresent = fs.existsSync(path.join(realDir, 'smartfallmm'));
if (!umafallPresent || !smartfallPresent)
  console.log(
    `UMAFall or SmartFallMM absent at ${realDir}: their floors are skipped (WEARERS_UNSEEN_DATA names the folder; ` +
      'docs/fall-detection.md, "Seventeenth round", says where the copies come from).',
  );

describe.skipIf(!umafallPresent || !smartfallPresent)('the detector on wearers nobody tuned on (real sets)', () => {
  it('keeps a waist at 20 Hz and a hip at 25–50 Hz catching falls and quiet in daily activities', () => {
    const conditions = UNSEEN_CONDITIONS.filter((c) => c.asRecorded || c.rateHz === 20);
    const results = evaluateUnseen(realDir, { datasets: ['umafall-waist', 'smartfall-hip'], conditions });
    const pick = (dataset: string, placement: string, group: RegExp): UnseenRow[] =>
      results.rows.filter((r) => r.dataset === dataset && r.placement.startsWith(placement) && group.test(r.group));
    for (const r of pick('UMAFall', 'waist', /falls whose recording does not end/))
      expect(r.figures.fallsCaught / r.figures.falls, r.condition.name).toBeGreaterThanOrEqual(0.98);
    for (const r of pick('UMAFall', 'waist', /daily activities/)) {
      expect(r.figures.adlTrialsClean / r.figures.adlTrials, r.condition.name).toBeGreaterThanOrEqual(0.99);
      expect(r.figures.walkingAlarms, r.condition.name).toBe(0);
    }
    for (const r of pick('SmartFallMM', 'hip', /falls/))
      expect(
        (r.figures.fallsCaught + r.figures.fallsOnlyRecorded) / r.figures.falls,
        `${r.group}, ${r.condition.name}`,
      ).toBeGreaterThanOrEqual(0.85);
    for (const r of pick('SmartFallMM', 'hip', /old: daily activities/))
      expect(r.figures.adlTrialsClean / r.figures.adlTrials, r.condition.name).toBeGreaterThanOrEqual(0.99);
  });
});

describe('the unseen-wearers evaluation: FallAllD by half of its subjects, and from the wearer’s walking', () => {
  it('keeps one half of the subjects, and starts each trial from the upright the wearer’s walking left', () => {
    const fa = path.join(dir, 'fallalld', 'FallAllD');
    fs.mkdirSync(fa, { recursive: true });
    const counts = (samples: Vec[]): string =>
      samples.map((v) => v.map((g) => Math.round(g / 0.000244)).join(',')).join('\n');
    // A pendant (test/rules/pendant-fall.test.ts): 55° from its cord walking, 72° standing still, 102° lying.
    const posture = (deg: number): Vec => [Math.cos((deg * Math.PI) / 180), 0, -Math.sin((deg * Math.PI) / 180)];
    const walkingPendant = {
      seconds: 15,
      at: (t: number): Vec => posture(55).map((g) => g * (1 + 0.35 * Math.sin(2 * Math.PI * 1.8 * t))) as Vec,
    };
    const fall = render(
      [still(4, posture(72)), freeFall(0.4, posture(72)), impact(0.1, posture(102), 3), still(15, posture(102))],
      238,
    );
    for (const subject of ['S01', 'S02']) {
      fs.writeFileSync(path.join(fa, `${subject}_D1_A020_T01_A.dat`), counts(render([walkingPendant], 238)));
      fs.writeFileSync(path.join(fa, `${subject}_D1_A101_T01_A.dat`), counts(fall));
    }
    const asRecorded = UNSEEN_CONDITIONS.filter((c) => c.asRecorded);
    const figures = (options: Parameters<typeof evaluateUnseen>[1]): [string, number, number, number][] =>
      evaluateUnseen(dir, { datasets: ['fallalld-neck'], conditions: asRecorded, ...options }).rows.map((r) => [
        r.group.split(' (')[0] ?? '',
        r.figures.falls,
        r.figures.fallsCaught,
        r.figures.adlTrials,
      ]);
    // A fresh detector: only 30° from standing, no call-out.
    expect(figures({})).toEqual([
      ['daily activities', 0, 0, 2],
      ['falls without recovery', 2, 0, 0],
    ]);
    expect(figures({ fallalldSubjects: 'odd' })).toEqual([
      ['daily activities', 0, 0, 1],
      ['falls without recovery', 1, 0, 0],
    ]);
    // From the wearer's walking: 47° from the upright it learned, called out; the walk itself stays quiet.
    expect(figures({ fallalldSubjects: 'even', uprightFromWalking: true })).toEqual([
      ['daily activities', 0, 0, 1],
      ['falls without recovery', 1, 1, 0],
    ]);
  });
});

const fallalldPresent = fs.existsSync(path.join(realDir, 'fallalld', 'FallAllD'));
if (!fallalldPresent) console.log(`FallAllD absent at ${realDir}: its floors are skipped (WEARERS_UNSEEN_DATA).`);

describe.skipIf(!fallalldPresent)('the detector on FallAllD, a pendant and a waist nobody tuned on (real set)', () => {
  it('keeps its (unseen) figures on every third trial, as recorded and at 20 Hz', () => {
    const conditions = UNSEEN_CONDITIONS.filter((c) => c.asRecorded || (c.rateHz === 20 && !c.irregular && !c.harsh));
    const results = evaluateUnseen(realDir, { datasets: ['fallalld-neck', 'fallalld-waist'], conditions, every: 3 });
    // Session 37, every third trial: falls without recovery called out, neck 89.9 %, waist 97.0 %; daily activities
    // without a call-out, neck 95.8–96.5 %, waist 94.6–96.4 %.
    for (const r of results.rows.filter((row) => /falls without recovery/.test(row.group)))
      expect(r.figures.fallsCaught / r.figures.falls, `${r.placement}, ${r.condition.name}`).toBeGreaterThanOrEqual(
        0.88,
      );
    for (const r of results.rows.filter((row) => /daily activities/.test(row.group)))
      expect(
        r.figures.adlTrialsClean / r.figures.adlTrials,
        `${r.placement}, ${r.condition.name}`,
      ).toBeGreaterThanOrEqual(0.93);
  });
});
