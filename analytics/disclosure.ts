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
 * A share (0..1, three decimals) of a denominator, worked out from the two published counts: a share of the exact
 * counts (9 of 21 = 0.429) would give back both counts that rounding hides. `*` when either count is `*`, null when
 * the denominator is 0.
 */
export function suppressShare(numerator: number, denominator: number): number | '*' | null {
  if (denominator <= 0) return null;
  const published = [suppressCount(numerator), suppressCount(denominator)] as const;
  if (published[0] === '*' || published[1] === '*') return '*';
  return Math.round((published[0] / published[1]) * 1000) / 1000;
}

export const PSEUDONYM_HEX_CHARS = 16;

/** HMAC-SHA256 of the resident's identity under the hub's secret, truncated: stable per hub, unlinkable without the secret. */
export function residentPseudonym(secret: Buffer | string, homeId: string, residentId: string | null): string {
  return createHmac('sha256', secret)
    .update(`resident\u0000${homeId}\u0000${residentId ?? '*'}`)
    .digest('hex')
    .slice(0, PSEUDONYM_HEX_CHARS);
}
