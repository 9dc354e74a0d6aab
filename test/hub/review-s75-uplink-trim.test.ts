// Review, session 75: trimming the uplink's queue back to its limit held the hub's event loop for 101-173 ms at 100,000
// queued alerts (session 73; 200-334 ms here, docs/uplink.md "Session 75 review"). To find what it may drop (versions a
// newer queued version of the same alert supersedes) it looked for a newer version of every row queued, reading the
// whole table each heartbeat while the queue was over its limit, and it dropped all it could in one statement. Now a
// trigger marks a version superseded when the newer one is queued, the trim reads only the rows it drops (a partial
// index) and drops at most TRIM_STEP_ROWS a turn of the event loop. No times here: the first test counts the bytes
// SQLite read from the database (/proc/thread-self/io, the trim runs on this thread), the second the rows dropped
// between two turns of the event loop of a real hub.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { migrate } from '../../hub/migrations.js';
import { UPLINK_MIGRATIONS, UplinkQueue } from '../../hub/uplink-queue.js';
import { startTestHub } from '../support/in-process-hub.js';
import { freePort, ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { uplinkOptions } from './uplink-centre.js';

let dir: string;
let db: Database.Database | undefined;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('s75-uplink-trim');
});

afterEach(async () => {
  db?.close();
  db = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** About 1 KiB, as a stored alert version is. */
const FILLER = 'x'.repeat(900);

function version(alertId: string, v: number): { alertId: string; version: number; alertJson: string } {
  return { alertId, version: v, alertJson: JSON.stringify({ id: alertId, version: v, detail: { FILLER } }) };
}

/** Bytes this thread has read through system calls so far (SQLite reads its pages with pread). */
function bytesReadByThisThread(): number {
  return Number(/^rchar: (\d+)$/m.exec(fs.readFileSync('/proc/thread-self/io', 'utf8'))?.[1]);
}

/** `fill` into a fresh queue in `file`, then the file checkpointed and closed: nothing of it in SQLite's page cache. */
function queueFile(file: string, fill: (queue: UplinkQueue) => void): void {
  const writer = new Database(file);
  writer.pragma('journal_mode = WAL');
  const queue = new UplinkQueue(writer);
  writer.transaction(() => fill(queue))();
  writer.pragma('wal_checkpoint(TRUNCATE)');
  writer.close();
}

describe('trimming the uplink queue over its limit', () => {
  it('reads the rows it drops, not the whole queue: the oldest superseded versions go, every newest stays', () => {
    const file = path.join(dir, 'hub.db');
    const ALERTS = 20_000;
    queueFile(file, (queue) => {
      // 20,000 alerts of one version each (none can be dropped), then ten versions of one alert (nine superseded).
      for (let n = 0; n < ALERTS; n++) queue.addAlertVersion(version(`b${n}`, 1), n);
      for (let v = 1; v <= 10; v++) queue.addAlertVersion(version('a', v), ALERTS + v);
    });
    db = new Database(file);
    // A page cache of 16 pages: what the trim reads shows in the thread's reads, whatever the machine's memory.
    db.pragma('cache_size = 16');
    const queue = new UplinkQueue(db);
    const fileBytes = fs.statSync(file).size;

    const before = bytesReadByThisThread();
    const trimmed = queue.trim(ALERTS + 1);
    const read = bytesReadByThisThread() - before;

    expect(trimmed).toEqual({ features: 0, alert: 9 });
    const left = queue.after(0, ALERTS + 10);
    expect(left.map((item) => `${item.alert_id}@${item.version}`).slice(-2)).toEqual([`b${ALERTS - 1}@1`, 'a@10']);
    expect(left).toHaveLength(ALERTS + 1);
    // Before the fix the trim read every row of the queue: 29.0 MB through system calls for a 28.0 MB file (104 %);
    // now the rows it drops and the count of the queue (its smallest index): 0.34 MB (1.2 %).
    expect(read / fileBytes).toBeLessThan(0.05);
  });

  it('of a hub upgraded with versions queued: those superseded before the upgrade are dropped as before', () => {
    db = new Database(path.join(dir, 'hub.db'));
    // The queue as the hub before session 75 made and filled it (its first migration step only).
    migrate(db, 'uplink', UPLINK_MIGRATIONS.slice(0, 1));
    const insert = db.prepare(`INSERT INTO uplink_queue (kind, topic, alert_id, version, body, created_at)
      VALUES ('alert', 'alerts/' || ?, ?, ?, '{}', 0)`);
    for (const [alertId, v] of [
      ['a', 1],
      ['b', 1],
      ['a', 2],
      ['a', 3],
      ['c', 1],
    ] as const)
      insert.run(alertId, alertId, v);
    const queue = new UplinkQueue(db);
    queue.addAlertVersion(version('b', 2), 1);
    expect(queue.trim(3)).toEqual({ features: 0, alert: 3 });
    expect(queue.after(0, 10).map((item) => `${item.alert_id}@${item.version}`)).toEqual(['a@3', 'c@1', 'b@2']);
  });

  it('by a running hub, in steps between which the event loop turns: the bound holds, the oldest drops counted', async () => {
    // A hub run once makes its database; the queue is filled while it is stopped, as a long outage leaves it.
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    await hub.stop();
    hub = undefined;
    const file = path.join(dir, 'data', 'hub.db');
    const VERSIONS = 6_000;
    const OTHERS = 500;
    const MAX = 1_000;
    queueFile(file, (queue) => {
      for (let v = 1; v <= VERSIONS; v++) queue.addAlertVersion(version('a', v), v);
      for (let n = 0; n < OTHERS; n++) queue.addAlertVersion(version(`b${n}`, 1), VERSIONS + n);
    });
    // Nothing listens at the centre's port: the queue is never sent, only trimmed (on the heartbeat's tick, 300 ms).
    const deadPort = await freePort();
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
      uplink: uplinkOptions(deadPort, { maxQueue: MAX, heartbeatMs: 300 }),
    });
    const running = hub;
    const probe = new UplinkQueue(running.db);

    // The queue's length at each turn of the event loop until the trim is over.
    const sizes: number[] = [probe.size()];
    await new Promise<void>((resolve) => {
      const turn = (): void => {
        sizes.push(probe.size());
        if (sizes.at(-1)! <= MAX) resolve();
        else setImmediate(turn);
      };
      setImmediate(turn);
    });
    const dropped = async (): Promise<number> =>
      (await running.metrics.getSingleMetric('telecare_uplink_dropped_total')?.get())?.values.find(
        (v) => v.labels.kind === 'alert',
      )?.value ?? 0;
    await vi.waitFor(async () => expect(await dropped()).toBe(VERSIONS + OTHERS - MAX), { timeout: 15_000 });

    expect(sizes[0]).toBe(VERSIONS + OTHERS);
    expect(sizes.at(-1)).toBe(MAX);
    const perTurn = sizes.slice(1).map((size, i) => sizes[i]! - size);
    // Before the fix all 5,500 went in one turn; now 200 a turn (TRIM_STEP_ROWS), in 28 turns.
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(1_000);
    expect(perTurn.filter((n) => n > 0).length).toBeGreaterThan(1);
    // The oldest versions of `a` dropped; its newest 500 and every other alert kept.
    const left = probe.after(0, VERSIONS + OTHERS);
    const versionsOfA = left.filter((item) => item.alert_id === 'a').map((item) => item.version);
    expect(versionsOfA[0]).toBe(VERSIONS + OTHERS - MAX + 1);
    expect(versionsOfA.at(-1)).toBe(VERSIONS);
    expect(left.filter((item) => item.alert_id !== 'a')).toHaveLength(OTHERS);
  });
});
