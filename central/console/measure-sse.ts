// Measures the console's leg of hub → centre console latency: a worker's commit with NOTIFY → the alert on every SSE stream.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from 'nats';
import pg from 'pg';
import { pino } from 'pino';
import { startLocalPostgres } from '../postgres.js';
import { ALERT_CHANNEL, migrateCentral } from '../schema.js';
import { createOperator, startConsole } from './index.js';
import { readSseBlocks } from './sse-blocks.js';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      streams: { type: 'string', default: '20' },
      alerts: { type: 'string', default: '300' },
      'interval-ms': { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
    },
  });
  const streams = Number(values.streams);
  const alerts = Number(values.alerts);
  const intervalMs = Number(values['interval-ms']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-console-measure-'));
  const postgres = await startLocalPostgres({ dir, port: await freePort(), unsafeFast: true });
  const natsPort = await freePort();
  const nats = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)], { stdio: 'ignore' });
  const natsExited = new Promise<void>((resolve) => nats.once('close', () => resolve()));
  const pool = new pg.Pool({ connectionString: postgres.url, max: 10 });
  const nc = await connect({ servers: `nats://127.0.0.1:${natsPort}`, waitOnFirstConnect: true, timeout: 15_000 });
  const client = await pool.connect();
  await migrateCentral(client);
  client.release();
  const password = 'measure-password-1';
  const running = await startConsole({
    pool,
    nc,
    host: '127.0.0.1',
    port: 0,
    log: pino({ level: 'warn' }),
    adminPassword: password,
  });
  await createOperator(pool, { username: 'measure', role: 'operator', password });
  const login = await fetch(`${running.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'measure', password }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const controllers: AbortController[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < streams; i++) {
    const controller = new AbortController();
    controllers.push(controller);
    const res = await fetch(`${running.url}/api/alerts/stream`, { headers: { cookie }, signal: controller.signal });
    const body = res.body as ReadableStream<Uint8Array>;
    ready.push(
      new Promise<void>((resolve) => {
        void readSseBlocks(body, (block) => {
          if (block.startsWith('event: ready')) resolve();
          const id = /"alertId":"(m\d+)"/.exec(block)?.[1];
          const start = id === undefined ? undefined : sentAt.get(id);
          if (start !== undefined && block.startsWith('event: alert')) latencies.push(performance.now() - start);
        });
      }),
    );
  }
  await Promise.all(ready);

  const raisedAt = new Date().toISOString();
  for (let i = 0; i < alerts; i++) {
    const alertId = `m${i}`;
    const alert = {
      id: alertId,
      kind: 'pendant',
      severity: 'critical',
      state: 'raised',
      raisedAt,
      version: 1,
      detail: {},
    };
    sentAt.set(alertId, performance.now());
    // As a worker stores a version: the row and the NOTIFY in one transaction (NOTIFY is delivered at commit).
    await pool.query(
      `WITH a AS (INSERT INTO central_alerts (hub_id, alert_id, version, type, severity, state, raised_at, alert)
                  VALUES ('measure-hub', $1, 1, 'pendant', 'critical', 'raised', $2, $3))
       SELECT pg_notify($4, $5)`,
      [alertId, raisedAt, alert, ALERT_CHANNEL, JSON.stringify({ hubId: 'measure-hub', alertId, version: 1 })],
    );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const expected = alerts * streams;
  const deadline = Date.now() + 30_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    streams,
    alerts,
    intervalMs,
    received: latencies.length,
    expected,
    p50Ms: Math.round(percentile(sorted, 50) * 10) / 10,
    p99Ms: Math.round(percentile(sorted, 99) * 10) / 10,
    maxMs: Math.round((sorted.at(-1) ?? NaN) * 10) / 10,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  for (const c of controllers) c.abort();
  await running.close();
  await nc.close();
  await pool.end();
  nats.kill('SIGKILL');
  await natsExited;
  await postgres.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `console SSE leg (commit+NOTIFY → event on each stream): ${result.received}/${expected} events, ` +
        `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms ` +
        `(${streams} streams, ${alerts} alerts every ${intervalMs} ms; load ${result.loadAverage.join(' ')})\n`,
    );
  }
  if (result.received < expected) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`measure-sse: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
