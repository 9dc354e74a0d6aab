// The mechanism of issue 13's thread priorities alone: a loop's wake-ups while password hashes run beside it, hashed in libuv's pool (the process's priority) or in the hub's niced scrypt thread.
// `taskset -c 1 node dist/bench/priorityContention.js --hashes pool|thread|none [--wakeups N] [--work-us U]`: the main
// thread sleeps 2 ms, then works U µs (a press's turn), N times, while one scrypt at a time runs without pause (as a
// flood of wrong logins keeps a hash queue busy). Pinned to one core, the loop and the hash take turns on it, as the
// hub's main thread and its background threads do on a busy Pi; the scheduler's account of the main thread
// (run-queue wait per wake-up) says how long the loop waited for the hash; `none` is the floor (no hash). Compare `pool` and `thread` in one sitting,
// alternating: the machine's other load is the same for both, only the hash thread's priority differs. Prints JSON.
import { scrypt } from 'node:crypto';
import { scryptInThread } from '../hub/scrypt-thread.js';
import { summarise, threadScheds } from './stats.js';

/** The hub's scrypt cost (hub/passwords.ts). */
const COST = { N: 8192, r: 8, p: 10, maxmem: 64 * 1024 * 1024 } as const;

function value(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function mainThreadSched(): { runNs: number; waitNs: number } {
  const main = threadScheds().find((t) => t.tid === process.pid);
  return { runNs: main?.runNs ?? NaN, waitNs: main?.waitNs ?? NaN };
}

async function main(): Promise<void> {
  const mode = value('--hashes') ?? 'thread';
  if (mode !== 'pool' && mode !== 'thread' && mode !== 'none') throw new Error('--hashes is pool, thread or none');
  const wakeups = Number(value('--wakeups') ?? 1000);
  const workUs = Number(value('--work-us') ?? 300);
  let hashes = 0;
  let running = true;
  const lane = {};
  const hashOnce = (): void => {
    const done = (err: Error | null): void => {
      if (err) throw err;
      hashes++;
      if (running) hashOnce();
    };
    if (mode === 'pool') scrypt('wrong password', 'salt', 32, COST, done);
    else scryptInThread(lane, 'wrong password', Buffer.from('salt'), 32, COST, done);
  };
  if (mode !== 'none') hashOnce();
  // The thread's start and the first hashes settle first.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const lateUs: number[] = [];
  const waitUs: number[] = [];
  const turnUs: number[] = [];
  const from = { at: performance.now(), hashes, sched: mainThreadSched() };
  for (let i = 0; i < wakeups; i++) {
    const before = mainThreadSched();
    const due = performance.now() + 2;
    await new Promise((resolve) => setTimeout(resolve, 2));
    const woke = performance.now();
    // A press's turn: CPU work on the loop.
    while (performance.now() - woke < workUs / 1000);
    turnUs.push((performance.now() - woke) * 1000);
    const after = mainThreadSched();
    lateUs.push((woke - due) * 1000);
    waitUs.push((after.waitNs - before.waitNs) / 1000);
  }
  const seconds = (performance.now() - from.at) / 1000;
  const total = mainThreadSched();
  running = false;
  const round = (n: number): number => Math.round(n);
  const late = summarise(lateUs);
  const wait = summarise(waitUs);
  const turn = summarise(turnUs);
  process.stdout.write(
    `${JSON.stringify({
      hashes: mode,
      wakeups,
      workUs,
      /** Timer due → callback run, µs. */
      wakeLateUs: { p50: round(late.p50), p99: round(late.p99), max: round(late.max) },
      /** The main thread's run-queue wait per wake-up (sleep, wake, turn), µs. */
      mainWaitUs: { p50: round(wait.p50), p99: round(wait.p99), max: round(wait.max) },
      /** Wall time of the turn's fixed work, µs (longer when the core was taken from it mid-turn). */
      turnWallUs: { p50: round(turn.p50), p99: round(turn.p99) },
      mainRunShare: round(((total.runNs - from.sched.runNs) / 1e9 / seconds) * 100) / 100,
      hashesPerS: round(((hashes - from.hashes) / seconds) * 10) / 10,
    })}\n`,
  );
  // The pool's last hash, if any, finishes on its own; the scrypt thread's is let go.
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`priority contention: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
