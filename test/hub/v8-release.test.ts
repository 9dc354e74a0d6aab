// V8's committed heap pages given back once the hub has started (native/v8-release.cc, hub/v8-release.ts): the addon
// really makes V8 give back the pages of freed objects (which a full collection through gc() does not), the hub asks
// once, after start, only on an idle loop, and a hub without the addon starts as before.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadV8Release, scheduleV8Release, v8ReleaseLibrary, type V8ReleaseResult } from '../../hub/v8-release.js';
import { killHub, pendantAlert, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

const run = promisify(execFile);
const built = fs.existsSync(v8ReleaseLibrary());
const linux = process.platform === 'linux';

let hub: HubProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await killHub(hub);
  hub = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the V8 release addon', () => {
  it.runIf(built)('gives back the heap pages of freed objects that a full collection keeps committed', async () => {
    // A process of its own: ~40 MB of small objects made and dropped, a full collection (gc(), what the hub could do
    // without the addon), then the addon's release; V8's committed heap (heapTotal) after each.
    const script = `
      const m = { exports: {} };
      process.dlopen(m, ${JSON.stringify(v8ReleaseLibrary())});
      let junk = [];
      for (let i = 0; i < 300000; i++) junk.push({ a: i, b: 'x' + i, c: [i, i] });
      junk = null;
      globalThis.gc();
      const afterGc = process.memoryUsage().heapTotal;
      m.exports.release();
      console.log(JSON.stringify({ afterGc, afterRelease: process.memoryUsage().heapTotal }));`;
    const { stdout } = await run(process.execPath, ['--expose-gc', '-e', script], { timeout: 30_000 });
    const result = JSON.parse(stdout) as { afterGc: number; afterRelease: number };
    // Measured: 46 MB committed after gc(), 5-8 MB after the release.
    expect(result.afterRelease).toBeLessThan(result.afterGc / 2);
  });

  it('is reported unavailable, not thrown, when the addon is not there; then nothing is scheduled', () => {
    vi.useFakeTimers();
    dir = tempDir('v8-release');
    const missing = loadV8Release(path.join(dir, 'none.node'));
    expect(missing).toEqual({ unavailable: expect.stringContaining('not built') });
    const releaser = scheduleV8Release({ release: missing, busy: () => 0 });
    expect(releaser.available).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(releaser.checks).toBe(0);
    expect(releaser.released).toBe(0);
    releaser.stop();
  });

  it('a file that is not an addon is reported unavailable with the loader’s reason', () => {
    dir = tempDir('v8-release');
    const bogus = path.join(dir, 'bogus.node');
    fs.writeFileSync(bogus, 'not an ELF file');
    const result = loadV8Release(bogus);
    expect(typeof result).toBe('object');
    expect((result as { unavailable: string }).unavailable).toMatch(/\S/);
  });
});

describe('the hub releasing', () => {
  it('releases once, afterMs after start, from an immediate, when the loop was idle', () => {
    vi.useFakeTimers();
    let calls = 0;
    const results: V8ReleaseResult[] = [];
    const releaser = scheduleV8Release({
      afterMs: 1000,
      release: () => (calls += 1),
      busy: () => 0.01,
      done: (r) => results.push(r),
    });
    expect(releaser.available).toBe(true);
    vi.advanceTimersByTime(999);
    expect(calls).toBe(0);
    vi.advanceTimersByTime(1);
    expect(releaser.checks).toBe(1);
    vi.runOnlyPendingTimers();
    expect(calls).toBe(1);
    expect(releaser.released).toBe(1);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ committedBefore: expect.any(Number), committedAfter: expect.any(Number) });
    vi.advanceTimersByTime(600_000);
    expect(calls).toBe(1);
    releaser.stop();
  });

  it('waits while the loop is busy, and gives up after the tries it was given', () => {
    vi.useFakeTimers();
    let calls = 0;
    const shares = [0.9, 0.05, 0.01];
    const releaser = scheduleV8Release({ afterMs: 1000, release: () => (calls += 1), busy: () => shares.shift() ?? 0 });
    vi.advanceTimersByTime(2000);
    expect(releaser.checks).toBe(2);
    expect(calls).toBe(0);
    vi.advanceTimersByTime(1000);
    vi.runOnlyPendingTimers();
    expect(releaser.checks).toBe(3);
    expect(calls).toBe(1);
    releaser.stop();

    let never = 0;
    const busy = scheduleV8Release({ afterMs: 1000, tries: 4, release: () => (never += 1), busy: () => 1 });
    vi.advanceTimersByTime(60_000);
    expect(busy.checks).toBe(4);
    expect(never).toBe(0);
    busy.stop();
  });

  it('stopped before the release (the hub stopping), runs nothing; a release that throws leaves the hub running', () => {
    vi.useFakeTimers();
    let calls = 0;
    const releaser = scheduleV8Release({ afterMs: 1000, release: () => (calls += 1), busy: () => 0 });
    vi.advanceTimersByTime(1000);
    releaser.stop();
    vi.runAllTimers();
    expect(calls).toBe(0);

    const throwing = scheduleV8Release({
      afterMs: 1000,
      release: () => {
        throw new Error('release: no V8 isolate on this thread');
      },
      busy: () => 0,
    });
    vi.advanceTimersByTime(1000);
    expect(() => vi.runOnlyPendingTimers()).not.toThrow();
    expect(throwing.released).toBe(0);
    throwing.stop();
  });

  it.runIf(built && linux)(
    'a hub as installed releases once after start and still raises a pendant alert',
    async () => {
      dir = tempDir('v8-release-hub');
      hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) });
      const h = hub;
      const releases = (): Record<string, unknown>[] =>
        h
          .stdout()
          .split('\n')
          .filter((line) => line.includes('V8 heap pages released after start'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      await vi.waitFor(() => expect(releases()).toHaveLength(1), { timeout: 30_000, interval: 100 });
      const [logged] = releases();
      expect(logged).toMatchObject({ committedBefore: expect.any(Number), committedAfter: expect.any(Number) });
      expect(fs.readFileSync(`/proc/${h.child.pid}/maps`, 'utf8')).toContain('telecare-v8-release.node');
      expect(await pendantAlert(h.mqttPort)).toMatchObject({ kind: 'pendant' });
      // Once: the press (and the seconds since) brought no second release.
      expect(releases()).toHaveLength(1);
    },
  );
});
