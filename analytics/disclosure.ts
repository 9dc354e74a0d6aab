// Disclosure control for reports: small-number suppression (NHS England style) and keyed pseudonyms of residents.
import { createHmac } from 'node:crypto';

/** A published count: `*` for 1 to 7, otherwise rounded to the nearest 5 (0 stays 0). */
export type PublishedCount = number | '*';

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
