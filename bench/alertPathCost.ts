// The alert service's own work per pendant alert, alone: raise (stored, then published) and resolve on a real hub
// database, published through an in-process aedes. `node dist/bench/alertPathCost.js [--alerts N]` prints JSON
// (p50 µs per raise and per resolve, wall time and CPU time: the CPU figure is the one to compare on a shared machine). Under `valgrind --tool=callgrind` with TRACE_CALLGRIND=1 the counters are
// zeroed after the warm-up (first fifth) and dumped at the end: instructions per alert, whatever the machine's load.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Aedes } from 'aedes';
import { AlertService } from '../hub/alerts/service.js';
import { systemClock } from '../hub/clock.js';
import { parseHubConfig } from '../hub/config.js';
import { silentLogger } from '../hub/logger.js';
import { createMetricsRegistry } from '../hub/metrics.js';
import type { Publisher } from '../hub/publisher.js';
import { openHubDatabase } from '../hub/store.js';
import { makeTempDir, removeTempDir } from './children.js';
import { benchConfig } from './configs.js';
import { cpuUs, summarise } from './stats.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--alerts');
  const alerts = Number(i >= 0 ? argv[i + 1] : 2000);
  const dir = makeTempDir('telecare-alert-cost-');
  const db = openHubDatabase(path.join(dir, 'hub.db'));
  const broker = await Aedes.createBroker();
  const publisher: Publisher = {
    publish: (topic, payload, { qos, retain }) =>
      new Promise((resolve, reject) => {
        const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
        broker.publish({ cmd: 'publish', topic, payload: bytes, qos, retain, dup: false }, (err) =>
          err ? reject(err) : resolve(),
        );
      }),
  };
  const config = parseHubConfig(benchConfig(1000));
  const service = new AlertService({
    db,
    publisher,
    config,
    clock: systemClock,
    logger: silentLogger,
    metrics: createMetricsRegistry(),
  });
  await service.start();
  // As the running hub has it once started.
  db.pragma('busy_timeout = 0');
  const callgrind = process.env.TRACE_CALLGRIND === '1';
  const control = async (flag: string): Promise<void> => {
    await promisify(execFile)('callgrind_control', [flag, String(process.pid)]);
  };
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const raiseUs: number[] = [];
  const resolveUs: number[] = [];
  const raiseCpuUs: number[] = [];
  const resolveCpuUs: number[] = [];
  const warmUp = Math.floor(alerts / 5);
  for (let n = 0; n < alerts; n++) {
    if (callgrind && n === warmUp) await control('-z');
    const homeId = config.homes[n % 200]?.id ?? 'h1';
    const raiseCpuFrom = cpuUs();
    const raisedAt = performance.now();
    const alert = service.apply({
      type: 'raise',
      homeId,
      kind: 'pendant',
      severity: 'critical',
      at: systemClock.now(),
      room: 'hall',
      deviceId: 'pendant',
      detail: { eventType: 'pendant', source: 'mqtt' },
    });
    const raisedUs = (performance.now() - raisedAt) * 1000;
    const raiseCpu = cpuUs() - raiseCpuFrom;
    await service.settled();
    await turn();
    const resolveCpuFrom = cpuUs();
    const resolvedAt = performance.now();
    if (alert) service.resolve(alert.id, 'false-alarm', null, 'bench');
    const resolvedUs = (performance.now() - resolvedAt) * 1000;
    const resolveCpu = cpuUs() - resolveCpuFrom;
    await service.settled();
    await turn();
    if (n >= warmUp) {
      raiseUs.push(raisedUs);
      resolveUs.push(resolvedUs);
      raiseCpuUs.push(raiseCpu);
      resolveCpuUs.push(resolveCpu);
    }
  }
  if (callgrind) await control('-d');
  await service.stop();
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  db.close();
  removeTempDir(dir);
  const raise = summarise(raiseUs);
  const resolve = summarise(resolveUs);
  process.stdout.write(
    `${JSON.stringify({
      alerts: raiseUs.length,
      raiseP50Us: Math.round(raise.p50),
      resolveP50Us: Math.round(resolve.p50),
      raiseCpuP50Us: Math.round(summarise(raiseCpuUs).p50),
      resolveCpuP50Us: Math.round(summarise(resolveCpuUs).p50),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`alert path cost: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
