// How often a council report's total gives back a count its parts' suppression or rounding hid (review, session 70).
// `npm run council:totals -- [--parts 3] [--max 25]`: every way `--parts` counts (weeks of falls, or an alert's
// kinds) of 0 to `--max` each can fall, published as the report publishes them (1 to 7 as `*`, others rounded to 5),
// with their total published by each rule: `rounded`, the exact total suppressed and rounded on its own (the rule
// before session 70), and `shown`, the parts' published figures added up (`totalOfShown`, the rule since). An analyst
// who reads one report knows the published parts, the total and the rule, so each set of figures leaves possible
// every combination of counts that publishes the same; a count is recovered exactly when all of them agree on it.
// Prints, per rule, the combinations with at least one count recovered exactly, the counts so recovered (`*` and
// rounded ones; a 0 is published exactly by design and not counted) and the `*` left with fewer than 7 possibilities;
// then what each rule costs: the mean distance of its total from the exact one over random parts of a given mean (and
// how often the total is `*`).
import path from 'node:path';
import { suppressCount, totalOfShown, type PublishedCount } from '../analytics/disclosure.js';

type Rule = (counts: readonly number[], published: readonly PublishedCount[]) => PublishedCount;

export const RULES: Record<string, Rule> = {
  rounded: (counts) => suppressCount(counts.reduce((n, c) => n + c, 0)),
  shown: (_counts, published) => totalOfShown(published),
  // Not used by any report: the parts as published added up with each `*` taken as 4 (the middle of 1 to 7), as safe
  // as `shown` (worked out from the published parts alone), for what it would cost instead.
  midpoint: (_counts, published) => published.reduce<number>((n, p) => n + (p === '*' ? 4 : p), 0),
};

export interface Recovery {
  combinations: number;
  /** Combinations with at least one nonzero count recovered exactly. */
  combinationsExposed: number;
  /** Counts shown as `*` recovered exactly. */
  hiddenExact: number;
  /** Counts shown rounded (8 or more) recovered exactly. */
  roundedExact: number;
  /** Counts shown as `*` left with fewer than 7 possible values. */
  hiddenNarrowed: number;
}

/** Every combination of `parts` counts of 0..`max` (`max` below 32: one bit per value). */
export function recoveries(parts: number, max: number, rule: Rule): Recovery {
  const total = (max + 1) ** parts;
  const keyOf = (counts: number[]): string => {
    const published = counts.map(suppressCount);
    return `${published.join(',')}|${rule(counts, published)}`;
  };
  const counts = new Array<number>(parts).fill(0);
  const next = (): void => {
    for (let i = 0; i < parts; i++) {
      const c = counts[i] ?? 0;
      counts[i] = c < max ? c + 1 : 0;
      if (c < max) return;
    }
  };
  // Which values each count takes among the combinations that publish the same figures.
  const possible = new Map<string, number[]>();
  for (let n = 0; n < total; n++) {
    const key = keyOf(counts);
    const masks = possible.get(key) ?? new Array<number>(parts).fill(0);
    counts.forEach((c, i) => {
      masks[i] = (masks[i] ?? 0) | (1 << c);
    });
    possible.set(key, masks);
    next();
  }
  const result: Recovery = {
    combinations: total,
    combinationsExposed: 0,
    hiddenExact: 0,
    roundedExact: 0,
    hiddenNarrowed: 0,
  };
  counts.fill(0);
  for (let n = 0; n < total; n++) {
    const masks = possible.get(keyOf(counts)) ?? [];
    let exposed = false;
    counts.forEach((c, i) => {
      if (c === 0) return;
      const values = bits(masks[i] ?? 0);
      if (values === 1) {
        exposed = true;
        if (c <= 7) result.hiddenExact++;
        else result.roundedExact++;
      }
      if (c <= 7 && values < 7) result.hiddenNarrowed++;
    });
    if (exposed) result.combinationsExposed++;
    next();
  }
  return result;
}

/**
 * What each rule costs in accuracy: `parts` counts drawn from a Poisson distribution of mean `mean` (a fixed seed),
 * `samples` times; the mean distance of each rule's total from the exact total, where the total is a number (`*`
 * otherwise, counted apart).
 */
export function accuracy(
  parts: number,
  mean: number,
  samples: number,
  rule: Rule,
): { meanError: number; hidden: number; exactMean: number } {
  let seed = 70;
  const random = (): number => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const poisson = (): number => {
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = random(); p > limit; p *= random()) k++;
    return k;
  };
  let error = 0;
  let shown = 0;
  let hidden = 0;
  let exactSum = 0;
  for (let n = 0; n < samples; n++) {
    const counts = Array.from({ length: parts }, poisson);
    const exact = counts.reduce((a, c) => a + c, 0);
    exactSum += exact;
    const total = rule(counts, counts.map(suppressCount));
    if (total === '*') hidden++;
    else {
      error += Math.abs(total - exact);
      shown++;
    }
  }
  return {
    meanError: Math.round((error / Math.max(1, shown)) * 10) / 10,
    hidden: Math.round((hidden / samples) * 1000) / 1000,
    exactMean: Math.round((exactSum / samples) * 10) / 10,
  };
}

function bits(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m !== 0; m &= m - 1) n++;
  return n;
}

/** The whole number after `name` in `argv` (1 to `most`), or `fallback` when absent; else a clear error and exit 2. */
export function option(argv: string[], name: string, fallback: number, most: number): number {
  const i = argv.indexOf(name);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0 || value > most) {
    // A bench's command line: said plainly, not as a stack trace.
    console.error(`${path.basename(process.argv[1] ?? 'bench')}: ${name} must be a whole number from 1 to ${most}`);
    process.exit(2);
  }
  return value;
}

if (process.argv[1]?.endsWith('councilTotals.js')) {
  const parts = option(process.argv, '--parts', 3, 6);
  const max = option(process.argv, '--max', 25, 31);
  for (const [name, rule] of Object.entries(RULES)) {
    console.log(JSON.stringify({ rule: name, parts, max, ...recoveries(parts, max, rule) }));
  }
  // What it costs: how far each rule's total is from the exact one, for parts of about 1 to 20 each.
  for (const mean of [1, 3, 6, 10, 20]) {
    for (const [name, rule] of Object.entries(RULES)) {
      console.log(JSON.stringify({ rule: name, parts, mean, ...accuracy(parts, mean, 20_000, rule) }));
    }
  }
}
