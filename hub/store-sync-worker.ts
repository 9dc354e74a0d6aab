// The store's disk worker thread: the WAL's fsync and its checkpoints, so the event loop never waits for the disk.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** Messages from the store. `sync`: every commit made before it was posted must reach the disk. */
export type SyncRequest = { op: 'sync'; seq: number } | { op: 'stop' };
/** `synced`: every commit up to request `seq` is on disk; `failed`: the fsync failed (nothing may be acknowledged). */
export type SyncReply = { op: 'synced'; seq: number } | { op: 'failed'; seq: number; message: string } | { op: 'checkpoint-failed'; message: string };

export interface SyncWorkerData {
  dbFile: string;
  /** Checkpoint (PASSIVE) once the WAL is bigger than this. */
  checkpointBytes: number;
}

const { dbFile, checkpointBytes } = workerData as SyncWorkerData;
const port = parentPort!;
let walFd: number | undefined;
let checkpointer: Database.Database | undefined;
let wanted = 0;
let scheduled = false;

/**
 * fsync applies to the file, whichever descriptor it is called on: the commits the store's connection wrote into the
 * page cache (synchronous=NORMAL, microseconds) reach the disk here, as synchronous=FULL would have done in the commit.
 */
function syncAll(): void {
  scheduled = false;
  const seq = wanted;
  try {
    walFd ??= fs.openSync(`${dbFile}-wal`, 'r+');
    fs.fsyncSync(walFd);
  } catch (err) {
    port.postMessage({ op: 'failed', seq, message: (err as Error).message } satisfies SyncReply);
    return;
  }
  port.postMessage({ op: 'synced', seq } satisfies SyncReply);
  maybeCheckpoint();
}

/**
 * The store's connection never checkpoints (wal_autocheckpoint=0): a checkpoint copies pages and fsyncs the database.
 * PASSIVE takes no write lock, so the writer goes on meanwhile; the WAL restarts from its start once all is copied.
 */
function maybeCheckpoint(): void {
  try {
    if (fs.fstatSync(walFd!).size < checkpointBytes) return;
    checkpointer ??= new Database(dbFile, { fileMustExist: true, timeout: 0 });
    checkpointer.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    port.postMessage({ op: 'checkpoint-failed', message: (err as Error).message } satisfies SyncReply);
  }
}

port.on('message', (msg: SyncRequest) => {
  if (msg.op === 'stop') {
    checkpointer?.close();
    if (walFd !== undefined) fs.closeSync(walFd);
    port.close();
    return;
  }
  // Requests that queued up during an fsync are answered by one: group commit of the fsyncs.
  wanted = Math.max(wanted, msg.seq);
  if (!scheduled) {
    scheduled = true;
    setImmediate(syncAll);
  }
});
