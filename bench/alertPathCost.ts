// The alert service's own work per pendant alert, alone: raise (stored, then published) and resolve on a real hub
// database, published through an in-process aedes. `node dist/bench/alertPathCost.js [--alerts N]` prints JSON
// (p50 µs per raise and per resolve; `--wal grows|reused`: see below; wall time and CPU time: the CPU figure is the one to compare on a shared machine). Under `valgrind --tool=callgrind` with TRACE_CALLGRIND=1 the counters are
// zeroed after the warm-up (first fifth) and dumped at the end: instructions per alert, whatever the machine's load.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
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
  // `--wal grows`: as in the hub: no checkpoint until the WAL has ~32 MiB (240 alert cycles), then one (here between two alerts, not
  // timed), after which the WAL starts again and is cut back to 8 MiB (journal_size_limit): every commit past 8 MiB
  // appends to pages the file does not have. `--wal kept`: the same with the file kept whole (journal_size_limit
  // off): after the first round every commit writes over pages of the file already in the page cache. Default:
  // SQLite's own checkpoint every 1,000 pages (4 MiB), inside the commit that passes it.
  const walArg = argv.indexOf('--wal');
  const walMode = walArg >= 0 ? argv[walArg + 1] : 'sqlite';
  const walFile = `${db.name}-wal`;
  if (walMode === 'grows' || walMode === 'kept') {
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${walMode === 'grows' ? 8 * 1024 * 1024 : -1}`);
  }
  let walCheckpoints = 0;
  // A raise, its delivery mark, its resolution and that one's mark append ~130 KB: 240 of them ~32 MiB.
  const checkpointAsTheHub = (n: number): void => {
    if ((walMode !== 'grows' && walMode !== 'kept') || (n + 1) % 240 !== 0) return;
    db.pragma('wal_checkpoint(PASSIVE)');
    walCheckpoints++;
  };
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
    checkpointAsTheHub(n);
    if (n >= warmUp) {
      raiseUs.push(raisedUs);
      resolveUs.push(resolvedUs);
      raiseCpuUs.push(raiseCpu);
      resolveCpuUs.push(resolveCpu);
    }
  }
  if (callgrind) await control('-d');
  const walBytesAtEnd = fs.statSync(walFile).size;
  await service.stop();
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  db.close();
  removeTempDir(dir);
  const raise = summarise(raiseUs);
  const resolve = summarise(resolveUs);
  process.stdout.write(
    `${JSON.stringify({
      alerts: raiseUs.length,
      wal: walMode,
      walCheckpoints,
      walBytesAtEnd,
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
