// Stored password hashes at a small scrypt cost, for tests whose subject is not what a check costs (session 62).
import { randomBytes, scryptSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';

/**
 * `password`'s stored hash at N=1024, r=8, p=1 (about a millisecond), in the form `hashPassword` makes. A stored hash
 * carries its own cost and the hub checks it with that cost, in the same queue and thread as any other: only the
 * check's work is smaller. At the hub's own cost (N=8192, r=8, p=10) each hash, and each check of it, took 0.2 to
 * 0.6 s of a core on the 2-core test machine. For MQTT users in a configuration (dashboard users' hashes are made
 * again at the hub's cost at their next login).
 */
export function lowCostHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * For a file whose subject is what a hash at the hub's own cost does or says (its format, memory, time in the queue,
 * the rehash of an older cost): new hashes at the hub's cost (N=8192, r=8, p=10), not at the suite's
 * (`TELECARE_TEST_LOW_HASH_COST=1`, vitest.config.ts; session 63), in its hooks and tests and the processes they start.
 * Undone after the file, for the next file of a reused process.
 */
export function atHubHashCost(): void {
  const hubCost = (): void => {
    vi.stubEnv('TELECARE_TEST_LOW_HASH_COST', undefined);
  };
  beforeAll(hubCost);
  beforeEach(hubCost);
  afterAll(() => {
    vi.unstubAllEnvs();
  });
}
