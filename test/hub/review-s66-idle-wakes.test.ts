// Session 66 review (docs/performance.md): an idle hub woke 100 times a second. prom-client's process metrics sample
// the event loop's delay with a libuv timer at their default 10 ms resolution, so a hub with nothing to do never let
// a Pi's CPU rest (nothing in the project reads the lag at that resolution). It now samples once a second.
// Counted, not timed: the voluntary context switches of the real hub process's main thread (each a return to
// epoll_wait with nothing ready) over a few idle seconds, from /proc.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { killHub, spawnHub, tempDir, type HubProcess } from './helpers.js';

const proc = (pid: number): string => `/proc/${pid}/task/${pid}/status`;
const voluntarySwitches = (pid: number): number =>
  Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(fs.readFileSync(proc(pid), 'utf8'))?.[1]);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!fs.existsSync(proc(process.pid)))('an idle hub lets the machine rest', () => {
  const dir = tempDir('idle-wakes');
  let hub: HubProcess | undefined;
  afterAll(async () => {
    await killHub(hub);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('wakes a few times a second, not a hundred', { timeout: 60_000 }, async () => {
    hub = await spawnHub({ HUB_DATA_DIR: dir });
    const pid = hub.child.pid!;
    await sleep(4_000); // the start's own work done
    const before = voluntarySwitches(pid);
    await sleep(3_000);
    const wakes = voluntarySwitches(pid) - before;
    // About 10 in these 3 s now (the metrics' sample, the database file's watch); about 300 before.
    expect(wakes).toBeGreaterThan(0);
    expect(wakes).toBeLessThan(90);
  });
});
