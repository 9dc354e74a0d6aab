// The worker thread that checkpoints the store's WAL from its own connection, so the loop never waits for it.
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import Database, { type Database as Db } from 'better-sqlite3';

export interface CheckpointWorkerData {
  dbFile: string;
}

/**
 * One checkpoint, asked of the thread (one at a time, in order), or `close` (the store ended it: idle, or closing).
 * `truncate`: empty the WAL and cut its file to nothing (it passed its hard limit; the store's event commits wait
 * meanwhile): PASSIVE and TRUNCATE by turns, without waiting for a lock, until the WAL is empty or `drainMs` passed.
 */
export type CheckpointRequest = { truncate?: { drainMs: number } } | { close: true };

/** What the checkpoint did (SQLite's wal_checkpoint row of its last step), or why it failed. */
export type CheckpointReply =
  { ok: true; busy: number; log: number; checkpointed: number; truncated: boolean } | { ok: false; message: string };

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

function checkpoint(db: Db, mode: 'PASSIVE' | 'TRUNCATE'): CheckpointRow {
  const row = (db.pragma(`wal_checkpoint(${mode})`, { simple: false }) as CheckpointRow[])[0];
  return { busy: row?.busy ?? 0, log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 };
}

/**
 * PASSIVE and TRUNCATE by turns until the WAL file is empty. The connection waits for no lock (timeout 0): a
 * TRUNCATE that meets a writer (an alert being stored) or a reader of an older snapshot fails at once, so the write
 * lock is only ever held for the truncation itself, never while waiting, and the next try comes a little later.
 */
async function truncate(db: Db, drainMs: number): Promise<CheckpointRow & { truncated: boolean }> {
  const deadline = performance.now() + drainMs;
  for (;;) {
    // What was committed since: copied without the write lock, so the TRUNCATE finds nothing left to copy.
    checkpoint(db, 'PASSIVE');
    const row = checkpoint(db, 'TRUNCATE');
    if (row.busy === 0 && row.log === 0) return { ...row, truncated: true };
    if (performance.now() >= deadline) return { ...row, truncated: false };
    await sleep(2);
  }
}

async function handle(db: Db, request: CheckpointRequest): Promise<void> {
  if ('close' in request) {
    db.close();
    parentPort!.close();
    return;
  }
  let reply: CheckpointReply;
  try {
    // PASSIVE takes no write lock: the hub's connection goes on committing meanwhile. The copy and its fsyncs of the
    // database happen here; once everything is copied the next commit starts the WAL again from its beginning.
    // Under sustained ingest that never happens (every commit adds frames while it copies): hence the truncation.
    reply = request.truncate
      ? { ok: true, ...(await truncate(db, request.truncate.drainMs)) }
      : { ok: true, ...checkpoint(db, 'PASSIVE'), truncated: false };
  } catch (err) {
    reply = { ok: false, message: (err as Error).message };
  }
  parentPort!.postMessage(reply);
}

const { dbFile } = workerData as CheckpointWorkerData;
// A failure to open ends the thread with an error: the store counts the checkpoint as failed and tries again later.
const db = new Database(dbFile, { fileMustExist: true, timeout: 0 });
let queue = Promise.resolve();
parentPort!.on('message', (request: CheckpointRequest) => {
  queue = queue.then(() => handle(db, request));
});
