// Session ids and API tokens: made random, stored as SHA-256 hashes, compared in constant time (passwords use hub/passwords.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Session ids and API tokens are 256 random bits, so a fast hash is enough to keep a stolen database
 * from yielding usable credentials (scrypt's slowness only matters for guessable secrets), and it keeps
 * every authenticated request cheap.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function sameSecretHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
