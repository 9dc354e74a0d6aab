// Review, session 77: a stopping hub told its analytics thread to end and went on to close the database and say "hub
// stopped" without waiting for it: the thread, still computing, kept its own connection to the database open, and
// once done closed it, remaking SQLite's files in a data folder the caller was already removing (a CI run's
// `ENOTEMPTY` on the test's data folder, review-s66-hub-clock-jump). `stop()` now resolves once the thread has exited.
// The real worker thread over a real SQLite file in a temp folder.
import type { Worker } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { ActivityWorker } from '../../analytics/offloop.js';
import { monthThenDrift } from './daily.js';
import { utc } from './factories.js';
import { FLAT_7, FLAT_7_CONFIG, openTestHubDb, type TestHubDb } from './hub-db.js';

let hub: TestHubDb | undefined;
let onWorker: ((w: Worker) => void) | undefined;

afterEach(async () => {
  if (onWorker) process.off('worker', onWorker);
  onWorker = undefined;
  await hub?.close();
  hub = undefined;
});

it('resolves stop() only once the thread has exited, even in the middle of a computation', async () => {
  hub = await openTestHubDb(FLAT_7_CONFIG);
  await hub.append(monthThenDrift(FLAT_7, '2026-12-04T12:00'));
  const exited: Worker[] = [];
  const started: Worker[] = [];
  onWorker = (w) => {
    started.push(w);
    w.once('exit', () => exited.push(w));
  };
  process.on('worker', onWorker);
  const worker = new ActivityWorker(hub.db, FLAT_7_CONFIG);
  // A month of days asked for, then stopped at once, while the thread computes them.
  const asked = worker
    .homeActivity(FLAT_7, '2026-11-01', '2026-12-10', utc('2026-12-04T12:00'))
    .catch((e: unknown) => e);
  await expect.poll(() => started.length).toBe(1);
  await worker.stop();
  // Before: stop() returned at once, the thread still running (0 exited).
  expect(exited).toHaveLength(1);
  expect(await asked).toBeInstanceOf(Error);
  // A second stop resolves too, with nothing left running.
  await worker.stop();
});
