// Password hashes in a plain native thread (native/scrypt-thread.c), no V8 isolate: the same keys as node:crypto,
// a refused cost answered as an error, one niced thread per hash queue, the loop held only while a hash is pending,
// and the worker thread when the addon is not there (docs/performance.md, "Memory at 1,000 homes (session 34)").
import { spawnSync } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadScryptAddon,
  scryptAddonUnavailable,
  scryptInThread,
  scryptThreadLibrary,
  useScryptAddon,
} from '../../hub/scrypt-thread.js';
import { projectRoot } from './helpers.js';

const linux = process.platform === 'linux';
const COST = { N: 8192, r: 8, p: 10, maxmem: 64 * 1024 * 1024 };

function hash(lane: object, password: string, salt: Buffer, options = COST): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptInThread(lane, password, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key!))),
  );
}

/** This process's threads by name (/proc/self/task/<tid>/comm) with their nice values. */
function threadsNamed(name: string): number[] {
  const nices: number[] = [];
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      if (fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== name) continue;
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      nices.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19 - 3]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return nices;
}

afterEach(() => useScryptAddon(undefined));

describe.skipIf(!linux)('password hashes in a native thread', () => {
  it('is built by npm run build and loads', () => {
    expect(fs.existsSync(scryptThreadLibrary())).toBe(true);
    expect('unavailable' in loadScryptAddon()).toBe(false);
    expect(scryptAddonUnavailable()).toBeUndefined();
  });

  it("gives node:crypto's keys, in order, from one niced thread per queue; a refused cost is an error", async () => {
    const lane = {};
    const inputs: [string, Buffer][] = [
      ['a passphrase', Buffer.alloc(16, 1)],
      ['', Buffer.alloc(16, 2)],
      ['pässwörd ✓ 🔑', Buffer.from('a salt of another length')],
    ];
    const keys = await Promise.all(inputs.map(([pw, salt]) => hash(lane, pw, salt)));
    expect(keys.map((k) => k.toString('hex'))).toEqual(
      inputs.map(([pw, salt]) => scryptSync(pw, salt, 32, COST).toString('hex')),
    );
    // Not a power of two, and over the memory cap: node:crypto refuses both; so does the thread, as an error.
    await expect(hash(lane, 'x', Buffer.alloc(16), { ...COST, N: 8191 })).rejects.toThrow(/scrypt/);
    await expect(hash(lane, 'x', Buffer.alloc(16), { ...COST, maxmem: 1024 * 1024 })).rejects.toThrow(/scrypt/);
    expect(() => scryptSync('x', Buffer.alloc(16), 32, { ...COST, N: 8191 })).toThrow();
    // The lane still hashes after a refusal.
    expect(
      (await hash(lane, 'again', Buffer.alloc(16, 3))).equals(scryptSync('again', Buffer.alloc(16, 3), 32, COST)),
    ).toBe(true);
    // One thread for this lane (others may exist for other tests' lanes), niced 10 below this one.
    const before = threadsNamed('telecare-scrypt').length;
    const other = {};
    await hash(other, 'one', Buffer.alloc(16));
    await hash(other, 'two', Buffer.alloc(16));
    const nices = threadsNamed('telecare-scrypt');
    expect(nices.length).toBe(before + 1);
    expect(nices.every((n) => n === 10)).toBe(true);
  }, 60_000);

  it('holds the loop while a hash is pending and lets it go after (a process ends on its own)', () => {
    const script = `
      import { scryptInThread } from ${JSON.stringify(path.join(projectRoot, 'dist/hub/scrypt-thread.js'))};
      scryptInThread({}, 'pw', Buffer.alloc(16, 7), 32, { N: 8192, r: 8, p: 10, maxmem: 64 << 20 }, (err, key) => {
        console.log(err ? 'error ' + err.message : key.toString('hex'));
      });`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe(scryptSync('pw', Buffer.alloc(16, 7), 32, COST).toString('hex'));
  }, 70_000);

  it('hashes in a worker thread when the addon is not there', async () => {
    useScryptAddon({ unavailable: 'not built (test)' });
    expect(scryptAddonUnavailable()).toBe('not built (test)');
    const before = threadsNamed('telecare-scrypt').length;
    const key = await hash({}, 'fallback', Buffer.alloc(16, 9));
    expect(key.equals(scryptSync('fallback', Buffer.alloc(16, 9), 32, COST))).toBe(true);
    expect(threadsNamed('telecare-scrypt').length).toBe(before);
  }, 60_000);
});
