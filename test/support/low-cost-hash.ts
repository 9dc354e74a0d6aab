// Stored password hashes at a small scrypt cost, for tests whose subject is not what a check costs (session 62).
import { randomBytes, scryptSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import { needsRehash } from '../../hub/passwords.js';

/**
 * `password`'s stored hash at N=1024, r=8, p=1 (about a millisecond), in the form `hashPassword` makes. A stored hash
 * carries its own cost and the hub checks it with that cost, in the same queue and thread as any other: only the
 * check's work is smaller. At the hub's own cost (N=8192, r=8, p=10) each hash, and each check of it, took 0.2 to
 * 0.6 s of a core on the 2-core test machine. For MQTT users in a configuration (dashboard users' hashes are made
 * again at the hub's cost at their next login).
 */
export function lowCostHash(password: string): string {
  return storedScrypt(password, { N: 1024, r: 8, p: 1 });
}

function storedScrypt(password: string, cost: { N: number; r: number; p: number }): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { ...cost, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * `password`'s stored hash at the hub's own cost (N=8192, r=8, p=10), for one credential whose check's cost is a
 * test's subject in a file that otherwise keeps the suite's low cost (its hubs' dashboard admin, its other users).
 * Made here, at this process's priority: in the hub's niced hashing thread (`hashPassword`) a hash at this cost took
 * 7 to 11 s on a loaded 2-core machine (docs/testing.md, session 67). Throws if the hub's cost is no longer this one.
 */
export function hubCostHash(password: string): string {
  const hash = storedScrypt(password, { N: 8192, r: 8, p: 10 });
  const suite = process.env.TELECARE_TEST_LOW_HASH_COST;
  vi.stubEnv('TELECARE_TEST_LOW_HASH_COST', undefined);
  const stale = needsRehash(hash);
  vi.stubEnv('TELECARE_TEST_LOW_HASH_COST', suite);
  if (stale) throw new Error('hubCostHash: the hub no longer hashes at N=8192, r=8, p=10; change it here');
  return hash;
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
