// The hub's background threads (checkpoint, analytics, password hashing) run niced; its alert loop and fsync threads do not.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { hashPassword } from '../../hub/passwords.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import { mallocTrimLibrary } from '../../hub/malloc-trim.js';
import { BACKGROUND_NICE_STEP, currentThreadId } from '../../hub/thread-priority.js';
import type { SensorEvent } from '../../rules/types.js';
import { adminCookie, killHub, projectRoot, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';
import { atHubHashCost } from '../support/low-cost-hash.js';

// What a hash at the hub's own cost does is this file's subject: not the suite's low cost (session 63).
atHubHashCost();

/** Every thread of `pid` with field `field` of its /proc/<pid>/task/<tid>/stat (19: nice; 41: scheduling policy). */
function threadStatField(pid: number, field: number): Map<number, number> {
  const values = new Map<number, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // The name (field 2) may hold spaces: fields are counted from the ')' that closes it; state is field 3.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      values.set(Number(tid), Number(fields[field - 3]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return values;
}

const threadNices = (pid: number): Map<number, number> => threadStatField(pid, 19);
/** 0 SCHED_OTHER, 5 SCHED_IDLE. */
const threadPolicies = (pid: number): Map<number, number> => threadStatField(pid, 41);

const SCHED_IDLE = 5;
/** SCHED_IDLE comes from the native addon `npm run build` compiles where a C compiler is found. */
const addonBuilt = fs.existsSync(mallocTrimLibrary());

const niced = (nices: Map<number, number>): number[] =>
  [...nices].filter(([, nice]) => nice === BACKGROUND_NICE_STEP).map(([tid]) => tid);

const linux = process.platform === 'linux';

let dir: string;
let hub: HubProcess | undefined;
beforeEach(() => {
  dir = tempDir('thread-priority');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!linux)('background thread priority', () => {
  it('a hub process runs its analytics and password-hashing threads at nice 10, its main thread and the rest at 0', async () => {
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) });
    const pid = hub.child.pid!;
    // Ten months' activity (a range that long is always read in the analytics worker, which then idles a minute).
    const cookie = await adminCookie(hub.httpPort);
    const months = await fetch(`http://127.0.0.1:${hub.httpPort}/api/homes/h1/activity?from=2026-01-01&to=2026-11-07`, {
      headers: { cookie },
    });
    expect(months.status).toBe(200);
    // Wrong dashboard logins (scrypt, the dashboard queue's thread), one more each look, so the thread never idles out.
    const wrongLogins: Promise<unknown>[] = [];
    const wrongLogin = (): Promise<unknown> =>
      fetch(`http://127.0.0.1:${hub!.httpPort}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'not the password' }),
      })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
    await vi.waitFor(
      () => {
        wrongLogins.push(wrongLogin());
        expect(niced(threadNices(pid)).length).toBeGreaterThanOrEqual(2);
      },
      { timeout: 60_000, interval: 100 },
    );
    const nices = threadNices(pid);
    // The analytics thread also runs under SCHED_IDLE (it yields a core the moment the loop wakes); nothing else does.
    const policies = threadPolicies(pid);
    const idle = [...policies].filter(([, policy]) => policy === SCHED_IDLE).map(([tid]) => tid);
    expect(idle).toHaveLength(addonBuilt ? 1 : 0);
    if (addonBuilt) expect(nices.get(idle[0]!)).toBe(BACKGROUND_NICE_STEP);
    expect(policies.get(pid)).toBe(0);
    // The main thread (its tid is the pid) runs the broker, the rules and the alert publish: never lowered.
    expect(nices.get(pid)).toBe(0);
    // Everything else (V8's helpers, libuv's pool with the store's fsync) keeps the process's priority.
    const others = [...nices].filter(([tid, nice]) => tid !== pid && nice !== BACKGROUND_NICE_STEP);
    expect(others.length).toBeGreaterThanOrEqual(4);
    expect(others.every(([, nice]) => nice === 0)).toBe(true);
    await Promise.all(wrongLogins);
    // The wrong logins' hashes (the source's pending ones) at the hub's cost in the niced thread: 26 s of the former
    // 60 s budget at load 8 (docs/testing.md, session 67).
  }, 240_000);

  it("the store's checkpoint thread runs at nice 10 while this thread stays at 0", async () => {
    const metrics = createMetricsRegistry();
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, new FakeClock(), metrics, {
      checkpointBytes: 64 * 1024,
      checkpointerIdleMs: 60_000,
    });
    const before = new Set(niced(threadNices(process.pid)));
    const motion = (homeId: string, ts: number): SensorEvent => ({
      homeId,
      deviceId: 'pir',
      type: 'motion',
      value: true,
      ts,
      source: 'mqtt',
      assigned: true,
    });
    let ts = 0;
    // About 1 MB of WAL per burst, past the 64 KiB threshold: the fsync after it starts the checkpoint thread.
    await vi.waitFor(
      async () => {
        await store.append(Array.from({ length: 400 }, (_, i) => motion(`h${i % 200}`, ++ts)));
        const now = niced(threadNices(process.pid)).filter((tid) => !before.has(tid));
        expect(now.length).toBe(1);
      },
      { timeout: 15_000, interval: 20 },
    );
    expect(threadNices(process.pid).get(currentThreadId() ?? -1)).toBe(0);
    store.close();
    db.close();
  }, 30_000);

  it('a password hash runs in a thread niced to 10, and the caller keeps its priority', async () => {
    const before = new Set(niced(threadNices(process.pid)));
    await hashPassword('a passphrase for the test');
    const hashing = niced(threadNices(process.pid)).filter((tid) => !before.has(tid));
    // The queue's thread lives a second after its hash; this look comes in the same turn as the answer.
    expect(hashing).toHaveLength(1);
    expect(threadNices(process.pid).get(currentThreadId() ?? -1)).toBe(0);
    // One hash at the hub's cost in the niced thread: 6 s of the former 30 s budget at load 8 (session 67).
  }, 120_000);

  it.skipIf(!addonBuilt)('puts only the calling thread under SCHED_IDLE', async () => {
    const { Worker } = await import('node:worker_threads');
    const script = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(path.join(projectRoot, 'dist/hub/thread-priority.js'))}).then((m) => {
        const took = m.idleThisThread('test');
        parentPort.postMessage({ tid: m.currentThreadId(), took });
        setTimeout(() => undefined, 60_000);
      });`;
    const worker = new Worker(script, { eval: true });
    try {
      const reply = await new Promise<{ tid: number; took: boolean }>((resolve) => worker.once('message', resolve));
      expect(reply.took).toBe(true);
      expect(threadPolicies(process.pid).get(reply.tid)).toBe(SCHED_IDLE);
      expect(threadPolicies(process.pid).get(currentThreadId() ?? -1)).toBe(0);
      expect(threadPolicies(process.pid).get(process.pid)).toBe(0);
    } finally {
      await worker.terminate();
    }
  });

  it('lowers only the calling thread, relative to its nice, never past 19', async () => {
    const { Worker } = await import('node:worker_threads');
    // A thread of its own (a test must not lower its own runner's thread): it reports its tid and nice values.
    const script = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(path.join(projectRoot, 'dist/hub/thread-priority.js'))}).then((m) => {
        const first = m.lowerThisThreadPriority('test', 7);
        const second = m.lowerThisThreadPriority('test', 7);
        const third = m.lowerThisThreadPriority('test', 7);
        parentPort.postMessage({ tid: m.currentThreadId(), first, second, third });
        setTimeout(() => undefined, 60_000);
      });`;
    const worker = new Worker(script, { eval: true });
    try {
      const reply = await new Promise<{ tid: number; first: number; second: number; third: number }>((resolve) =>
        worker.once('message', resolve),
      );
      expect([reply.first, reply.second, reply.third]).toEqual([7, 14, 19]);
      expect(threadNices(process.pid).get(reply.tid)).toBe(19);
      expect(threadNices(process.pid).get(currentThreadId() ?? -1)).toBe(0);
      expect(threadNices(process.pid).get(process.pid)).toBe(0);
    } finally {
      await worker.terminate();
    }
  });
});
