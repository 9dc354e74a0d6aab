// Password hashing: scrypt for human-chosen passwords, salted SHA-256 for generated secrets; only hashes are stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { scryptInThread } from './scrypt-thread.js';

const KEY_LENGTH = 32;
/**
 * N=2^13, r=8, p=10: one of OWASP's equivalent scrypt settings (its minimum is N=2^17, p=1, or the same work spread
 * over more lanes), an 8 MB block per hash where N=2^17 takes 128 MB. OpenSSL runs the p lanes one after the other
 * in that one block, so the memory stays 8 MB whatever p is, and on this CPU the hash costs less time than the
 * former N=2^15, p=1 (32 MB, below OWASP's minimum), the block fitting better in the caches. Freed, an 8 MB block
 * is given back to the kernel only when glibc always mmap()s blocks this size: glibc otherwise raises its mmap
 * threshold to the first freed block and keeps the later ones in the threadpool threads' arenas (8 MB resident per
 * thread). `npm start` sets `MALLOC_MMAP_THRESHOLD_` for this; `hub/main.ts` warns when it is missing.
 */
const COST = { N: 8192, r: 8, p: 10 } as const;
/**
 * The test suite's cost (N=2^10, r=8, p=1: about a millisecond): new hashes, and the check of an unknown user, at it
 * while TELECARE_TEST_LOW_HASH_COST=1 and NODE_ENV=test (vitest sets it; `npm start`, the service and the CLIs do
 * not), so that a real install can never hash at it, whatever its environment. For the suite's hub starts and logins
 * whose subject is not what a check costs (docs/testing.md, session 63); `hub/main.ts` refuses the variable without
 * NODE_ENV=test, and a hub started with it logs a warning.
 */
const TEST_COST = { N: 1024, r: 8, p: 1 } as const;

/** True when new hashes are made at the test suite's cost (`TEST_COST`). */
export function testHashCost(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TELECARE_TEST_LOW_HASH_COST === '1' && env.NODE_ENV === 'test';
}

/** Today's cost of a new hash: the hub's, or the test suite's (`testHashCost()`). */
function cost(): { N: number; r: number; p: number } {
  return testHashCost() ? TEST_COST : COST;
}
const MAX_MEMORY_BYTES = 64 * 1024 * 1024;

/** Pending scrypt runs one source (a remote address) may have; more are refused at once (`HashQueueFull`). */
export const MAX_PENDING_PER_SOURCE = 4;

/** A source already has `MAX_PENDING_PER_SOURCE` hashes waiting: refused without hashing. */
export class HashQueueFull extends Error {
  constructor() {
    super('too many password checks pending from this source');
    this.name = 'HashQueueFull';
  }
}

/**
 * Who a hash is for. The broker's device credentials and the dashboard's people each have their own queue, so a
 * flood of wrong dashboard logins never delays a device's reconnect (and the reverse); at most one hash per queue
 * runs at a time (two 8 MB blocks at most), each queue in a low-priority thread of its own (`hub/scrypt-thread.ts`).
 */
export type HashQueue = 'broker' | 'dashboard';

/**
 * One queue: one scrypt at a time, taken in turn from each source's pending checks, so a flood of junk from one
 * address delays another address's check by at most one hash per flooding source, never by the whole flood.
 */
class ScryptQueue {
  private readonly sources = new Map<string, (() => void)[]>();
  private running = false;
  private lastServed: string | undefined;

  /** Checks waiting (not running) in this queue. */
  get pending(): number {
    let n = 0;
    for (const jobs of this.sources.values()) n += jobs.length;
    return n;
  }

  run(password: string, salt: Buffer, N: number, r: number, p: number, source?: string): Promise<Buffer> {
    const key = source ?? '';
    const jobs = this.sources.get(key) ?? [];
    // Without a source (tools, start-up) the queue is unbounded, as callers expect every check to be answered.
    if (source !== undefined && jobs.length >= MAX_PENDING_PER_SOURCE) return Promise.reject(new HashQueueFull());
    return new Promise<Buffer>((resolve, reject) => {
      const done = (err: Error | null, derived?: Buffer): void => {
        this.running = false;
        this.pump();
        if (err) reject(err);
        else resolve(derived!);
      };
      jobs.push(() => {
        // Node throws at once on a cost it refuses (not a power of two, over the memory cap): the queue must go on.
        try {
          scryptInThread(this, password, salt, KEY_LENGTH, { N, r, p, maxmem: MAX_MEMORY_BYTES }, done);
        } catch (err) {
          done(err as Error);
        }
      });
      if (!this.sources.has(key)) this.sources.set(key, jobs);
      this.pump();
    });
  }

  private pump(): void {
    if (this.running || this.sources.size === 0) return;
    // Round robin: the oldest waiting source that was not served last (Map keeps insertion order), so a source
    // that arrives behind a flood waits for at most the hash already running.
    let source = this.sources.keys().next().value!;
    for (const key of this.sources.keys()) {
      if (key !== this.lastServed) {
        source = key;
        break;
      }
    }
    const jobs = this.sources.get(source)!;
    const job = jobs.shift()!;
    this.sources.delete(source);
    if (jobs.length > 0) this.sources.set(source, jobs);
    this.lastServed = source;
    this.running = true;
    scryptRuns++;
    job();
  }
}

