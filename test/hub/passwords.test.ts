// Stored password hashes: scrypt for chosen passwords, salted SHA-256 for generated secrets, both verified.
import { describe, expect, it } from 'vitest';
import { generatePassword, hashGeneratedSecret, hashPassword, verifyPassword } from '../../hub/passwords.js';

describe('password hashes', () => {
  it('keeps a chosen password as a salted scrypt hash that says its own cost', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await hashPassword('correct horse')).not.toBe(hash);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
  });

  it('still verifies hashes made with the earlier scrypt cost (config files written before)', async () => {
    // scrypt N=16384, r=8, p=1 of "s3cret-pass" with an all-zero salt, as hashPassword made them before.
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.alloc(16);
    const key = scryptSync('s3cret-pass', salt, 32, { N: 16384, r: 8, p: 1 });
    const old = `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifyPassword('s3cret-pass', old)).toBe(true);
    expect(await verifyPassword('other', old)).toBe(false);
  });

  it('keeps a generated secret as a salted SHA-256 hash', async () => {
    const secret = generatePassword();
    const hash = hashGeneratedSecret(secret);
    expect(hash).toMatch(/^sha256\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain(secret);
    expect(hashGeneratedSecret(secret)).not.toBe(hash);
    expect(await verifyPassword(secret, hash)).toBe(true);
    expect(await verifyPassword(generatePassword(), hash)).toBe(false);
  });

  it('refuses unknown users and malformed hashes without throwing', async () => {
    expect(await verifyPassword('anything', undefined)).toBe(false);
    for (const bad of [
      '',
      'plain',
      'md5$x$y',
      'sha256$only',
      'scrypt$3$8$1$AAAA$AAAA',
      'scrypt$16384$8$1$AAAA$c2hvcnQ=',
      'sha256$AAAA$c2hvcnQ=',
    ]) {
      expect(await verifyPassword('anything', bad)).toBe(false);
    }
  });

  it('answers a burst of checks (run one scrypt at a time), even with a refused cost among them', async () => {
    const hash = await hashPassword('burst-pass');
    const results = await Promise.all([
      verifyPassword('burst-pass', hash),
      verifyPassword('anything', 'scrypt$3$8$1$AAAA$AAAA'),
      verifyPassword('wrong', hash),
      verifyPassword('burst-pass', hash),
    ]);
    expect(results).toEqual([true, false, false, true]);
  });
});
