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

// One scrypt at a time: a burst of logins then costs 32 MB of transient memory, not 32 MB a threadpool thread.
let lastScrypt: Promise<unknown> = Promise.resolve();

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  const run = (): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: MAX_MEMORY_BYTES }, (err, key) => (err ? reject(err) : resolve(key)));
    });
  const result = lastScrypt.then(run);
  lastScrypt = result.catch(() => undefined);
  return result;
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

/** Checks either stored form (scrypt with its own cost, or sha256 for generated secrets). */
export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const parts = (hash ?? DUMMY_HASH).split('$');
  const key = await derive(password, parts);
  if (!key) return false;
  const expected = Buffer.from(parts[parts.length - 1]!, 'base64');
  return expected.length === KEY_LENGTH && timingSafeEqual(key, expected) && hash !== undefined;
}

async function derive(password: string, parts: string[]): Promise<Buffer | undefined> {
  if (parts.length === 3 && parts[0] === 'sha256') return sha256(password, Buffer.from(parts[1]!, 'base64'));
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return undefined;
  // A cost scrypt refuses (not a power of two, over the memory cap) is a wrong hash, not a crash.
  return scryptAsync(password, Buffer.from(parts[4]!, 'base64'), N, r, p).catch(() => undefined);
}

/** A random password for a generated credential (24 url-safe characters, 144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
