// How often a council report's outcomes give back what its kinds' suppression hid, and the other way round (review,
// session 72). `npm run council:linked -- [--kinds 3] [--outcomes 3] [--max 15] [--partial]`: every way `--kinds` counts
// (alerts by kind; in the centre's report, every week's kinds) and `--outcomes` counts (the same alerts by outcome) of
// 0 to `--max` each can fall with the same sum (`--partial`: outcomes adding up to at most the kinds' sum, as the
// flags' outcomes, which leave out flags still open), published by each rule: `before`, each outcome suppressed and
// rounded on its own as every count (the rule until session 72), and `after`, the outcomes as `secondBreakdown`
// (analytics/disclosure.ts) publishes them, or withholds them (and `pinned`, withheld only where the two leave one
// total, a rule no report uses). An analyst who reads one report knows the published
// kinds, the published outcomes and the rule, so each report leaves possible every pair of counts that publishes the
// same; a `*` (of either breakdown) is recovered exactly when all of them agree on it. The analyst does not know
// `--max`: the pairs that could have published the same are counted up to `--max` + 4 (the most a published count of at
// most `--max` can hide) and, for the outcomes, up to what adds up to the kinds' largest sum.
// Then what it costs: an ordinary council's alerts (Poisson counts of a mean per kind and week, nine outcomes equally
// likely, the worst case for suppression) over 13 weeks, its outcome cells published week by week (before) and for the
// whole period only (after).
import {
  lowestOf,
  partOf,
  possibleTotals,
  secondBreakdown,
  suppressCount,
  totalOfShown,
  type PublishedCount,
} from '../analytics/disclosure.js';
import { option } from './councilTotals.js';

/**
 * `pinned`, not used by any report: withheld only when the two breakdowns as published leave one total (one outcome
 * alone published otherwise), to show that the withholding itself then tells.
 */
export type LinkedRule = 'before' | 'after' | 'pinned';

/** The outcomes as published under `rule`, given the published kinds; null when withheld. */
export function publishOutcomes(
  rule: LinkedRule,
  outcomes: readonly number[],
  kinds: readonly PublishedCount[],
  partial: boolean,
): PublishedCount[] | null {
  if (rule === 'before') return outcomes.map(suppressCount);
  if (rule === 'pinned') {
    const published = outcomes.map(suppressCount);
    const [first, second] = [possibleTotals(kinds), possibleTotals(published)];
    const high = partial ? first.high : Math.min(first.high, second.high);
    return high - Math.max(first.low, second.low) >= 1 ? published : null;
  }
  const shown = secondBreakdown(Object.fromEntries(outcomes.map((n, i) => [`o${i}`, n])), kinds, partial);
  return shown === null ? null : outcomes.map((_, i) => shown[`o${i}`]!);
}

export interface LinkedRecovery {
  /** Reports: pairs of kinds' and outcomes' counts of 0 to max with the same sum (at most the kinds' when partial). */
  reports: number;
  /** Reports with at least one `*` recovered exactly. */
  reportsExposed: number;
  /** Cells shown as `*` (kinds' and outcomes'), over every report. */
  hidden: number;
  /** Of those, recovered exactly. */
  hiddenExact: number;
  /** Of those, left fewer than 7 possibilities. */
  hiddenNarrowed: number;
  /** Nonzero outcome cells, over every report. */
  outcomeCells: number;
  /** Of those, shown as a number (not `*`, not withheld). */
  outcomeCellsShown: number;
}

/** Every vector of `n` counts of 0..`most`, grouped by their sum. */
function bySum(n: number, most: number): Map<number, number[][]> {
  const out = new Map<number, number[][]>();
  const v = new Array<number>(n).fill(0);
  const walk = (i: number, sum: number): void => {
    if (i === n) {
      const list = out.get(sum) ?? [];
      list.push([...v]);
      out.set(sum, list);
      return;
    }
    for (let c = 0; c <= most; c++) {
      v[i] = c;
      walk(i + 1, sum + c);
    }
  };
  walk(0, 0);
  return out;
}

function bits(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m !== 0; m &= m - 1) n++;
  return n;
}

