// `node dist/eval/wearers-unseen.js --data DIR`: the fall detector, untouched, on wearers and recordings nobody tuned on
// (issue 11): the MobiFall v2 subjects the shared copy lacks, and SmartFallMM's hip and wrist sensors.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { accelRuns, accelSampleOffsetMs } from '../rules/event-value.js';
import { DEFAULT_RULE_PARAMS, type RuleParams } from '../rules/params.js';
import { createFallDetector } from '../rules/fall/detector.js';
import { makeIrregular, seedOf } from './irregular.js';
import { durationMs, listTrials, readRecording, type Trial } from './mobifall-data.js';
import { outcomeOf, runTrial } from './mobifall-eval.js';
import { sensorMessages, toUniform, type AccelMessage } from './wearable-sensor.js';
import { emptyFigures, perHour, record, sensitivity, specificity, type WearableFigures } from './wearable-figures.js';
import {
  listSmartfallTrials,
  nominalRate,
  readSmartfallRecording,
  SMARTFALL_WALKING,
  endsAsItStarted,
  fallNotRecordedReason,
  unusableReason,
  type SmartfallPlacement,
} from './smartfallmm-data.js';
import {
  FALLALLD_RATE_HZ,
  FALLALLD_WALKING,
  FALLALLD_WITH_RECOVERY,
  listFallalldTrials,
  readFallalldRecording,
  type FallalldPosition,
} from './fallalld-data.js';
import { listUmafallTrials, readUmafallFile, UMAFALL_WALKING, type UmafallPosition } from './umafall-data.js';

/**
 * How a trial is sent. `asRecorded`: the recording's own samples at their own instants (its real timing, gaps
 * included); `native`: the recording's rate on a regular grid through the sensor model; a number: that rate through
 * the sensor model (anti-aliased decimation, eval/wearable-sensor.ts), with the existing rows' irregular or harsh timing.
 */
export interface UnseenCondition {
  name: string;
  rateHz: number | 'native';
  asRecorded?: boolean;
  irregular?: boolean;
  harsh?: boolean;
}

export const UNSEEN_CONDITIONS: UnseenCondition[] = [
  { name: 'as recorded (own rate and timing)', rateHz: 'native', asRecorded: true },
  { name: 'native rate, regular', rateHz: 'native' },
  { name: '20 Hz regular', rateHz: 20 },
  { name: '20 Hz irregular', rateHz: 20, irregular: true },
  { name: '20 Hz harsh (±30 % jitter, 5 % dropped, bursts)', rateHz: 20, harsh: true },
];

export type UnseenDataset =
  | 'mobifall'
  | 'smartfall-hip'
  | 'smartfall-wrist'
  | 'umafall-waist'
  | 'umafall-chest'
  | 'umafall-pocket'
  | 'umafall-wrist'
  | 'fallalld-neck'
  | 'fallalld-waist'
  | 'fallalld-wrist';
export const ALL_UNSEEN_DATASETS: UnseenDataset[] = [
  'mobifall',
  'smartfall-hip',
  'smartfall-wrist',
  'umafall-waist',
  'umafall-chest',
  'umafall-pocket',
  'umafall-wrist',
  'fallalld-neck',
  'fallalld-waist',
  'fallalld-wrist',
];

export interface UnseenRow {
  dataset: string;
  placement: string;
  group: string;
  condition: UnseenCondition;
  figures: WearableFigures;
}

export interface UnseenResults {
  rows: UnseenRow[];
  /** Dataset folders not found under the data folder. */
  absent: string[];
  /** Files not run, with why (mostly not accelerometer data). */
  unusable: string[];
  /** Rows dropped while parsing, summed over the files run. */
  dropped: { skipped: number; outOfOrder: number; outOfRange: number; sharedStamp: number };
  /**
   * Messages the hub's ingest refuses whole (no sample within ±64 g: `accelRuns` in rules/event-value.ts), not given
   * to the detector, as on the hub.
   */
  rejectedMessages: number;
  /**
   * Samples the hub's ingest drops alone (an axis beyond ±64 g; the message's other samples go on at their own times):
   * UMAFall subject 13's SensorTags read 100–316 g on one axis in single samples.
   */
  droppedSamples: number;
}

