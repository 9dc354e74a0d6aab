// Runs N worker processes (central/worker-main.ts) and starts a new one whenever one dies, until stopped.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../hub/logger.js';
import type { WorkerOptions } from './worker.js';

/** The compiled worker entry: next to this file in dist/, or dist's copy when this module runs from source (tests). */
export const WORKER_MAIN = ((): string => {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  return here.endsWith('.ts')
    ? path.join(dir, '..', 'dist', 'central', 'worker-main.js')
    : path.join(dir, 'worker-main.js');
})();

/** What a worker process is started with: the worker's own options that travel as JSON, and its log level. */
export type WorkerSettings = Pick<
  WorkerOptions,
  | 'natsUrls'
  | 'mqttUrls'
  | 'natsUser'
  | 'natsPassword'
  | 'databaseUrl'
  | 'silenceMs'
  | 'sweepEveryMs'
  | 'traceDir'
  | 'hubBudgetBytes'
  | 'clusterDir'
> & { logLevel?: string };

export interface WorkerPool {
  /** The live worker processes (a slot's process changes when it is restarted). */
  processes(): ChildProcess[];
  /** How many workers were started again after dying. */
  restarts(): number;
  /** Resolves once every slot has a worker that said it is consuming. */
  ready(): Promise<void>;
  /** SIGTERM every worker and wait for them; none is restarted afterwards. */
  stop(): Promise<void>;
}

/** Before starting a dead worker again, wait this long (a crash loop does not spin the CPU). */
const RESTART_DELAY_MS = 500;
/** How long a worker may take to stop after SIGTERM. */
const STOP_TIMEOUT_MS = 8_000;

export function startWorkerPool(count: number, settings: WorkerSettings, log: Logger): WorkerPool {
  const slots: (ChildProcess | undefined)[] = new Array<ChildProcess | undefined>(count).fill(undefined);
  const readyFlags: boolean[] = new Array<boolean>(count).fill(false);
  let stopping = false;
  let restartCount = 0;
  const readyWaiters: (() => void)[] = [];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CENTRAL_NATS_URLS: settings.natsUrls.join(','),
    CENTRAL_NATS_USER: settings.natsUser,
    CENTRAL_NATS_PASSWORD: settings.natsPassword,
    CENTRAL_DATABASE_URL: settings.databaseUrl,
    CENTRAL_MQTT_URLS: settings.mqttUrls.join(','),
    ...(settings.silenceMs !== undefined ? { CENTRAL_SILENCE_MS: String(settings.silenceMs) } : {}),
    ...(settings.sweepEveryMs !== undefined ? { CENTRAL_SWEEP_MS: String(settings.sweepEveryMs) } : {}),
    ...(settings.traceDir !== undefined ? { CENTRAL_TRACE_DIR: settings.traceDir } : {}),
    ...(settings.hubBudgetBytes !== undefined ? { CENTRAL_HUB_BUDGET_BYTES: String(settings.hubBudgetBytes) } : {}),
    ...(settings.clusterDir !== undefined ? { CENTRAL_CLUSTER_DIR: settings.clusterDir } : {}),
    ...(settings.logLevel !== undefined ? { CENTRAL_LOG_LEVEL: settings.logLevel } : {}),
  };

  const checkReady = (): void => {
    if (readyFlags.every(Boolean)) for (const wake of readyWaiters.splice(0)) wake();
  };

  function launch(slot: number): void {
    const child = fork(WORKER_MAIN, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    slots[slot] = child;
    readyFlags[slot] = false;
    child.on('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready') {
        readyFlags[slot] = true;
        checkReady();
      }
    });
    child.once('exit', (code, signal) => {
      readyFlags[slot] = false;
      if (stopping) return;
      log.warn({ slot, pid: child.pid, code, signal }, 'worker died; starting another');
      restartCount += 1;
      setTimeout(() => {
        if (!stopping) launch(slot);
      }, RESTART_DELAY_MS);
    });
  }

  for (let slot = 0; slot < count; slot++) launch(slot);

  return {
    processes: () => slots.filter((c): c is ChildProcess => c !== undefined && c.exitCode === null),
    restarts: () => restartCount,
    ready: () =>
      new Promise<void>((resolve) => {
        readyWaiters.push(resolve);
        checkReady();
      }),
    async stop() {
      stopping = true;
      await Promise.all(
        slots.map(async (child) => {
          if (!child || child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          // A worker stuck in its shutdown (NATS or PostgreSQL unreachable) is killed: its unacknowledged messages
          // are delivered again to the next worker.
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
