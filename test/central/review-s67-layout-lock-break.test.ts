// Review, session 67: six `hub add` at once on a lock left by a killed command lost one hub (flat-3) while every
// command said it was added (seen once in a full run of test/central/review-s63-layout-lock.test.ts at load 15-20).
// Two commands found the lock's holder dead; the first removed the lock and the next took it anew; the second then
// removed that live lock too, and two commands changed the layout at once. A dead holder's lock is now broken under a
// breaker file (`breakDeadLock`), which looks again at the holder: the interleaving is made here step by step, with a
// real dead process's pid and this process's own as the successor's.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { breakDeadLock, changeLayout, createLayout, layoutPath } from '../../central/nats-cluster.js';
import { tempDir } from '../hub/helpers.js';

const dir = tempDir('central-s67-lock-break');
const lock = path.join(dir, 'cluster.json.lock');
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid;

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("breaks a dead holder's lock once, and leaves the lock its successor took since", () => {
  fs.writeFileSync(lock, String(deadPid()));
  expect(breakDeadLock(lock)).toBe(true);
  expect(fs.existsSync(lock)).toBe(false);
  expect(fs.existsSync(`${lock}.break`)).toBe(false);
  // A second command had found the same holder dead before the first broke it; meanwhile a third took the lock.
  fs.writeFileSync(lock, String(process.pid));
  expect(breakDeadLock(lock)).toBe(false);
  expect(fs.readFileSync(lock, 'utf8')).toBe(String(process.pid));
});

it('leaves the breaking to a breaker at work, and clears one left by a breaker that died', () => {
  fs.writeFileSync(lock, String(deadPid()));
  fs.writeFileSync(`${lock}.break`, '');
  expect(breakDeadLock(lock)).toBe(false);
  expect(fs.existsSync(lock)).toBe(true);
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(`${lock}.break`, past, past);
  expect(breakDeadLock(lock)).toBe(false);
  expect(breakDeadLock(lock)).toBe(true);
  expect(fs.existsSync(lock)).toBe(false);
});

it('changes the layout past a dead holder’s lock, and leaves no lock or breaker', async () => {
  await createLayout({ dir, bcryptCost: 4 });
  fs.writeFileSync(`${layoutPath(dir)}.lock`, String(deadPid()));
  const changed = await changeLayout(dir, (layout) => ({ ...layout, hubs: [] }));
  expect(changed.hubs).toEqual([]);
  expect(fs.existsSync(`${layoutPath(dir)}.lock`)).toBe(false);
  expect(fs.existsSync(`${layoutPath(dir)}.lock.break`)).toBe(false);
});