/**
 * One report's figures as published (`pk` the kinds', `po` the outcomes' or null: withheld) counted into `result`:
 * each `*` and how many values (`masks`: one bit each, 1 to 7) the reports that publish the same leave it; the
 * nonzero outcome cells (`o`) and those shown.
 */
function tally(
  result: LinkedRecovery,
  masks: readonly number[],
  pk: readonly PublishedCount[],
  po: readonly PublishedCount[] | null,
  o: readonly number[],
): void {
  const cells = [...pk, ...(po ?? o.map(() => null))];
  let exposed = false;
  cells.forEach((cell, i) => {
    if (cell !== '*') return;
    result.hidden++;
    const values = bits(masks[i]!);
    if (values === 1) {
      result.hiddenExact++;
      exposed = true;
    }
    if (values < 7) result.hiddenNarrowed++;
  });
  if (exposed) result.reportsExposed++;
  o.forEach((c, i) => {
    if (c === 0) return;
    result.outcomeCells++;
    if (typeof po?.[i] === 'number') result.outcomeCellsShown++;
  });
}

export function linkedRecoveries(options: {
  kinds: number;
  outcomes: number;
  max: number;
  partial?: boolean;
  rule: LinkedRule;
}): LinkedRecovery {
  const { kinds, outcomes, max, rule } = options;
  const partial = options.partial ?? false;
  const kindMost = max + 4;
  const outcomeMost = Math.max(kindMost, Math.ceil((kinds * kindMost) / outcomes));
  const kindVectors = bySum(kinds, kindMost);
  const outcomeVectors = bySum(outcomes, outcomeMost);
  const sums = [...outcomeVectors.keys()].sort((a, b) => a - b);
  /** Each (kinds, outcomes) pair with the same sum (or outcomes' at most the kinds'), and what it publishes. */
  const pairs = function* (): Generator<[number[], number[], string, PublishedCount[], PublishedCount[] | null]> {
    for (const [sum, ks] of kindVectors) {
      for (const k of ks) {
        const pk = k.map(suppressCount);
        for (const s of partial ? sums.filter((t) => t <= sum) : [sum]) {
          for (const o of outcomeVectors.get(s) ?? []) {
            const po = publishOutcomes(rule, o, pk, partial);
            yield [k, o, `${pk.join(',')}|${po === null ? 'withheld' : po.join(',')}`, pk, po];
          }
        }
      }
    }
  };
  // For each set of published figures, the values (1 to 7, one bit each) each `*` takes among the pairs behind it.
  const possible = new Map<string, number[]>();
  for (const [k, o, key] of pairs()) {
    const masks = possible.get(key) ?? new Array<number>(kinds + outcomes).fill(0);
    [...k, ...o].forEach((c, i) => {
      if (c >= 1 && c <= 7) masks[i]! |= 1 << c;
    });
    possible.set(key, masks);
  }
  const result: LinkedRecovery = {
    reports: 0,
    reportsExposed: 0,
    hidden: 0,
    hiddenExact: 0,
    hiddenNarrowed: 0,
    outcomeCells: 0,
    outcomeCellsShown: 0,
  };
  for (const [k, o, key, pk, po] of pairs()) {
    if (k.some((c) => c > max) || o.some((c) => c > max)) continue;
    result.reports++;
    tally(result, possible.get(key)!, pk, po, o);
  }
  return result;
}

/** A seeded generator (mulberry32) and Poisson draws from it. */
function draws(seed: number): { poisson: (mean: number) => number; below: (n: number) => number } {
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    poisson: (mean) => {
      const limit = Math.exp(-mean);
      let k = 0;
      for (let p = random(); p > limit; p *= random()) k++;
      return k;
    },
    below: (n) => Math.floor(random() * n),
  };
}

export interface OutcomeCost {
  /** Nonzero outcome cells of the weeks, shown as a number (before; after none is published). */
  weekCellsShown: number;
  /** Nonzero outcome cells of the whole period, shown as a number. */
  periodCellsShown: number;
  /** Reports whose whole period's outcomes are withheld. */
  periodWithheld: number;
  /** Mean distance of the whole period's outcome cells shown as numbers from their exact counts. */
  periodMeanError: number;
}