export interface UnseenOptions {
  params?: RuleParams['fall'];
  conditions?: UnseenCondition[];
  datasets?: UnseenDataset[];
  /** Keep every `every`-th trial only (a quick look; default 1: all). */
  every?: number;
  /**
   * FallAllD: only subjects with odd or even ids (session 38: the odd half was read while designing the pendant's
   * posture test, the even half is held out; docs/fall-detection.md, eighteenth round). Default: all.
   */
  fallalldSubjects?: 'odd' | 'even';
  /**
   * FallAllD: each trial starts from the detector as the same wearer's walking left it (their first walking recording,
   * same device, in which the detector learned an upright posture, run as recorded before the trial), as on a hub that
   * saw the wearer walk earlier that day; a wearer never seen walking starts fresh. Default: a fresh detector.
   */
  uprightFromWalking?: boolean;
  onProgress?: (what: string, done: number, total: number) => void;
}

/** The folders under the data folder: copies of the public repositories (never in this repository). */
export const MOBIFALL_FULL_DIR = 'mobifall-full';
export const SMARTFALLMM_DIR = 'smartfallmm';
export const UMAFALL_DIR = 'umafall/UMAFall_Dataset';
export const FALLALLD_DIR = 'fallalld/FallAllD';

/**
 * A recording's own samples as a wearable reporting its rate would send them: messages of up to 1 s, each stamped at
 * its first sample's time, a new message where an interval is longer than 1.5 periods (a real gap is not bridged
 * inside a message, which claims one rate).
 */
export function asRecordedMessages(
  tMs: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  z: ArrayLike<number>,
  rateHz: number,
  startTs: number,
): AccelMessage[] {
  const messages: AccelMessage[] = [];
  if (!(rateHz > 0)) return messages;
  const periodMs = 1000 / rateHz;
  const perMessage = Math.max(1, Math.round(rateHz));
  let current: [number, number, number][] = [];
  let firstMs = 0;
  let lastMs = -Infinity;
  const flush = (): void => {
    if (current.length > 0)
      messages.push({ ts: Math.round(startTs + firstMs), value: { rate: rateHz, samples: current } });
    current = [];
  };
  for (let i = 0; i < tMs.length; i++) {
    const t = tMs[i] ?? 0;
    if (current.length >= perMessage || (current.length > 0 && t - lastMs > 1.5 * periodMs)) flush();
    if (current.length === 0) firstMs = t;
    current.push([x[i] ?? 0, y[i] ?? 0, z[i] ?? 0]);
    lastMs = t;
  }
  flush();
  return messages;
}

interface LoadedTrial {
  label: string;
  /** The table row the trial is counted in. */
  dataset: string;
  placement: string;
  group: string;
  isFall: boolean;
  walking: boolean;
  durationMs: number;
  tMs: ArrayLike<number>;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  z: ArrayLike<number>;
  /** The detector's state before the trial (UnseenOptions.uprightFromWalking), or none: a fresh detector. */
  state?: unknown;
  /** The rate the recording claims (its median interval), for `as recorded`. */
  recordedRateHz: number;
  /** The rate of the `native` rows and the grid the sensor model starts from. */
  nativeRateHz: number;
  gridRateHz: number;
}

/** Every trial's first message is stamped here (a wearer's walking, with `uprightFromWalking`, two minutes before). */
const START_OF_TRIALS = Date.UTC(2022, 6, 20, 12);

function messagesOf(trial: LoadedTrial, condition: UnseenCondition, startTs: number): AccelMessage[] {
  if (condition.asRecorded)
    return asRecordedMessages(trial.tMs, trial.x, trial.y, trial.z, trial.recordedRateHz, startTs);
  const rateHz = condition.rateHz === 'native' ? trial.nativeRateHz : condition.rateHz;
  const uniform = toUniform(trial.tMs, trial.x, trial.y, trial.z, trial.gridRateHz);
  const seed = seedOf(trial.label, rateHz);
  const sent = sensorMessages(uniform, startTs, { rateHz, harsh: condition.harsh, seed });
  return condition.irregular ? makeIrregular(sent, seed) : sent;
}

