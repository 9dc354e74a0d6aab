// `npm run eval`: false alarms and detection delay of the inactivity family on the Kasteren house A recording.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { replayEvents, type ReplayLine } from '../replay/replay.js';
import type { HomeConfig } from '../rules/types.js';
import type { RuleOverrides } from '../rules/params.js';
import { INACTIVITY_FAMILY } from '../rules/vocabulary.js';
import { delayFigures, emptyOutcome, measureCollapses, stopwatchAlarms, type CollapseCut, type DelayFigures } from './collapse.js';
import { KASTEREN_DEVICES, loadKasteren, type KasterenRecording } from './kasteren-data.js';

export type { DelayFigures } from './collapse.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const FAMILY = new Set<string>(INACTIVITY_FAMILY);
/** The commercial reference: a fixed stopwatch on any sensor. */
const STOPWATCH_MS = 12 * HOUR_MS;
/** A collapse is followed by this much silence (every later event dropped). */
const CUT_SILENCE_MS = 24 * HOUR_MS;
/** Learned days before this (days 15–20) tune hyper-parameters; from it (day 21 on) they are held out. */
const HELD_OUT_FROM_DAY = 20;

export interface KasterenFigures {
  days: number;
  falseAlarms: { count: number; per30Days: number; byKind: Record<string, number>; list: { kind: string; at: string }[] };
  /** False alarms in the first `learningDays` (cold start) and after. */
  falseAlarmsColdStart: number;
  falseAlarmsLearned: { count: number; per30Days: number; days: number };
  delay: {
    learned: DelayFigures;
    coldStart: DelayFigures;
    /** The learned cuts split: days 15–20 (tuning) and day 21 on (held out). */
    tuning: DelayFigures;
    heldOut: DelayFigures;
    /** Learned cuts just after a contact closed or an appliance went on (not after an opening). */
    learnedNotAfterOpening: DelayFigures;
  };
  /** False alarms in the tuning days and in the held-out days. */
  falseAlarmsSplit: { tuning: number; tuningDays: number; heldOut: number; heldOutDays: number };
  stopwatch: { falseAlarms: number; per30Days: number; medianDelayMinutes: number; missed: number };
}

function withRules(home: HomeConfig, rules: RuleOverrides): HomeConfig {
  return { ...home, rules };
}

/** Fresh copies: replay turns line objects into events in place. */
function copyEvents(rec: KasterenRecording, upTo: number): unknown[] {
  const out: unknown[] = [];
  for (const e of rec.events) {
    if ((e.ts as number) > upTo) break;
    out.push({ ...e });
  }
  return out;
}

/**
 * (a) Inactivity-family alerts on the untouched recording (each one a false alarm), and (b) the delay
 * from a simulated collapse to the first inactivity-family alert: the recording is cut just after an
 * activity inside the home (not while the resident was annotated as out), everything after is dropped,
 * and the clock runs on 24 h. `stride` takes every n-th such moment.
 */
export function evaluateKasteren(dir: string, rules: RuleOverrides = {}, stride = 1): KasterenFigures {
  const rec = loadKasteren(dir);
  const home = withRules(rec.home, rules);
  const days = (rec.lastAt - rec.firstAt) / DAY_MS;
  const learningDays = rules.learningDays ?? 14;
  const learnedFrom = rec.firstAt + learningDays * DAY_MS;

  const full = replayEvents(copyEvents(rec, Infinity), { homes: [home], drainHours: 0 });
  const fa = full.alerts.filter((a) => FAMILY.has(a.kind));
  const byKind: Record<string, number> = {};
  for (const a of fa) byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
  const faLearned = fa.filter((a) => Date.parse(a.raisedAt) >= learnedFrom).length;
  const heldOutFrom = rec.firstAt + HELD_OUT_FROM_DAY * DAY_MS;
  const faHeldOut = fa.filter((a) => Date.parse(a.raisedAt) >= heldOutFrom).length;
  const learnedDays = (rec.lastAt - learnedFrom) / DAY_MS;

  const insideIds = new Set(Object.values(KASTEREN_DEVICES).filter((d) => d.kind !== 'exit-door').map((d) => d.id));
  const isOut = (t: number): boolean => rec.leaveHouse.some(([from, to]) => t >= from && t <= to);
  const cuts: number[] = [];
  const afterOpening = new Set<number>();
  let candidate = 0;
  for (let i = 0; i < rec.events.length; i++) {
    const e = rec.events[i]!;
    const t = e.ts as number;
    const next = rec.events[i + 1];
    // A cut after the last event at one instant, and only where 24 h of recording would follow.
    if (!insideIds.has(e.deviceId) || isOut(t) || (next && next.ts === t) || t + CUT_SILENCE_MS > rec.lastAt) continue;
    if (candidate++ % stride === 0) {
      cuts.push(t);
      if (e.type === 'contact' && e.value === false) afterOpening.add(t);
    }
  }

  // Each cut counted in its groups; the engine is copied at the cut and its clock runs on 24 h in silence.
  type Group = 'learned' | 'coldStart' | 'tuning' | 'heldOut' | 'learnedNotAfterOpening';
  const groups: Group[] = ['learned', 'coldStart', 'tuning', 'heldOut', 'learnedNotAfterOpening'];
  const collapseCuts: CollapseCut[] = cuts.map((cut) => {
    const which: Group[] = cut < learnedFrom ? ['coldStart'] : ['learned', cut < heldOutFrom ? 'tuning' : 'heldOut'];
    if (cut >= learnedFrom && !afterOpening.has(cut)) which.push('learnedNotAfterOpening');
    return { at: cut, groups: which };
  });
  const outcomes = measureCollapses([home], copyEvents(rec, Infinity) as ReplayLine[], collapseCuts, CUT_SILENCE_MS);
  const stopwatchFalseAlarms = stopwatchAlarms(rec.events.map((e) => e.ts as number), STOPWATCH_MS);

  return {
    days,
    falseAlarms: {
      count: fa.length,
      per30Days: (fa.length / days) * 30,
      byKind,
      list: fa.map((a) => ({ kind: a.kind, at: a.raisedAt })),
    },
    falseAlarmsColdStart: fa.length - faLearned,
    falseAlarmsLearned: { count: faLearned, per30Days: learnedDays > 0 ? (faLearned / learnedDays) * 30 : 0, days: learnedDays },
    delay: Object.fromEntries(groups.map((g) => [g, delayFigures(outcomes.get(g) ?? emptyOutcome())])) as Record<Group, DelayFigures>,
    falseAlarmsSplit: {
      tuning: faLearned - faHeldOut,
      tuningDays: HELD_OUT_FROM_DAY - learningDays,
      heldOut: faHeldOut,
      heldOutDays: (rec.lastAt - heldOutFrom) / DAY_MS,
    },
    stopwatch: {
      falseAlarms: stopwatchFalseAlarms,
      per30Days: (stopwatchFalseAlarms / days) * 30,
      medianDelayMinutes: STOPWATCH_MS / MINUTE_MS,
      missed: 0,
    },
  };
}