/**
 * What an ordinary council sees of its alerts' outcomes: `kinds` kinds of Poisson(`mean`) alerts a week, each with one
 * of `outcomes` outcomes equally likely, over `weeks` weeks, `samples` reports. Before: each week's outcomes published
 * on their own and the whole period's the weeks' as shown added up (session 70); after: none per week, each month of
 * `monthWeeks` weeks (a quarter's 4, 4 and 5) by `secondBreakdown` against its weeks' kinds as published, and the whole
 * period's the months' as shown added up (null when one is withheld), as the centre's report.
 */
export function outcomeCost(options: {
  rule: LinkedRule;
  kinds: number;
  mean: number;
  weeks: number;
  outcomes: number;
  samples: number;
  monthWeeks?: readonly number[];
}): OutcomeCost {
  const { rule, kinds, mean, weeks, outcomes, samples } = options;
  const monthWeeks = options.monthWeeks ?? [weeks];
  const { poisson, below } = draws(72);
  let weekCells = 0;
  let weekShown = 0;
  let periodCells = 0;
  let periodShown = 0;
  let withheld = 0;
  let error = 0;
  for (let n = 0; n < samples; n++) {
    const kindCells: PublishedCount[][] = [];
    const weekCounts: number[][] = [];
    const weekOutcomes: PublishedCount[][] = [];
    const period = new Array<number>(outcomes).fill(0);
    for (let w = 0; w < weeks; w++) {
      const week = new Array<number>(outcomes).fill(0);
      const cells: PublishedCount[] = [];
      kindCells.push(cells);
      weekCounts.push(week);
      for (let k = 0; k < kinds; k++) {
        const count = poisson(mean);
        cells.push(suppressCount(count));
        for (let a = 0; a < count; a++) week[below(outcomes)]!++;
      }
      week.forEach((c, i) => (period[i]! += c));
      const published = week.map(suppressCount);
      weekOutcomes.push(published);
      if (rule === 'before') {
        weekCells += week.filter((c) => c > 0).length;
        weekShown += published.filter((c) => typeof c === 'number' && c > 0).length;
      }
    }
    let shown: PublishedCount[] | null;
    if (rule === 'before') shown = period.map((_, i) => totalOfShown(weekOutcomes.map((w) => w[i]!)));
    else {
      const months: (PublishedCount[] | null)[] = [];
      let first = 0;
      for (const length of monthWeeks) {
        const inMonth = weekCounts.slice(first, first + length);
        const counts = period.map((_, i) => inMonth.reduce((n, w) => n + w[i]!, 0));
        months.push(publishOutcomes(rule, counts, kindCells.slice(first, first + length).flat(), false));
        first += length;
      }
      shown = months.some((m) => m === null) ? null : period.map((_, i) => totalOfShown(months.map((m) => m![i]!)));
    }
    if (shown === null) withheld++;
    period.forEach((c, i) => {
      if (c === 0) return;
      periodCells++;
      const cell = shown?.[i];
      if (typeof cell === 'number') {
        periodShown++;
        error += Math.abs(cell - c);
      }
    });
  }
  const share = (a: number, b: number): number => Math.round((a / Math.max(1, b)) * 1000) / 1000;
  return {
    weekCellsShown: share(weekShown, weekCells),
    periodCellsShown: share(periodShown, periodCells),
    periodWithheld: share(withheld, samples),
    periodMeanError: Math.round((error / Math.max(1, periodShown)) * 10) / 10,
  };
}

/**
 * A count published on its own that is a part of the items the kinds break down (session 72, round 2: urgent alerts,
 * flags followed by an alert, residents with an alert, routine-change alerts of their flags), with or without the
 * outcomes of the same items. `before`: the part rounded on its own (and the outcomes as `secondBreakdown` publishes
 * them against the kinds alone: what main did); `after`: the part by `partOf` and the outcomes against the kinds and
 * the part's least (`atLeast`). Every report of `kinds` counts of 0 to `max`, a part of 0 to their sum and (when
 * `outcomes` > 0) `outcomes` counts with the kinds' sum; a `*` of the kinds or the outcomes is recovered exactly when
 * every report that publishes the same figures agrees on it (counts up to `max` + 4, as `linkedRecoveries`).
 */
