// Disclosure control for reports: small-number suppression (NHS England style) and keyed pseudonyms of residents.
import { createHmac } from 'node:crypto';

/** A published count: `*` for 1 to 7, otherwise rounded to the nearest 5 (0 stays 0). */
export type PublishedCount = number | '*';

/**
 * A cell of a period withheld for its few homes (review, session 76): an analyst's week or month in which 1 to 7 homes
 * were monitored publishes every count as `*`, 0 included, so that "falls `*`" of a one-home week is no longer that
 * resident's fall. Published as `*`; read by the bounds below (`possibleTotals`, `secondBreakdown`, `partOf`) as 0 to
 * 7, not 1 to 7 as a `*` of a period with 8 homes or more.
 */
export const WITHHELD = 'withheld';
/** A published cell as the bounds read it: a count as published, or a cell of a withheld period (0 to 7). */
export type BoundCell = PublishedCount | typeof WITHHELD;

/** The cells of a withheld period as the bounds read them (`WITHHELD`, 0 to 7 each). */
export function withheldCells(cells: readonly BoundCell[]): BoundCell[] {
  return cells.map(() => WITHHELD);
}

export function suppressCount(count: number): PublishedCount {
  if (count <= 0) return 0;
  if (count <= 7) return '*';
  return Math.round(count / 5) * 5;
}

/**
 * A total published as the sum of its parts as published (review, session 70): each `*` counted as 0, and `*` itself
 * when every part is `*` or 0 with at least one `*` (nothing shown to add). A total worked out from the exact counts,
 * even suppressed and rounded on its own, told what its parts' `*` hid: weeks of falls `*`, `*`, `*`, `*`, 10 with 10
 * in all leave one possibility (four of at least 1 and one of at least 8 make 12, the most a published 10 can be): one
 * fall each week. A total of the published parts is worked out from what is shown already, so it can tell nothing
 * more (OpenSAFELY's disclosure guidance: totals recomputed from the redacted, rounded cells). It may be lower than
 * the exact total (its `*` parts) or higher (parts rounded up: 8 and 8 make 20); the disclosure text says so.
 */
export function totalOfShown(parts: Iterable<PublishedCount>): PublishedCount {
  let sum = 0;
  let hidden = false;
  for (const part of parts) {
    if (part === '*') hidden = true;
    else sum += part;
  }
  return sum === 0 && hidden ? '*' : sum;
}

/**
 * The total of exact `counts` (one part each) and of `all` less their sum (the part no key names: an alert of a kind
 * this version does not know, a flag of no watched habit), worked out from the parts as published (`totalOfShown`).
 */
export function totalOfParts(counts: Record<string, number>, all: number): PublishedCount {
  const named = Object.values(counts);
  const rest = all - named.reduce((n, c) => n + c, 0);
  return totalOfShown([...named, rest].map(suppressCount));
}

/**
 * The exact totals that published parts leave possible, as a range: 0 is 0, `*` is 1 to 7, n is n - 2 to n + 2 (what
 * an analyst who knows the rule reads; n = 10 is 8 to 12, 8 rounding up to 10); a cell of a period withheld for its few
 * homes is 0 to 7 (`WITHHELD`, session 76).
 */
export function possibleTotals(parts: Iterable<BoundCell>): { low: number; high: number } {
  let low = 0;
  let high = 0;
  for (const part of parts) {
    if (part === WITHHELD) {
      high += 7;
    } else if (part === '*') {
      low += 1;
      high += 7;
    } else if (part > 0) {
      low += part - 2;
      high += part + 2;
    }
  }
  return { low, high };
}

/**
 * A second breakdown of items a report breaks down already (review, session 72): the outcomes of the alerts it counts
 * by kind, of the falls it counts as falls and possible falls, of the flags it counts by habit. `counts`: the exact
 * count of each outcome; `first`: the published cells of the other breakdown of the same items (every cell an analyst
 * reads them in: in the centre's report, each week's). `partial`: the outcomes count only some of the items (a flag
 * whose alert is still open has none), so that they add up to at most the total.
 *
 * Each cell suppressed and rounded on its own, as every count, the two breakdowns told what their `*` hid: their exact
 * sums are the same number, so when one outcome held every alert (all still open, every fall "no action needed") that
 * cell was the exact total rounded on its own, and read against the kinds as the old totals did (one kind of 8 and four
 * of 1 are 10, `*`, `*`, `*`, `*`; 12 alerts all open, published 10, leave only 8 + 1 + 1 + 1 + 1). The breakdown is
 * now published only when at least two of its outcomes are nonzero and its cells and `first`, as published, leave the
 * total at least two possible numbers, or when there is nothing to break down (every cell of both 0, which `first`
 * says already); otherwise it is withheld whole (null). Both conditions read published figures
 * only, and:
 * - when it is published, every `*` of either breakdown keeps at least two possible counts: a count of a breakdown is
 *   pinned only where the total the two leave possible is one number (every cell of one breakdown at the bottom of
 *   what it shows, every cell of the other at the top);
 * - a withheld breakdown tells nothing of the total: a single outcome (or none) is withheld whatever its count, and
 *   one outcome can hold any number of items, so every total the first breakdown allows stays possible.
 * `npm run council:linked` counts the recoveries, before and after, over every small report.
 */
