// The analytics worker thread: daily features computed from its own read-only connection, off the loop that alerts.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { planHomeActivity } from './activity.js';
import { preventionReport } from './report.js';
import type { ActivityReply, ActivityRequest, ActivityWorkerData } from './offloop.js';
import { hubOffDates, reviewDecisionsOf } from './review.js';
import { awayDates, cachedDayRow } from './store.js';
import { idleThisThread, lowerThisThreadPriority } from '../hub/thread-priority.js';

lowerThisThreadPriority('analytics');
// And under SCHED_IDLE where Linux and the addon allow: it yields a core to the alert loop the moment the loop wakes.
idleThisThread('analytics');
const { dbFile } = workerData as ActivityWorkerData;
let { config } = workerData as ActivityWorkerData;
const port = parentPort!;
// Read-only: it never takes the write lock the hub's alert writes need; WAL readers do not block the writer.
const db = new Database(dbFile, { readonly: true, fileMustExist: true });
// SQLite's 2 MB page cache, not better-sqlite3's 16 MB: a home's days are read once, in index order.
db.pragma('cache_size = -2000');

port.on('message', (req: ActivityRequest) => {
  if (req.op === 'config') {
    config = req.config;
    return;
  }
  if (req.op === 'stop') {
    db.close();
    port.close();
    return;
  }
  let reply: ActivityReply;
  try {
    if (req.op === 'report') {
      const { fromDate: from, toDate: to, now, knownBy } = req;
      const report = preventionReport({ db, config, from, to, now, ...(knownBy !== undefined ? { knownBy } : {}) });
      port.postMessage({ id: req.id, ok: true, report } satisfies ActivityReply);
      return;
    }
    const plan = planHomeActivity(db, config, req.homeId, req.fromDate, req.toDate, req.now);
    if (req.op === 'review') {
      // The routine review's loop work done here: the fresh days' JSON and the comparison with the baseline.
      const home = config.homes.find((h) => h.id === req.homeId);
      const away = home ? awayDates(db, home.id, plan.days) : undefined;
      const hubOff = home ? hubOffDates(db, home, plan.days) : undefined;
      const decisions = home
        ? reviewDecisionsOf(home, plan.days, req.firstDate, req.toDate, req.now, undefined, away, hubOff)
        : [];
      reply = { id: req.id, ok: true, rows: plan.fresh.map(cachedDayRow), decisions };
    } else {
      reply = { id: req.id, ok: true, ...plan };
    }
  } catch (err) {
    reply = { id: req.id, ok: false, name: (err as Error).name, message: (err as Error).message };
  }
  port.postMessage(reply);
});