/**
 * Run each file's trials (a file may hold several placements) under every condition; rows per dataset, placement and
 * group, sorted, appended to `rows`.
 */
function runAll(
  files: (() => LoadedTrial[])[],
  conditions: UnseenCondition[],
  params: RuleParams['fall'],
  results: UnseenResults,
  onDone: (i: number) => void,
): void {
  const rows = results.rows;
  // What the hub's ingest lets through to the rules: a sample it drops, or a message it refuses, never reaches the
  // detector; the rest of a message with a dropped sample goes on at its own time (hub/ingest.ts, `accelRuns`).
  const accepted = (messages: AccelMessage[]): AccelMessage[] => {
    const out: AccelMessage[] = [];
    for (const m of messages) {
      const split = accelRuns(m.value);
      if (!split) {
        results.rejectedMessages++;
        continue;
      }
      if (split.dropped === 0) {
        out.push(m);
        continue;
      }
      results.droppedSamples += split.dropped;
      for (const run of split.runs)
        out.push({ ts: m.ts + accelSampleOffsetMs(run.value.rate, run.first), value: run.value });
    }
    return out;
  };
  const byRow = new Map<string, { dataset: string; placement: string; group: string; figures: WearableFigures[] }>();
  const startTs = START_OF_TRIALS;
  files.forEach((load, i) => {
    for (const trial of load()) {
      const key = `${trial.dataset}|${trial.placement}|${trial.group}`;
      let row = byRow.get(key);
      if (!row) {
        row = { ...trial, figures: conditions.map(() => emptyFigures()) };
        byRow.set(key, row);
      }
      const figures = row.figures;
      conditions.forEach((condition, c) => {
        const f = figures[c];
        if (!f) return;
        record(f, {
          label: trial.label,
          isFall: trial.isFall,
          walking: trial.walking,
          durationMs: trial.durationMs,
          ...outcomeOf(
            runTrial(params, { messages: accepted(messagesOf(trial, condition, startTs)), state: trial.state }),
          ),
        });
      });
    }
    onDone(i + 1);
  });
  for (const [, row] of [...byRow].sort(([a], [b]) => a.localeCompare(b)))
    conditions.forEach((condition, c) => {
      const f = row.figures[c];
      if (f) rows.push({ dataset: row.dataset, placement: row.placement, group: row.group, condition, figures: f });
    });
}

const MOBIFALL_WALKING_CODES = ['WAL', 'JOG', 'STU', 'STN'];
/** The subjects whose daily activities the shared copy holds (subject 2) and whose falls it holds (1–11). */
const MOBIFALL_SEEN_ADL_SUBJECTS = [2];
const MOBIFALL_SEEN_FALL_SUBJECTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/** MobiFall v2 trials nobody tuned on or evaluated: falls of subjects 12 and up, daily activities of all but subject 2. */
export function mobifallUnseenTrials(root: string): Trial[] {
  return listTrials(root).filter((t) =>
    t.isFall ? !MOBIFALL_SEEN_FALL_SUBJECTS.includes(t.subject) : !MOBIFALL_SEEN_ADL_SUBJECTS.includes(t.subject),
  );
}

function loadMobifall(trial: Trial): LoadedTrial {
  const rec = readRecording(trial.file);
  return {
    label: `${trial.code}_${trial.subject}_${trial.trialNo}`,
    dataset: 'MobiFall v2, subjects not in the shared copy',
    placement: 'trouser pocket (phone, ±2 g)',
    group: trial.isFall ? `falls, subjects 12–31` : `daily activities, subjects 3–11 but 2`,
    isFall: trial.isFall,
    walking: MOBIFALL_WALKING_CODES.includes(trial.code),
    durationMs: durationMs(rec),
    ...rec,
    recordedRateHz: nominalRate(rec.tMs),
    // As the existing MobiFall rows: its irregular ~100 Hz on a 200 Hz grid, sent at 100 Hz.
    nativeRateHz: 100,
    gridRateHz: 200,
  };
}

