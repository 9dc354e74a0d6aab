// A short-lived worker thread that checkpoints the store's WAL from its own connection, so the loop never waits for it.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointWorkerData {
  dbFile: string;
}

/** What the checkpoint did (SQLite's wal_checkpoint row), or why it failed. */
export type CheckpointReply =
  { ok: true; busy: number; log: number; checkpointed: number } | { ok: false; message: string };

const { dbFile } = workerData as CheckpointWorkerData;
let reply: CheckpointReply;
try {
  // PASSIVE takes no write lock: the hub's connection goes on committing meanwhile. The copy and its fsyncs of the
  // database happen here; once everything is copied the next commit starts the WAL again from its beginning.
  const db = new Database(dbFile, { fileMustExist: true, timeout: 0 });
  try {
    const row = db.pragma('wal_checkpoint(PASSIVE)', { simple: false }) as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    reply = { ok: true, busy: row[0]?.busy ?? 0, log: row[0]?.log ?? 0, checkpointed: row[0]?.checkpointed ?? 0 };
  } finally {
    db.close();
  }
} catch (err) {
  reply = { ok: false, message: (err as Error).message };
}
parentPort!.postMessage(reply);