export function partRecoveries(options: {
  kinds: number;
  outcomes: number;
  max: number;
  rule: 'before' | 'after';
}): LinkedRecovery & { partsChanged: number } {
  const { kinds, outcomes, max, rule } = options;
  const kindMost = max + 4;
  const kindVectors = bySum(kinds, kindMost);
  const outcomeVectors = outcomes > 0 ? bySum(outcomes, kindMost * kinds) : null;
  const cellsOf = kinds + outcomes;
  const pairs = function* (): Generator<
    [number[], number, number[], string, PublishedCount[], PublishedCount[] | null]
  > {
    for (const [sum, ks] of kindVectors) {
      for (const k of ks) {
        const pk = k.map(suppressCount);
        for (let part = 0; part <= sum; part++) {
          const shown = rule === 'before' ? suppressCount(part) : partOf(part, pk);
          for (const o of outcomeVectors === null ? [[]] : (outcomeVectors.get(sum) ?? [])) {
            let po: PublishedCount[] | null = [];
            if (outcomes > 0) {
              const counts = Object.fromEntries(o.map((n, i) => [`o${i}`, n]));
              const bounds = rule === 'before' ? {} : { atLeast: lowestOf(shown) };
              const published = secondBreakdown(counts, pk, false, bounds);
              po = published === null ? null : o.map((_, i) => published[`o${i}`]!);
            }
            const key = `${pk.join(',')}|${String(shown)}|${po === null ? 'withheld' : po.join(',')}`;
            yield [k, part, o, key, [...pk], po];
          }
        }
      }
    }
  };
  const possible = new Map<string, number[]>();
  for (const [k, , o, key] of pairs()) {
    const masks = possible.get(key) ?? new Array<number>(cellsOf).fill(0);
    [...k, ...o].forEach((c, i) => {
      if (c >= 1 && c <= 7) masks[i]! |= 1 << c;
    });
    possible.set(key, masks);
  }
  const result = {
    reports: 0,
    reportsExposed: 0,
    hidden: 0,
    hiddenExact: 0,
    hiddenNarrowed: 0,
    outcomeCells: 0,
    outcomeCellsShown: 0,
    partsChanged: 0,
  };
  for (const [k, part, o, key, pk, po] of pairs()) {
    if (k.some((c) => c > max) || o.some((c) => c > max)) continue;
    result.reports++;
    if (rule === 'after' && partOf(part, pk) !== suppressCount(part)) result.partsChanged++;
    tally(result, possible.get(key)!, pk, po, o);
  }
  return result;
}

/**
 * What `partOf` costs an ordinary council: `kinds` kinds of Poisson(`mean`) alerts a week over `weeks` weeks, a part
 * that counts each alert with probability `share` (urgent alerts that needed an answer, flags followed by an alert).
 * How many weeks' parts are shown other than rounded on their own, and how far the whole period's part (the weeks'
 * added up as shown) is from the exact count, before and after.
 */
export function partCost(options: { kinds: number; mean: number; share: number; weeks: number; samples: number }): {
  weeksChanged: number;
  weeksPartShown: number;
  periodErrorBefore: number;
  periodErrorAfter: number;
} {
  const { kinds, mean, share, weeks, samples } = options;
  const { poisson } = draws(72);
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  let changed = 0;
  let shown = 0;
  let errorBefore = 0;
  let errorAfter = 0;
  for (let n = 0; n < samples; n++) {
    let exact = 0;
    const before: PublishedCount[] = [];
    const after: PublishedCount[] = [];
    for (let w = 0; w < weeks; w++) {
      const counts = Array.from({ length: kinds }, () => poisson(mean));
      let part = 0;
      for (const c of counts) for (let a = 0; a < c; a++) if (random() < share) part++;
      exact += part;
      const b = suppressCount(part);
      const a = partOf(part, counts.map(suppressCount));
      before.push(b);
      after.push(a);
      if (a !== b) changed++;
      if (typeof a === 'number' && a > 0) shown++;
    }
    const sumOf = (cells: PublishedCount[]): number => {
      const t = totalOfShown(cells);
      return t === '*' ? 0 : t;
    };
    errorBefore += Math.abs(sumOf(before) - exact);
    errorAfter += Math.abs(sumOf(after) - exact);
  }
  const all = samples * weeks;
  return {
    weeksChanged: Math.round((changed / all) * 10000) / 10000,
    weeksPartShown: Math.round((shown / all) * 1000) / 1000,
    periodErrorBefore: Math.round((errorBefore / samples) * 100) / 100,
    periodErrorAfter: Math.round((errorAfter / samples) * 100) / 100,
  };
}