/** A fall trial's row: split by whether its recording ends as it started (the wearer got up within it). */
function fallGroup(prefix: string, rec: Parameters<typeof endsAsItStarted>[0]): string {
  return endsAsItStarted(rec)
    ? `${prefix}falls whose recording ends as it started (the wearer got up: an info record by design)`
    : `${prefix}falls whose recording does not end as it started`;
}

const UMAFALL_PLACEMENTS: Record<UmafallPosition, string> = {
  waist: 'waist (SensorTag, ~20 Hz)',
  chest: 'chest (SensorTag, ~20 Hz; the nearest to a pendant)',
  pocket: 'trouser pocket (phone, ~200 Hz)',
  wrist: 'wrist (SensorTag, ~20 Hz): not the product’s placement',
};

const FALLALLD_PLACEMENTS: Record<FallalldPosition, string> = {
  neck: 'neck (pendant, 238 Hz, ±8 g)',
  waist: 'waist (238 Hz, ±8 g)',
  wrist: 'wrist (238 Hz, ±8 g): not the product’s placement',
};

/** Run every dataset present under `dataDir` (copies of the public repositories, never in this repository). */
export function evaluateUnseen(dataDir: string, options: UnseenOptions = {}): UnseenResults {
  const params = options.params ?? DEFAULT_RULE_PARAMS.fall;
  const conditions = options.conditions ?? UNSEEN_CONDITIONS;
  const datasets = options.datasets ?? ALL_UNSEEN_DATASETS;
  const every = Math.max(1, Math.floor(options.every ?? 1));
  const results: UnseenResults = {
    rows: [],
    absent: [],
    unusable: [],
    dropped: { skipped: 0, outOfOrder: 0, outOfRange: 0, sharedStamp: 0 },
    rejectedMessages: 0,
    droppedSamples: 0,
  };
  const pick = <T>(list: T[]): T[] => list.filter((_, i) => i % every === 0);
  const absent = (root: string): boolean => {
    if (fs.existsSync(root)) return false;
    if (!results.absent.includes(root)) results.absent.push(root);
    return true;
  };

  if (datasets.includes('mobifall') && !absent(path.join(dataDir, MOBIFALL_FULL_DIR))) {
    const trials = pick(mobifallUnseenTrials(path.join(dataDir, MOBIFALL_FULL_DIR)));
    runAll(
      trials.map((t) => () => [loadMobifall(t)]),
      conditions,
      params,
      results,
      (done) => options.onProgress?.('MobiFall (unseen subjects)', done, trials.length),
    );
  }

  for (const placement of ['hip', 'wrist'] as SmartfallPlacement[]) {
    const root = path.join(dataDir, SMARTFALLMM_DIR);
    if (!datasets.includes(`smartfall-${placement}`) || absent(root)) continue;
    const trials = pick(listSmartfallTrials(root, placement));
    const loaders = trials.map((t) => (): LoadedTrial[] => {
      const rec = readSmartfallRecording(t.file);
      const why = unusableReason(rec) ?? (t.isFall ? fallNotRecordedReason(rec) : null);
      if (why) {
        results.unusable.push(`SmartFallMM ${t.cohort}/${placement}/${path.basename(t.file)}: ${why}`);
        return [];
      }
      results.dropped.skipped += rec.skippedRows;
      results.dropped.outOfOrder += rec.outOfOrderRows;
      results.dropped.outOfRange += rec.outOfRangeRows;
      return [
        {
          label: `${t.cohort === 'young' ? 'Y' : 'O'}${path.basename(t.file, '.csv')}`,
          dataset: 'SmartFallMM',
          placement: placement === 'hip' ? 'hip (MetaMotion, ±2 g)' : 'wrist (MetaMotion): not the product’s placement',
          group: t.isFall ? fallGroup(`${t.cohort}: `, rec) : `${t.cohort}: daily activities`,
          isFall: t.isFall,
          walking: SMARTFALL_WALKING.includes(t.activity),
          durationMs: rec.tMs.at(-1) ?? 0,
          ...rec,
          recordedRateHz: rec.nominalRateHz,
          nativeRateHz: rec.nominalRateHz,
          gridRateHz: rec.nominalRateHz,
        },
      ];
    });
    runAll(loaders, conditions, params, results, (done) =>
      options.onProgress?.(`SmartFallMM ${placement}`, done, trials.length),
    );
  }

  const positions = (Object.keys(UMAFALL_PLACEMENTS) as UmafallPosition[]).filter((p) =>
    datasets.includes(`umafall-${p}`),
  );
  const umaRoot = path.join(dataDir, UMAFALL_DIR);
  if (positions.length > 0 && !absent(umaRoot)) {
    const trials = pick(listUmafallTrials(umaRoot));
    const loaders = trials.map((t) => (): LoadedTrial[] => {
      const file = readUmafallFile(t.file);
      results.dropped.skipped += file.skippedRows;
      const out: LoadedTrial[] = [];
      for (const position of positions) {
        const rec = file.byPosition.get(position);
        const name = `UMAFall ${position}/${path.basename(t.file)}`;
        if (!rec) {
          results.unusable.push(`${name}: no samples of this sensor`);
          continue;
        }
        const why =
          rec.tMs.length < 2 || rec.nominalRateHz <= 0
            ? 'fewer than 2 samples'
            : (rec.tMs.at(-1) ?? 0) < 1000
              ? 'shorter than 1 s'
              : t.isFall
                ? fallNotRecordedReason({ ...rec, skippedRows: 0, outOfOrderRows: 0, outOfRangeRows: 0 })
                : null;
        if (why) {
          results.unusable.push(`${name}: ${why}`);
          continue;
        }
        results.dropped.outOfOrder += rec.outOfOrderRows;
        results.dropped.sharedStamp += rec.sharedStampRows;
        out.push({
          label: `U${position}_${t.subject}_${t.activity}_${t.trialNo}`,
          dataset: 'UMAFall',
          placement: UMAFALL_PLACEMENTS[position],
          group: t.isFall ? fallGroup('', rec) : 'daily activities',
          isFall: t.isFall,
          walking: UMAFALL_WALKING.includes(t.activity),
          durationMs: rec.tMs.at(-1) ?? 0,
          ...rec,
          recordedRateHz: rec.nominalRateHz,
          nativeRateHz: rec.nominalRateHz,
          gridRateHz: rec.nominalRateHz,
        });
      }
      return out;
    });
    runAll(loaders, conditions, params, results, (done) => options.onProgress?.('UMAFall', done, trials.length));
  }
  const fallalldPositions = (Object.keys(FALLALLD_PLACEMENTS) as FallalldPosition[]).filter((p) =>
    datasets.includes(`fallalld-${p}`),
  );
  const fallRoot = path.join(dataDir, FALLALLD_DIR);
  if (fallalldPositions.length > 0 && !absent(fallRoot)) {
    const listed = listFallalldTrials(fallRoot, fallalldPositions);
    const half = options.fallalldSubjects;
    const trials = pick(half ? listed.filter((t) => (t.subject % 2 === 1) === (half === 'odd')) : listed);
    const walkedState = new Map<string, unknown>();
    if (options.uprightFromWalking)
      for (const t of listed) {
        const key = `${t.subject}|${t.position}`;
        if (!FALLALLD_WALKING.includes(t.activity) || walkedState.has(key)) continue;
        const rec = readFallalldRecording(t.file);
        const detector = createFallDetector(params);
        // Two minutes before the trials: the gap restarts the detector, which keeps the upright posture it learned.
        for (const m of asRecordedMessages(rec.tMs, rec.x, rec.y, rec.z, FALLALLD_RATE_HZ, START_OF_TRIALS - 120_000))
          detector.push(m.ts, m.value);
        for (let at = detector.wakeAt(); at !== null; at = detector.wakeAt()) detector.wake(at);
        const state = detector.exportState();
        if (state?.walk) walkedState.set(key, state);
      }
    const loaders = trials.map((t) => (): LoadedTrial[] => {
      const rec = readFallalldRecording(t.file);
      results.dropped.skipped += rec.skippedRows;
      const name = `FallAllD ${path.basename(t.file)}`;
      const why =
        rec.tMs.length < 2
          ? 'fewer than 2 samples'
          : (rec.tMs.at(-1) ?? 0) < 1000
            ? 'shorter than 1 s'
            : t.isFall
              ? fallNotRecordedReason({ ...rec, nominalRateHz: FALLALLD_RATE_HZ, outOfOrderRows: 0, outOfRangeRows: 0 })
              : null;
      if (why) {
        results.unusable.push(`${name}: ${why}`);
        return [];
      }
      return [
        {
          label: path.basename(t.file, '_A.dat'),
          dataset: 'FallAllD',
          placement: FALLALLD_PLACEMENTS[t.position],
          // FallAllD labels its falls with recovery: its own label, not the recording's last second, splits them (a
          // fall from a bed starts and ends lying; a slide down a wall ends sitting upright).
          group: !t.isFall
            ? 'daily activities'
            : FALLALLD_WITH_RECOVERY.includes(t.activity)
              ? 'falls "with recovery" (the dataset\'s label: the wearer gets up; an info record by design)'
              : 'falls without recovery (the wearer stays down)',
          isFall: t.isFall,
          walking: FALLALLD_WALKING.includes(t.activity),
          durationMs: rec.tMs.at(-1) ?? 0,
          ...rec,
          recordedRateHz: FALLALLD_RATE_HZ,
          nativeRateHz: FALLALLD_RATE_HZ,
          gridRateHz: FALLALLD_RATE_HZ,
          state: walkedState.get(`${t.subject}|${t.position}`),
        },
      ];
    });
    runAll(loaders, conditions, params, results, (done) => options.onProgress?.('FallAllD', done, trials.length));
  }
  return results;
}