const queues: Record<HashQueue, ScryptQueue> = { broker: new ScryptQueue(), dashboard: new ScryptQueue() };
let scryptRuns = 0;

/** How many scrypt derivations have started since the process began (tests count them under a flood). */
export function scryptRunCount(): number {
  return scryptRuns;
}

/** Checks waiting in a queue behind the one running (tests and the bench watch a flood with it). */
export function pendingHashes(queue: HashQueue): number {
  return queues[queue].pending;
}

/** Where a hash runs: `queue` (default `broker`), and `source` (a remote address) for its bounded, fair share. */
export interface HashOptions {
  source?: string;
  queue?: HashQueue;
}

function sha256(secret: string, salt: Buffer): Buffer {
  return createHash('sha256').update(salt).update(secret, 'utf8').digest();
}

/** For anything a person chose or may choose: `scrypt$N$r$p$<salt base64>$<key base64>`. */
export async function hashPassword(password: string, options: HashOptions = {}): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = cost();
  const key = await queues[options.queue ?? 'broker'].run(password, salt, N, r, p, options.source);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * Only for secrets from `generatePassword()` (144 random bits, never typed in by a person): no guessing can
 * succeed, so a slow hash adds nothing but time and memory. `sha256$<salt base64>$<digest base64>`.
 */
export function hashGeneratedSecret(secret: string): string {
  const salt = randomBytes(16);
  return `sha256$${salt.toString('base64')}$${sha256(secret, salt).toString('base64')}`;
}

// Checked against when the user is unknown, so that a wrong username costs as much time as a wrong password.
function dummyHash(): string {
  const { N, r, p } = cost();
  return `scrypt$${N}$${r}$${p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;
}

/**
 * Checks either stored form (scrypt with its own cost, or sha256 for generated secrets, never queued). With a
 * `source`, the check waits in that source's bounded queue and rejects with `HashQueueFull` when it is full.
 */
export async function verifyPassword(
  password: string,
  hash: string | undefined,
  options: HashOptions = {},
): Promise<boolean> {
  const stored = parseHash(hash ?? dummyHash());
  const key = stored && (await derive(password, stored, options));
  if (!stored || !key) return false;
  return stored.key.length === KEY_LENGTH && timingSafeEqual(key, stored.key) && hash !== undefined;
}

/** A stored hash in either form, its fields decoded; undefined when it is in neither. */
type StoredHash =
  | { scheme: 'sha256'; salt: Buffer; key: Buffer }
  | { scheme: 'scrypt'; N: number; r: number; p: number; salt: Buffer; key: Buffer };

function parseHash(hash: string): StoredHash | undefined {
  const [scheme, ...fields] = hash.split('$');
  if (scheme === 'sha256') {
    const [salt, key, ...extra] = fields;
    if (salt === undefined || key === undefined || extra.length > 0) return undefined;
    return { scheme, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
  }
  if (scheme !== 'scrypt') return undefined;
  const [N, r, p, salt, key, ...extra] = fields;
  if (salt === undefined || key === undefined || extra.length > 0) return undefined;
  // A missing cost field is NaN here, which the check below refuses.
  const cost = { N: Number(N), r: Number(r), p: Number(p) };
  if (!Object.values(cost).every((n) => Number.isInteger(n) && n > 0)) return undefined;
  return { scheme, ...cost, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

// A stored cost this many times today's work or more: every check would hold the broker's one-at-a-time queue.
const MAX_WORK_OVER_TODAY = 4;

/**
 * Why a configured hash can never be checked, or would stall every login behind it; undefined when it is usable.
 * (The words never quote the hash.)
 */
export function storedHashProblem(hash: string): string | undefined {
  const stored = parseHash(hash);
  const readable =
    stored !== undefined &&
    stored.key.length === KEY_LENGTH &&
    stored.salt.length > 0 &&
    (stored.scheme === 'sha256' ||
      ((stored.N & (stored.N - 1)) === 0 && stored.N > 1 && 128 * stored.N * stored.r <= MAX_MEMORY_BYTES));
  if (!readable) return 'not a hash that any password can match (damaged or cut short)';
  if (stored.scheme === 'scrypt' && stored.N * stored.r * stored.p >= MAX_WORK_OVER_TODAY * COST.N * COST.r * COST.p) {
    return `scrypt cost N=${stored.N}, r=${stored.r}, p=${stored.p} is too high: each check would hold up every other login`;
  }
  return undefined;
}

async function derive(password: string, stored: StoredHash, options: HashOptions): Promise<Buffer | undefined> {
  if (stored.scheme === 'sha256') return sha256(password, stored.salt);
  const queue = queues[options.queue ?? 'broker'];
  // A cost scrypt refuses (not a power of two, over the memory cap) is a wrong hash, not a crash.
  return queue.run(password, stored.salt, stored.N, stored.r, stored.p, options.source).catch((err: unknown) => {
    if (err instanceof HashQueueFull) throw err;
    return undefined;
  });
}

/**
 * A scrypt hash made with another cost than today's (an older, weaker setting): to be made again from the password
 * at its next successful check. Generated secrets' SHA-256 hashes and unreadable hashes are left as they are.
 */
export function needsRehash(hash: string): boolean {
  const stored = parseHash(hash);
  const today = cost();
  return stored?.scheme === 'scrypt' && (stored.N !== today.N || stored.r !== today.r || stored.p !== today.p);
}

/** A random password for a generated credential (24 url-safe characters, 144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
