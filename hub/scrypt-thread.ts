// scrypt in a worker thread of its own per hash queue, at a lower priority than the alert loop (not in libuv's pool).
import type { ScryptOptions } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { workerScript } from './worker-url.js';

/** A hash asked of the thread, or `close` (idle: the thread ends and its memory returns). */
export type ScryptRequest =
  | { op: 'hash'; id: number; password: string; salt: Buffer; keyLength: number; options: ScryptOptions }
  | { op: 'close' };

export type ScryptReply = { id: number; ok: true; key: Uint8Array } | { id: number; ok: false; message: string };

type Done = (err: Error | null, derived?: Buffer) => void;

/**
 * A thread ends after this long without a hash. A flood of logins keeps it (its hashes come back to back); a single
 * login gives the thread's memory back at once (a worker thread is ~11 MB resident while it lives; the start-up's own
 * hash must not stay in the idle hub's figure).
 */
export const SCRYPT_THREAD_IDLE_MS = 1_000;

/**
 * One queue's thread. Why not libuv's pool, where `crypto.scrypt` runs: its threads cannot be told apart from inside
 * Node (all are named `node`) and the same threads run the store's fsync, whose completion sends the sensors'
 * PUBACKs; a lowered priority there would delay those under CPU contention. Here the thread that hashes is known and
 * lowers its own priority (`hub/thread-priority.ts`); each queue keeps its own thread, so a dashboard flood never
 * waits in front of a device's check (`hub/passwords.ts`).
 */
class ScryptThread {
  private current: { worker: Worker; pending: Map<number, Done> } | undefined;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions, done: Done): void {
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    const { worker, pending } = this.thread();
    pending.set(id, done);
    // Held while a hash is pending (a command-line tool's process waits for it), let go when idle.
    worker.ref();
    worker.postMessage({ op: 'hash', id, password, salt, keyLength, options } satisfies ScryptRequest);
  }

  private thread(): { worker: Worker; pending: Map<number, Done> } {
    if (this.current) return this.current;
    // No inherited execArgv: V8's flags are the process's anyway, and one such as `--input-type` (a script run with
    // `node -e`) would stop the thread from loading its file.
    const worker = new Worker(workerScript(import.meta.url, 'scrypt-thread-worker'), { execArgv: [] });
    // This thread's own hashes: one that ends late (after an idle close) never fails its successor's.
    const pending = new Map<number, Done>();
    const failAll = (err: Error): void => {
      if (this.current?.worker === worker) this.current = undefined;
      const waiting = [...pending.values()];
      pending.clear();
      for (const done of waiting) done(err);
    };
    worker.on('message', (reply: ScryptReply) => {
      const done = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) this.idle(worker);
      if (!done) return;
      if (reply.ok) done(null, Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));
      else done(new Error(reply.message));
    });
    // The thread failed or ended: every hash still pending fails (the caller treats it as a wrong password).
    worker.on('error', failAll);
    worker.on('exit', () => failAll(new Error('scrypt thread stopped')));
    this.current = { worker, pending };
    return this.current;
  }

  private idle(worker: Worker): void {
    worker.unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.current?.worker !== worker || this.current.pending.size > 0) return;
      this.current = undefined;
      worker.postMessage({ op: 'close' } satisfies ScryptRequest);
    }, SCRYPT_THREAD_IDLE_MS);
    this.idleTimer.unref();
  }
}

const threads = new WeakMap<object, ScryptThread>();

/**
 * `crypto.scrypt`'s arguments and callback, run in the thread of `lane` (one per hash queue; any object as its key):
 * one hash at a time per lane, in order.
 */
export function scryptInThread(
  lane: object,
  password: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
  done: Done,
): void {
  let thread = threads.get(lane);
  if (!thread) {
    thread = new ScryptThread();
    threads.set(lane, thread);
  }
  thread.derive(password, salt, keyLength, options, done);
}