const pct = (v: number): string => (Number.isNaN(v) ? 'n/a' : `${(100 * v).toFixed(1)} %`);
const rate = (alarms: number, ms: number): string =>
  ms > 0 ? `${perHour(alarms, ms).toFixed(2)} (${alarms} in ${(ms / 3_600_000).toFixed(2)} h)` : 'n/a';

/** One Markdown table, a row per dataset, placement, group and condition: every row is unseen. */
export function formatUnseenTable(results: UnseenResults, options: { details?: boolean } = {}): string {
  const lines = [
    '| dataset | placement | subjects | stream | sensitivity (call-outs) | falls registered (call-out or info record) | specificity | false alarms / h walking | false alarms / h all daily activity | info records (falls / daily trials) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results.rows) {
    const f = r.figures;
    lines.push(
      `| ${r.dataset} | ${r.placement} | ${r.group} | ${r.condition.name} | ` +
        `${pct(sensitivity(f))} (${f.fallsCaught}/${f.falls}) | ` +
        `${f.falls > 0 ? `${pct((f.fallsCaught + f.fallsOnlyRecorded) / f.falls)} (${f.fallsCaught + f.fallsOnlyRecorded}/${f.falls})` : 'n/a'} | ${pct(specificity(f))} (${f.adlTrialsClean}/${f.adlTrials}) | ` +
        `${rate(f.walkingAlarms, f.walkingMs)} | ${rate(f.adlAlarms, f.adlMs)} | ${f.fallsOnlyRecorded} / ${f.adlTrialsOnlyRecorded} |`,
    );
  }
  if (options.details)
    for (const r of results.rows) {
      const at = `${r.dataset} ${r.placement} ${r.group}, ${r.condition.name}`;
      if (r.figures.missed.length > 0) lines.push(`- missed, ${at}: ${r.figures.missed.join(' ')}`);
      if (r.figures.falseAlarmTrials.length > 0)
        lines.push(`- false alarms, ${at}: ${r.figures.falseAlarmTrials.join(' ')}`);
    }
  const d = results.dropped;
  lines.push(
    `(rows dropped while parsing the files run: ${d.skipped} not numeric, ${d.outOfOrder} not moving time forward, ` +
      `${d.outOfRange} beyond ±16 g; ${d.sharedStamp} kept and spread (a stamp shared with the row above); ` +
      `files or sensors not run: ${results.unusable.length}; samples the hub's ingest drops (an axis beyond ±64 g), ` +
      `not given to the detector: ${results.droppedSamples}; messages it refuses whole: ${results.rejectedMessages})`,
  );
  if (options.details) for (const u of results.unusable) lines.push(`- not run: ${u}`);
  for (const dir of results.absent)
    lines.push(`(data absent: ${dir}; see docs/fall-detection.md, "Seventeenth round")`);
  return lines.join('\n');
}