/** What an analyst recovers of a hub's months from reports of runs of months (`monthRunRecoveries`). */
export interface MonthRunRecovery {
  /** Every way the months' counts can fall (0 to `max` each). */
  reports: number;
  /** Months' `*` recovered exactly by reading the runs' figures against them. */
  hiddenExact: number;
  /** Months' counts shown as a number (rounded) recovered exactly. */
  roundedExact: number;
  /** Ways in which at least one month's count is recovered exactly. */
  exposed: number;
  /** Months' nonzero counts left fewer possible counts than the month's own figure leaves (narrowed). */
  narrowed: number;
}

/**
 * The hub's report asked for runs of months (review, session 72, round 3): `months` consecutive months of one count
 * each (alerts of a kind, say), 0 to `max`, and an analyst who asks for every run of consecutive months (each month
 * alone, every two, all of them) and knows the rule. `before`: each run's count is its exact count rounded on its own
 * (`suppressCount`); `after`: its months' counts as published added up (`totalOfShown`, as `preventionReport` now
 * does). A month's count is recovered exactly when every way of the counts (up to `max` + 4, as `linkedRecoveries`)
 * that publishes the same figures for every run agrees on it.
 */
export function monthRunRecoveries(options: {
  months: number;
  max: number;
  rule: 'before' | 'after';
}): MonthRunRecovery {
  const { months, max, rule } = options;
  const runs: [number, number][] = [];
  for (let i = 0; i < months; i++) for (let j = i; j < months; j++) runs.push([i, j]);
  const publishRuns = (counts: readonly number[]): string => {
    const shown = counts.map(suppressCount);
    return runs
      .map(([i, j]) => {
        if (i === j) return shown[i];
        const run = counts.slice(i, j + 1);
        return rule === 'before' ? suppressCount(run.reduce((n, c) => n + c, 0)) : totalOfShown(shown.slice(i, j + 1));
      })
      .join(',');
  };
  const every = (most: number, visit: (counts: number[]) => void): void => {
    const counts = new Array<number>(months).fill(0);
    for (;;) {
      visit(counts);
      let i = 0;
      while (i < months && counts[i] === most) counts[i++] = 0;
      if (i === months) return;
      counts[i]!++;
    }
  };
  // For each published set of figures, what each month's count may be.
  const groups = new Map<string, Set<number>[]>();
  every(max + 4, (counts) => {
    const key = publishRuns(counts);
    let possible = groups.get(key);
    if (possible === undefined) {
      possible = counts.map(() => new Set<number>());
      groups.set(key, possible);
    }
    counts.forEach((c, i) => possible[i]!.add(c));
  });
  const result: MonthRunRecovery = { reports: 0, hiddenExact: 0, roundedExact: 0, exposed: 0, narrowed: 0 };
  every(max, (counts) => {
    result.reports++;
    const possible = groups.get(publishRuns(counts))!;
    let exposed = false;
    counts.forEach((c, i) => {
      if (c === 0) return;
      const left = possible[i]!.size;
      const own = suppressCount(c) === '*' ? 7 : 5;
      if (left < own) result.narrowed++;
      if (left === 1) {
        exposed = true;
        if (suppressCount(c) === '*') result.hiddenExact++;
        else result.roundedExact++;
      }
    });
    if (exposed) result.exposed++;
  });
  return result;
}

/**
 * What a run of months costs an ordinary council's figures: `months` months of Poisson(`mean`) counts, `samples` runs;
 * the run's count shown as a number (share of nonzero runs) and its mean distance from the exact count, `before` (the
 * run's exact count rounded on its own) and `after` (its months' as published added up, each `*` counted as 0).
 */
