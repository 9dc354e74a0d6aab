// scrypt in a thread of its own per hash queue, at a lower priority than the alert loop (not in libuv's pool): a plain
// native thread (native/scrypt-thread.c) when the addon is built, else a worker thread.
import type { ScryptOptions } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { builtNativeFile } from './native-path.js';
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

/** The addon `npm run build` compiles (native/build-scrypt-thread.mjs); absent without a C compiler or Node's headers. */
export function scryptThreadLibrary(callerUrl: string = import.meta.url): string {
  return builtNativeFile('telecare-scrypt-thread.node', callerUrl);
}

type NativeDone = (id: number, message: string | null, key: Buffer | undefined) => void;

/** native/scrypt-thread.c's functions. */
export interface ScryptAddon {
  lane(onDone: NativeDone): object;
  derive(
    lane: object,
    id: number,
    password: Buffer,
    salt: Buffer,
    keyLength: number,
    N: number,
    r: number,
    p: number,
    maxmem: number,
  ): void;
  ref(lane: object, on: boolean): void;
}

/** The addon's functions, or why there are none (not built, does not load). */
export function loadScryptAddon(library = scryptThreadLibrary()): ScryptAddon | { unavailable: string } {
  try {
    const mod = { exports: {} as Record<string, unknown> };
    process.dlopen(mod, library);
    const { lane, derive, ref } = mod.exports;
    if (typeof lane !== 'function' || typeof derive !== 'function' || typeof ref !== 'function')
      return { unavailable: `${library} has no lane(), derive() and ref()` };
    return mod.exports as unknown as ScryptAddon;
  } catch (err) {
    return { unavailable: (err as Error).message };
  }
}

// node:crypto's scrypt defaults, for an option left out.
const DEFAULT_N = 16384;
const DEFAULT_R = 8;
const DEFAULT_P = 1;
const DEFAULT_MAXMEM = 32 << 20;

/**
 * One queue's hashes in a plain thread (native/scrypt-thread.c): the same OpenSSL scrypt as node:crypto, no V8
 * isolate (a worker thread is ~10 MB resident while it lives). The thread starts with the lane and sleeps between
 * hashes; the lane keeps the loop alive only while a hash is pending.
 */
class NativeScryptLane {
  private readonly lane: object;
  private readonly pending = new Map<number, Done>();
  private nextId = 1;

  constructor(private readonly addon: ScryptAddon) {
    this.lane = addon.lane((id, message, key) => this.answered(id, message, key));
  }

  derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions, done: Done): void {
    const id = this.nextId++;
    const N = options.N ?? options.cost ?? DEFAULT_N;
    const r = options.r ?? options.blockSize ?? DEFAULT_R;
    const p = options.p ?? options.parallelization ?? DEFAULT_P;
    // Refused here (not a number the thread can take): the caller hears it as it hears a refused cost, after this turn.
    try {
      this.addon.derive(
        this.lane,
        id,
        Buffer.from(password, 'utf8'),
        salt,
        keyLength,
        N,
        r,
        p,
        options.maxmem ?? DEFAULT_MAXMEM,
      );
    } catch (err) {
      queueMicrotask(() => done(err as Error));
      return;
    }
    if (this.pending.size === 0) this.addon.ref(this.lane, true);
    this.pending.set(id, done);
  }

  private answered(id: number, message: string | null, key: Buffer | undefined): void {
    const done = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.addon.ref(this.lane, false);
    if (!done) return;
    if (message === null && key) done(null, key);
    else done(new Error(message ?? 'scrypt failed'));
  }
}

let addon: ScryptAddon | { unavailable: string } | undefined;

/**
 * Which thread hashes: the native one when the addon loads (checked once), else a worker thread. `useScryptAddon`
 * replaces the choice for the lanes made after it (tests: the worker path; a library elsewhere).
 */
export function useScryptAddon(choice: ScryptAddon | { unavailable: string } | undefined): void {
  addon = choice;
}

/** Why the native thread is not used, or undefined when it is (for the hub's start-up log). */
export function scryptAddonUnavailable(): string | undefined {
  addon ??= loadScryptAddon();
  return 'unavailable' in addon ? addon.unavailable : undefined;
}

function newLane(): { derive: ScryptThread['derive'] } {
  addon ??= loadScryptAddon();
  if (!('unavailable' in addon)) {
    try {
      return new NativeScryptLane(addon);
    } catch {
      // The thread could not start: the worker thread as without the addon.
    }
  }
  return new ScryptThread();
}

const threads = new WeakMap<object, { derive: ScryptThread['derive'] }>();

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
    thread = newLane();
    threads.set(lane, thread);
  }
  thread.derive(password, salt, keyLength, options, done);
}
