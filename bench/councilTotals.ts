// How often a council report's total gives back a count its parts' suppression or rounding hid (review, session 70).
// `npm run council:totals -- [--parts 3] [--max 25]`: every way `--parts` counts (weeks of falls, or an alert's
// kinds) of 0 to `--max` each can fall, published as the report publishes them (1 to 7 as `*`, others rounded to 5),
// with their total published by each rule: `rounded`, the exact total suppressed and rounded on its own (the rule
// before session 70), and `shown`, the parts' published figures added up (`totalOfShown`, the rule since). An analyst
// who reads one report knows the published parts, the total and the rule, so each set of figures leaves possible
// every combination of counts that publishes the same; a count is recovered exactly when all of them agree on it.
// Prints, per rule, the combinations with at least one count recovered exactly, the counts so recovered (`*` and
// rounded ones; a 0 is published exactly by design and not counted) and the `*` left with fewer than 7 possibilities.
import { suppressCount, totalOfShown, type PublishedCount } from '../analytics/disclosure.js';

type Rule = (counts: readonly number[], published: readonly PublishedCount[]) => PublishedCount;

export const RULES: Record<string, Rule> = {
  rounded: (counts) => suppressCount(counts.reduce((n, c) => n + c, 0)),
  shown: (_counts, published) => totalOfShown(published),
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

function bits(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m !== 0; m &= m - 1) n++;
  return n;
}

function option(argv: string[], name: string, fallback: number, most: number): number {
  const i = argv.indexOf(name);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0 || value > most)
    throw new Error(`${name} must be an integer 1 to ${most}`);
  return value;
}

if (process.argv[1]?.endsWith('councilTotals.js')) {
  const parts = option(process.argv, '--parts', 3, 6);
  const max = option(process.argv, '--max', 25, 31);
  for (const [name, rule] of Object.entries(RULES)) {
    console.log(JSON.stringify({ rule: name, parts, max, ...recoveries(parts, max, rule) }));
  }
}