export function monthRunCost(options: { months: number; mean: number; samples: number }): {
  shownBefore: number;
  shownAfter: number;
  errorBefore: number;
  errorAfter: number;
} {
  const { months, mean, samples } = options;
  const { poisson } = draws(72);
  let nonzero = 0;
  const shown = { before: 0, after: 0 };
  const error = { before: 0, after: 0 };
  for (let n = 0; n < samples; n++) {
    const counts = Array.from({ length: months }, () => poisson(mean));
    const exact = counts.reduce((a, c) => a + c, 0);
    if (exact === 0) continue;
    nonzero++;
    const before = suppressCount(exact);
    const after = totalOfShown(counts.map(suppressCount));
    if (typeof before === 'number') {
      shown.before++;
      error.before += Math.abs(before - exact);
    }
    if (typeof after === 'number') {
      shown.after++;
      error.after += Math.abs(after - exact);
    }
  }
  const share = (a: number, b: number): number => Math.round((a / Math.max(1, b)) * 1000) / 1000;
  return {
    shownBefore: share(shown.before, nonzero),
    shownAfter: share(shown.after, nonzero),
    errorBefore: Math.round((error.before / Math.max(1, shown.before)) * 100) / 100,
    errorAfter: Math.round((error.after / Math.max(1, shown.after)) * 100) / 100,
  };
}

if (process.argv[1]?.endsWith('councilLinked.js')) {
  const kinds = option(process.argv, '--kinds', 3, 5);
  const outcomes =
    process.argv.includes('--part') && !process.argv.includes('--outcomes')
      ? 0
      : option(process.argv, '--outcomes', 3, 4);
  const max = option(process.argv, '--max', 15, 25);
  const partial = process.argv.includes('--partial');
  if (process.argv.includes('--months')) {
    // The hub's report of runs of months (session 72, round 3): `--months N` months of one count of 0 to `--max`.
    const months = option(process.argv, '--months', 3, 4);
    for (const rule of ['before', 'after'] as const) {
      console.log(JSON.stringify({ rule, months, max, ...monthRunRecoveries({ months, max, rule }) }));
    }
    // What it costs: a run of `--months` months of about 87, 22 and 4 alerts of a kind a month.
    for (const mean of [87, 22, 4]) {
      console.log(JSON.stringify({ cost: true, months, mean, ...monthRunCost({ months, mean, samples: 20_000 }) }));
    }
    process.exit(0);
  }
  if (process.argv.includes('--part')) {
    // A part of the kinds' items published on its own (session 72, round 2); `--outcomes 0` for the part alone.
    const withOutcomes = process.argv.includes('--outcomes') ? outcomes : 0;
    for (const rule of ['before', 'after'] as const) {
      console.log(
        JSON.stringify({
          rule,
          part: true,
          kinds,
          outcomes: withOutcomes,
          max,
          ...partRecoveries({ kinds, outcomes: withOutcomes, max, rule }),
        }),
      );
    }
    // What it costs: 4 kinds a week over 13 weeks; a part of nearly all (urgent alerts that needed an answer), of half
    // (flags followed by an alert), of all (routine-change alerts, one per flag).
    for (const mean of [20, 5, 1]) {
      for (const share of [1, 0.95, 0.5]) {
        console.log(
          JSON.stringify({
            cost: true,
            kinds: 4,
            mean,
            share,
            weeks: 13,
            ...partCost({ kinds: 4, mean, share, weeks: 13, samples: 2_000 }),
          }),
        );
      }
    }
    process.exit(0);
  }
  for (const rule of ['before', 'after', 'pinned'] as const) {
    console.log(
      JSON.stringify({
        rule,
        kinds,
        outcomes,
        max,
        partial,
        ...linkedRecoveries({ kinds, outcomes, max, partial, rule }),
      }),
    );
  }
  // What it costs: 4 kinds, 13 weeks (a quarter), nine outcomes equally likely; about 20 alerts per kind a week is an
  // ordinary council, 5 and 1 a small one.
  // The hub's report: one period (a month, weeks 1 with a month's mean), its outcomes against its own kinds.
  for (const [weeks, means] of [
    [13, [20, 5, 1]],
    [1, [87, 22, 4]],
  ] as const) {
    for (const mean of means) {
      for (const rule of ['before', 'after'] as const) {
        const monthWeeks = weeks === 13 ? [4, 4, 5] : [weeks];
        const cost = outcomeCost({ rule, kinds: 4, mean, weeks, outcomes: 9, samples: 2_000, monthWeeks });
        console.log(JSON.stringify({ rule, kinds: 4, mean, weeks, outcomes: 9, ...cost }));
      }
    }
  }
}
