// What an analyst who knows the publication rule works out from a council report's published counts (reviews,
// sessions 69-70): the attacker the council tests play, written as the reports' disclosure says they publish.

/** A count as published: a number, or `*` (1 to 7 hidden). */
export type Published = number | '*';

/** The counts a published count leaves possible (`*`: 1 to 7; n: n - 2 to n + 2, at least 8, at most `most`; 0: 0). */
export function possible(published: Published, most = Infinity): number[] {
  if (published === 0) return [0];
  const [low, high] = published === '*' ? [1, 7] : [Math.max(8, published - 2), Math.min(most, published + 2)];
  return Array.from({ length: high - low + 1 }, (_, i) => low + i);
}

/** A count as a report publishes it: 0 as it is, 1 to 7 as `*`, 8 or more rounded to 5. */
export const suppressed = (n: number): Published => (n === 0 ? 0 : n <= 7 ? '*' : Math.round(n / 5) * 5);

/** Published figures added up as the disclosure says since session 70: `*` as 0, and `*` when nothing is shown. */
export function addedUp(parts: readonly Published[]): Published {
  const sum = parts.reduce<number>((n, p) => n + (p === '*' ? 0 : p), 0);
  return sum === 0 && parts.includes('*') ? '*' : sum;
}

/**
 * What published parts and their published total leave possible for each part's count (each at most `most`), the
 * total read as made by the parts as shown added up (`shown`, the rule since session 70), else as the exact sum
 * rounded as every count is (the rule before).
 */
export function partsPossible(parts: readonly Published[], total: Published, shown: boolean, most: number): number[][] {
  const found = parts.map(() => new Set<number>());
  const walk = (values: number[]): void => {
    if (values.length === parts.length) {
      const made = shown ? addedUp(values.map(suppressed)) : suppressed(values.reduce((n, v) => n + v, 0));
      if (made === total) values.forEach((v, i) => found[i]!.add(v));
      return;
    }
    for (const v of possible(parts[values.length]!, most)) walk([...values, v]);
  };
  walk([]);
  return found.map((s) => [...s].sort((a, b) => a - b));
}

/**
 * What two published breakdowns of the same items leave possible for each cell of the first (review, session 72): the
 * kinds (or every week's kinds) and the outcomes of the same alerts. The outcomes' cells say only which totals are
 * possible (any when withheld, null); `partial`: they count some of the items only (at most the total).
 */
export function linkedPossible(
  first: readonly Published[],
  outcomes: readonly Published[] | null,
  partial = false,
): number[][] {
  let low = 0;
  let high = Infinity;
  if (outcomes !== null) {
    const ranges = outcomes.map((o) => possible(o));
    low = ranges.reduce((n, r) => n + r[0]!, 0);
    high = partial ? Infinity : ranges.reduce((n, r) => n + r[r.length - 1]!, 0);
  }
  const ranges = first.map((p) => possible(p));
  const rest = ranges.map((_, i) =>
    ranges.slice(i).reduce((n, r) => [n[0]! + r[0]!, n[1]! + r[r.length - 1]!], [0, 0]),
  );
  const found = first.map(() => new Set<number>());
  const walk = (i: number, sum: number, values: number[]): void => {
    if (i === ranges.length) {
      if (sum >= low && sum <= high) values.forEach((v, j) => found[j]!.add(v));
      return;
    }
    // Only sums that can still reach the outcomes' range.
    if (sum + rest[i]![1]! < low || sum + rest[i]![0]! > high) return;
    for (const v of ranges[i]!) walk(i + 1, sum + v, [...values, v]);
  };
  walk(0, 0, []);
  return found.map((s) => [...s].sort((a, b) => a - b));
}
