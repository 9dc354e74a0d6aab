// The centre's console alone in a process of its own (as `telecare central` runs it beside its worker processes), for
// `central:scale`: settings from the environment (passwords never in argv), its URL to the parent over IPC.
import { connect } from 'nats';
import pg from 'pg';
import { createLogger } from '../../hub/logger.js';
import { startConsole } from './index.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} must be set`);
  return value;
}

async function main(): Promise<void> {
  const log = createLogger({ level: process.env.CENTRAL_LOG_LEVEL ?? 'warn' }).child({ ns: 'console' });
  const pool = new pg.Pool({ connectionString: required('CENTRAL_DATABASE_URL'), max: 5 });
  const nc = await connect({
    servers: required('CENTRAL_NATS_URLS').split(','),
    user: required('CENTRAL_NATS_USER'),
    pass: required('CENTRAL_NATS_PASSWORD'),
    name: 'central-console',
    maxReconnectAttempts: -1,
  });
  const running = await startConsole({
    pool,
    nc,
    host: '127.0.0.1',
    port: 0,
    log,
    adminPassword: required('CENTRAL_ADMIN_PASSWORD'),
  });
  process.send?.({ type: 'listening', url: running.url });
  const stop = (): void => {
    setTimeout(() => process.exit(0), 5_000).unref();
    void (async () => {
      await running.close();
      await nc.close();
      await pool.end();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`central console: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
