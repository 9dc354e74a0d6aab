// A worker process, as `telecare central` starts it (and the tests, which SIGKILL it): settings from the
// environment (a password never travels in argv, which `ps` shows), "ready" to the parent over IPC.
import { createLogger } from '../hub/logger.js';
import { MAX_HUB_BUDGET_BYTES, MIN_HUB_BUDGET_BYTES } from './quarantine.js';
import { startWorker } from './worker.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} must be set`);
  return value;
}

function optionalMs(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`${name} must be a whole number of milliseconds`);
  return ms;
}

/** CENTRAL_HUB_BUDGET_BYTES: bounded as `--hub-budget-mib` is (64 KiB to 8 GiB). */
function budgetBytes(): number | undefined {
  const value = process.env.CENTRAL_HUB_BUDGET_BYTES;
  if (value === undefined || value === '') return undefined;
  const bytes = Number(value);
  if (!Number.isInteger(bytes) || bytes < MIN_HUB_BUDGET_BYTES || bytes > MAX_HUB_BUDGET_BYTES) {
    throw new Error(
      `CENTRAL_HUB_BUDGET_BYTES must be a whole number of bytes ${String(MIN_HUB_BUDGET_BYTES)}-${String(MAX_HUB_BUDGET_BYTES)}`,
    );
  }
  return bytes;
}

async function main(): Promise<void> {
  const log = createLogger({ level: process.env.CENTRAL_LOG_LEVEL ?? 'info' }).child({
    ns: 'central-worker',
    pid: process.pid,
  });
  const worker = await startWorker({
    natsUrls: required('CENTRAL_NATS_URLS').split(','),
    mqttUrls: required('CENTRAL_MQTT_URLS').split(','),
    mqttCaFile: process.env.CENTRAL_MQTT_CA || undefined,
    natsUser: required('CENTRAL_NATS_USER'),
    natsPassword: required('CENTRAL_NATS_PASSWORD'),
    databaseUrl: required('CENTRAL_DATABASE_URL'),
    silenceMs: optionalMs('CENTRAL_SILENCE_MS'),
    sweepEveryMs: optionalMs('CENTRAL_SWEEP_MS'),
    traceDir: process.env.CENTRAL_TRACE_DIR === '' ? undefined : process.env.CENTRAL_TRACE_DIR,
    hubBudgetBytes: budgetBytes(),
    clusterDir: process.env.CENTRAL_CLUSTER_DIR || undefined,
    log,
  });
  log.info('worker consuming');
  process.send?.({ type: 'ready', pid: process.pid });
  const stop = (): void => {
    // What is not acknowledged by then is delivered again: a stop never waits on an unreachable server for long.
    setTimeout(() => process.exit(0), 5_000).unref();
    void worker.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent gone (IPC closed): a worker never outlives its supervisor.
  process.once('disconnect', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`central worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