export function secondBreakdown<K extends string>(
  counts: Record<K, number>,
  first: Iterable<BoundCell>,
  partial = false,
  bounds: WholeBounds = {},
): Record<K, PublishedCount> | null {
  const published = Object.fromEntries(Object.entries<number>(counts).map(([k, n]) => [k, suppressCount(n)])) as Record<
    K,
    PublishedCount
  >;
  const cells = Object.values<PublishedCount>(published);
  const firstCells = [...first];
  // Nothing to break down, as the first breakdown's zeros say already: every outcome 0, published.
  if (cells.every((c) => c === 0) && firstCells.every((c) => c === 0)) return published;
  if (cells.filter((c) => c !== 0).length < 2) return null;
  const byFirst = possibleTotals(firstCells);
  byFirst.high += bounds.slack ?? 0;
  const bySecond = possibleTotals(cells);
  // The totals both leave possible (outcomes that count only some items say only that the total is at least theirs),
  // and at least what the parts published on their own say (session 72, round 2: `partOf`).
  const low = Math.max(byFirst.low, bySecond.low, bounds.atLeast ?? 0);
  const high = partial ? byFirst.high : Math.min(byFirst.high, bySecond.high);
  return high - low >= 1 ? published : null;
}

/**
 * What else an analyst knows of the total of a breakdown's cells: `atLeast`, a lower bound the parts published on their
 * own give (`partOf`: 30 flags followed by an alert, 28 or more, say the habits hold at least 28); `slack`, how much
 * higher than `possibleTotals` says the cells can add up to (a cell shown at its part's cap may be 3 above it).
 */
export interface WholeBounds {
  atLeast?: number;
  slack?: number;
}

/**
 * The most a part of the total of `whole`'s cells is shown as (review, session 72, round 2): the highest multiple of 5
 * at most one above the highest total the cells allow (`possibleTotals`, plus `slack`), and never below 10.
 */
export function partCap(whole: Iterable<BoundCell>, slack = 0): number {
  const high = possibleTotals(whole).high + slack;
  return Math.max(10, Math.floor((high + 1) / 5) * 5);
}

/**
 * A count that is a part of the items `whole`'s cells break down (urgent alerts of the alerts of the kinds that can be
 * urgent, flags followed by an alert of the flags by habit, residents with an alert of the alerts, routine-change
 * alerts of their flags), published (review, session 72, round 2). Rounded on its own, it bounded the whole from
 * below: four habits shown as `*` (28 at most) and 30 flags followed by an alert (28 at least) leave each habit 7. It
 * is shown as `suppressCount` does, but never above `partCap`, so that what it says (the count is at least the shown
 * value less 2) leaves the whole's total at least two possible numbers, and so every `*` of the whole at least two
 * counts. The cap bites only where the exact count is the highest the whole's cells allow and would round up by 2 (it
 * is then shown 3 below the count, not 2 above); a part shown at its cap may be up to 3 above it (`slack`).
 */
export function partOf(count: number, whole: Iterable<BoundCell>, slack = 0): PublishedCount {
  const shown = suppressCount(count);
  return typeof shown === 'number' && shown > 0 ? Math.min(shown, partCap(whole, slack)) : shown;
}

/** The lowest exact count a published count may be: 0 for 0, 1 for `*`, n - 2 for n, 0 for a withheld cell. */
export function lowestOf(shown: BoundCell): number {
  return shown === WITHHELD ? 0 : shown === '*' ? 1 : shown > 0 ? shown - 2 : 0;
}

/**
 * A share (0..1, three decimals) of two published counts: `*` when either is `*`, null when the denominator is 0.
 */
export function shareOfShown(numerator: PublishedCount, denominator: PublishedCount): number | '*' | null {
  if (numerator === '*' || denominator === '*') return denominator === 0 ? null : '*';
  if (denominator <= 0) return null;
  return Math.round((numerator / denominator) * 1000) / 1000;
}

/**
 * A share (0..1, three decimals) of a denominator, worked out from the two published counts: a share of the exact
 * counts (9 of 21 = 0.429) would give back both counts that rounding hides. `*` when either count is `*`, null when
 * the denominator is 0.
 */
export function suppressShare(numerator: number, denominator: number): number | '*' | null {
  if (denominator <= 0) return null;
  return shareOfShown(suppressCount(numerator), suppressCount(denominator));
}

export const PSEUDONYM_HEX_CHARS = 16;

/** HMAC-SHA256 of the resident's identity under the hub's secret, truncated: stable per hub, unlinkable without the secret. */
export function residentPseudonym(secret: Buffer | string, homeId: string, residentId: string | null): string {
  return createHmac('sha256', secret)
    .update(`resident\u0000${homeId}\u0000${residentId ?? '*'}`)
    .digest('hex')
    .slice(0, PSEUDONYM_HEX_CHARS);
}
