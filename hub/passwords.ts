// Password hashing: scrypt for human-chosen passwords, salted SHA-256 for generated secrets; only hashes are stored.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
/**
 * N=2^15, r=8: 32 MB per hash (twice OWASP's 2^14 example). The size matters for memory too: glibc hands a
 * freed mmap()ed block of up to 32 MB back to the kernel but then raises its mmap threshold to that size, so
 * later hashes of the same size land in the threadpool threads' arenas and stay resident (16 MB a thread at
 * N=2^14). A block just over 32 MB is always mmap()ed and always returned.
 */
const COST = { N: 32768, r: 8, p: 1 } as const;
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
 * One scrypt at a time (a burst of logins then costs 32 MB of transient memory, not 32 MB a threadpool thread),
 * taken in turn from each source's queue: a flood of junk logins from one address delays another address's
 * check by at most one hash per flooding source, never by the whole flood.
 */
const queues = new Map<string, (() => void)[]>();
let scryptRunning = false;
let scryptRuns = 0;

/** How many scrypt derivations have started since the process began (tests count them under a flood). */
export function scryptRunCount(): number {
  return scryptRuns;
}

let lastServed: string | undefined;

function pump(): void {
  if (scryptRunning || queues.size === 0) return;
  // Round robin: the oldest waiting source that was not served last (Map keeps insertion order), so a source
  // that arrives behind a flood waits for at most the hash already running.
  let source = queues.keys().next().value!;
  for (const key of queues.keys()) {
    if (key !== lastServed) {
      source = key;
      break;
    }
  }
  const queue = queues.get(source)!;
  const job = queue.shift()!;
  queues.delete(source);
  if (queue.length > 0) queues.set(source, queue);
  lastServed = source;
  scryptRunning = true;
  scryptRuns++;
  job();
}

function scryptAsync(
  password: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  source?: string,
): Promise<Buffer> {
  const key = source ?? '';
  const queue = queues.get(key) ?? [];
  // Without a source (dashboard, tools) the queue is unbounded, as callers expect every check to be answered.
  if (source !== undefined && queue.length >= MAX_PENDING_PER_SOURCE) return Promise.reject(new HashQueueFull());
  return new Promise<Buffer>((resolve, reject) => {
    const done = (err: Error | null, derived?: Buffer): void => {
      scryptRunning = false;
      pump();
      if (err) reject(err);
      else resolve(derived!);
    };
    queue.push(() => {
      // Node throws at once on a cost it refuses (not a power of two, over the memory cap): the queue must go on.
      try {
        scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: MAX_MEMORY_BYTES }, done);
      } catch (err) {
        done(err as Error);
      }
    });
    if (!queues.has(key)) queues.set(key, queue);
    pump();
  });
}

function sha256(secret: string, salt: Buffer): Buffer {
  return createHash('sha256').update(salt).update(secret, 'utf8').digest();
}

/** For anything a person chose or may choose: `scrypt$N$r$p$<salt base64>$<key base64>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, COST.N, COST.r, COST.p);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
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
const DUMMY_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;

/**
 * Checks either stored form (scrypt with its own cost, or sha256 for generated secrets, never queued). With a
 * `source`, the check waits in that source's bounded queue and rejects with `HashQueueFull` when it is full.
 */
export async function verifyPassword(
  password: string,
  hash: string | undefined,
  options: { source?: string } = {},
): Promise<boolean> {
  const stored = parseHash(hash ?? DUMMY_HASH);
  const key = stored && (await derive(password, stored, options.source));
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

async function derive(password: string, stored: StoredHash, source: string | undefined): Promise<Buffer | undefined> {
  if (stored.scheme === 'sha256') return sha256(password, stored.salt);
  // A cost scrypt refuses (not a power of two, over the memory cap) is a wrong hash, not a crash.
  return scryptAsync(password, stored.salt, stored.N, stored.r, stored.p, source).catch((err: unknown) => {
    if (err instanceof HashQueueFull) throw err;
    return undefined;
  });
}

/** A random password for a generated credential (24 url-safe characters, 144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