const USAGE = `usage: node dist/eval/wearers-unseen.js [--data DIR] [--only=DATASET] [--every=N] [--details]
  --data DIR      folder holding mobifall-full/, smartfallmm/, umafall/UMAFall_Dataset/ and fallalld/FallAllD/ (copies of the public
                  repositories, docs/fall-detection.md "Seventeenth round"; default ../shared/data/wearers-unseen)
  --only=DATASET  mobifall, smartfall-hip, smartfall-wrist, umafall-waist, umafall-chest, umafall-pocket,
                  umafall-wrist, fallalld-neck, fallalld-waist or fallalld-wrist (repeatable; default all)
  --every=N       every N-th trial only (a quick look)
  --details       list the missed falls, the false-alarm trials and the files not run
  --fallalld-subjects=odd|even
                  FallAllD: that half of the subjects only (odd: read in session 38's design, even: held out)
  --upright-from-walking
                  FallAllD: each trial starts from the detector as the wearer's first walking recording (same device)
                  left it, its upright posture learned (as on a hub that saw the wearer walk earlier)`;

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const at = args.indexOf('--data');
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = path.resolve(
    at >= 0 ? (args[at + 1] ?? '') : path.join(projectRoot, '../shared/data/wearers-unseen'),
  );
  const only = args.filter((a) => a.startsWith('--only=')).map((a) => a.slice('--only='.length) as UnseenDataset);
  const known = ALL_UNSEEN_DATASETS;
  const bad = only.filter((o) => !known.includes(o));
  if (bad.length > 0) {
    console.error(`unknown dataset ${bad.join(', ')}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const everyArg = args.find((a) => a.startsWith('--every='));
  const every = everyArg ? Number(everyArg.slice('--every='.length)) : 1;
  if (!Number.isInteger(every) || every < 1 || every > 1000) {
    console.error(`--every takes a whole number from 1 to 1000\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const halfArg = args.find((a) => a.startsWith('--fallalld-subjects='))?.slice('--fallalld-subjects='.length);
  if (halfArg !== undefined && halfArg !== 'odd' && halfArg !== 'even') {
    console.error(`--fallalld-subjects takes odd or even\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const uprightFromWalking = args.includes('--upright-from-walking');
  const tty = process.stderr.isTTY;
  const results = evaluateUnseen(dataDir, {
    datasets: only.length > 0 ? only : undefined,
    every,
    fallalldSubjects: halfArg,
    uprightFromWalking,
    onProgress: tty ? (what, done, total) => process.stderr.write(`\r${what}: ${done}/${total} trials   `) : undefined,
  });
  if (tty) process.stderr.write('\n');
  console.log(
    'Wearable fall detection on wearers nobody tuned on (every row is unseen; the detector and its parameters are main’s).\n' +
      `params.fall: ${JSON.stringify(DEFAULT_RULE_PARAMS.fall)}${every > 1 ? `; every ${every}th trial only` : ''}` +
      (halfArg ? `; FallAllD subjects with ${halfArg} ids only` : '') +
      (uprightFromWalking ? '; FallAllD trials start from the wearer’s walking (upright learned)' : '') +
      '\n',
  );
  console.log(formatUnseenTable(results, { details: args.includes('--details') }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
