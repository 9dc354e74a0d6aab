// The worker thread that checkpoints the store's WAL from its own connection, so the loop never waits for it.
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import Database, { type Database as Db } from 'better-sqlite3';
import { lowerThisThreadPriority } from './thread-priority.js';

export interface CheckpointWorkerData {
  dbFile: string;
}

/**
 * One checkpoint, asked of the thread (one at a time, in order), or `close` (the store ended it: idle, or closing).
 * `empty`: the WAL passed its hard limit and the store's event commits wait: PASSIVE checkpoints until every frame
 * is copied (or `drainMs` has passed), so that the next commit starts the WAL again from its beginning and
 * `journal_size_limit` cuts the file back.
 */
export type CheckpointRequest = { empty?: { drainMs: number } } | { close: true };

/** What the checkpoint did (SQLite's wal_checkpoint row of its last step), or why it failed. */
export type CheckpointReply =
  { ok: true; busy: number; log: number; checkpointed: number; emptied: boolean } | { ok: false; message: string };

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

function checkpoint(db: Db): CheckpointRow {
  const row = (db.pragma('wal_checkpoint(PASSIVE)', { simple: false }) as CheckpointRow[])[0];
  return { busy: row?.busy ?? 0, log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 };
}

/**
 * PASSIVE checkpoints until the whole WAL is in the database. None takes the write lock (TRUNCATE or RESTART would:
 * with an alert's frames to copy, also across an fsync of the database, longer than an alert's write may wait). A
 * reader of an older snapshot holds the copy back: the next try comes a little later. Once everything is copied,
 * SQLite starts the WAL again at the next commit of any connection that finds no such reader.
 */
async function empty(db: Db, drainMs: number): Promise<CheckpointRow & { emptied: boolean }> {
  const deadline = performance.now() + drainMs;
  for (;;) {
    const row = checkpoint(db);
    if (row.busy === 0 && row.log >= 0 && row.log === row.checkpointed) return { ...row, emptied: true };
    if (performance.now() >= deadline) return { ...row, emptied: false };
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
    // Under sustained ingest that never happens (every commit adds frames while it copies): hence `empty`.
    reply = request.empty
      ? { ok: true, ...(await empty(db, request.empty.drainMs)) }
      : { ok: true, ...checkpoint(db), emptied: false };
  } catch (err) {
    reply = { ok: false, message: (err as Error).message };
  }
  parentPort!.postMessage(reply);
}

lowerThisThreadPriority('checkpoint');
const { dbFile } = workerData as CheckpointWorkerData;
// A failure to open ends the thread with an error: the store counts the checkpoint as failed and tries again later.
const db = new Database(dbFile, { fileMustExist: true, timeout: 0 });
// A checkpoint copies frames without the page cache: a small one is enough for the schema.
db.pragma('cache_size = -256');
let queue = Promise.resolve();
parentPort!.on('message', (request: CheckpointRequest) => {
  queue = queue.then(() => handle(db, request));
});
