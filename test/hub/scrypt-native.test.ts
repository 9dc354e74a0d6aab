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

/**
 * node:crypto's keys at COST, written out once (`scryptSync(password, salt, 32, COST).toString('hex')`): each made
 * here again would be 0.17 s of CPU on the test's own thread (docs/testing.md, session 37). The first input is still
 * checked against `scryptSync` live below, so these stay node:crypto's.
 */
const NODE_KEYS = {
  passphrase: 'b2a9f62de02f20a7212bc1d6d248da2d31abc3dcd3c128ecfd1e984bd61413d7', // 'a passphrase', Buffer.alloc(16, 1)
  empty: '9843261eeb30de046fef185006a8443597ab623f3e842026967beb460f4dddd8', // '', Buffer.alloc(16, 2)
  unicode: 'c907b7c096b71932427c0a4446c12bce6dc657f3205c23210e726ec6a3621eef', // 'pässwörd ✓ 🔑', 'a salt of another length'
  again: 'e2bef67215f3be189a1949f4398091500f6185d60b21bd3457c7728499cbfa0b', // 'again', Buffer.alloc(16, 3)
  pw: '300bb354955092b4aae4408a383d6b6966a25dbcb01722c192b2ef1cc50a20fc', // 'pw', Buffer.alloc(16, 7)
  fallback: 'df19b4f3ecb03d94d0470d6c98a2c8834ad5d98c7c2bd11e5cef23a63ef8c93e', // 'fallback', Buffer.alloc(16, 9)
} as const;

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
    expect(keys.map((k) => k.toString('hex'))).toEqual([NODE_KEYS.passphrase, NODE_KEYS.empty, NODE_KEYS.unicode]);
    expect(scryptSync('a passphrase', Buffer.alloc(16, 1), 32, COST).toString('hex')).toBe(NODE_KEYS.passphrase);
    // Not a power of two, and over the memory cap: node:crypto refuses both; so does the thread, as an error.
    await expect(hash(lane, 'x', Buffer.alloc(16), { ...COST, N: 8191 })).rejects.toThrow(/scrypt/);
    await expect(hash(lane, 'x', Buffer.alloc(16), { ...COST, maxmem: 1024 * 1024 })).rejects.toThrow(/scrypt/);
    expect(() => scryptSync('x', Buffer.alloc(16), 32, { ...COST, N: 8191 })).toThrow();
    // The lane still hashes after a refusal.
    expect((await hash(lane, 'again', Buffer.alloc(16, 3))).toString('hex')).toBe(NODE_KEYS.again);
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
    expect(child.stdout.trim()).toBe(NODE_KEYS.pw);
  }, 70_000);

  it('hashes in a worker thread when the addon is not there', async () => {
    useScryptAddon({ unavailable: 'not built (test)' });
    expect(scryptAddonUnavailable()).toBe('not built (test)');
    const before = threadsNamed('telecare-scrypt').length;
    const key = await hash({}, 'fallback', Buffer.alloc(16, 9));
    expect(key.toString('hex')).toBe(NODE_KEYS.fallback);
    expect(threadsNamed('telecare-scrypt').length).toBe(before);
  }, 60_000);
});