function formatDelay(name: string, d: DelayFigures): string {
  const kinds = Object.entries(d.firstKind).map(([k, n]) => `${k} ${n}`).join(', ');
  return (
    `  ${name}: ${d.cuts} cuts, ${d.missed} missed; delay median ${d.medianMinutes ?? '-'} min ` +
    `(p25 ${d.p25Minutes ?? '-'}, p75 ${d.p75Minutes ?? '-'}, p90 ${d.p90Minutes ?? '-'}, max ${d.maxMinutes ?? '-'}); first alert: ${kinds || '-'}\n`
  );
}

export function formatKasterenReport(f: KasterenFigures): string {
  const fa = f.falseAlarms;
  return (
    `Kasteren house A (van Kasteren et al., UbiComp 2008): ${f.days.toFixed(1)} days of one resident\n` +
    `(a) inactivity-family alerts on the untouched recording (all false alarms): ${fa.count} = ${fa.per30Days.toFixed(2)} per 30 days` +
    ` (${f.falseAlarmsColdStart} in the cold-start days, ${f.falseAlarmsLearned.count} in the ${f.falseAlarmsLearned.days.toFixed(1)} learned days = ${f.falseAlarmsLearned.per30Days.toFixed(2)} per 30 days)\n` +
    (fa.list.length ? `    ${fa.list.map((a) => `${a.kind} ${a.at}`).join('\n    ')}\n` : '') +
    `(b) delay from a simulated collapse to the first inactivity-family alert:\n` +
    formatDelay('after 14 days of learning', f.delay.learned) +
    formatDelay('  of which days 15-20 (tuning)', f.delay.tuning) +
    formatDelay('  of which day 21 on (held out)', f.delay.heldOut) +
    formatDelay('  of which not just after an opening', f.delay.learnedNotAfterOpening) +
    formatDelay('cold start (first 14 days)', f.delay.coldStart) +
    `False alarms in the learned days: ${f.falseAlarmsSplit.tuning} in days 15-20 (${f.falseAlarmsSplit.tuningDays.toFixed(1)} days), ` +
    `${f.falseAlarmsSplit.heldOut} from day 21 (${f.falseAlarmsSplit.heldOutDays.toFixed(1)} days, held out)\n` +
    `Reference, fixed 12-hour stopwatch: ${f.stopwatch.falseAlarms} false alarms = ${f.stopwatch.per30Days.toFixed(2)} per 30 days; ` +
    `delay ${f.stopwatch.medianDelayMinutes} min for every cut, none missed\n` +
    `Goals: <= 1 false alarm per 30 days, median delay <= 60 min, no collapse missed.\n`
  );
}

function main(): void {
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dir = process.argv[2] ?? path.resolve(projectRoot, '../shared/data/kasteren-houseA');
  if (!fs.existsSync(path.join(dir, 'kasterenSenseData.txt'))) {
    process.stderr.write(`eval: no Kasteren data at ${dir} (expected kasterenSenseData.txt); nothing to evaluate\n`);
    process.exitCode = 1;
    return;
  }
  const rulesArg = process.env.EVAL_RULES;
  const rules = rulesArg ? (JSON.parse(rulesArg) as RuleOverrides) : {};
  process.stdout.write(formatKasterenReport(evaluateKasteren(dir, rules)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
