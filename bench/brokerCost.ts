// What the embedded broker alone costs per QoS 1 sensor event: the hub's broker (`EmbeddedBroker`, aedes and the
// hub's intake hooks) in this process, without ingest, store or rules: each message is taken by an intake that hands
// it a batch promise resolved two turns later (the group commit's and fsync's place), so the PUBACK still waits.
// `node --max-semi-space-size=1 dist/bench/brokerCost.js [--seconds 8] [--publishers 4] [--in-flight 500]
// [--homes 200]`: the bench's raw QoS 1 publishers (bench/ingestPublisher.ts) in their own processes; prints one JSON
// line: this process's CPU and young-generation collections (scavenges) per acknowledged message in the window.
// Run with `npm start`'s `--max-semi-space-size=1`: scavenges per 1,000 messages follow the bytes allocated per
// message, far steadier than CPU on a loaded machine. To compare two builds, run each tree's dist alternately.
import os from 'node:os';
import { Writable } from 'node:stream';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { EmbeddedBroker } from '../hub/broker.js';
import { DeviceIndex, parseHubConfig } from '../hub/config.js';
import { createLogger } from '../hub/logger.js';
import { createMetricsRegistry } from '../hub/metrics.js';
import { MqttAccess, MqttCredentials } from '../hub/mqtt-auth.js';
import { installCleanup } from './children.js';
import { benchConfig } from './configs.js';
import { startIngestLoad } from './ingestLoad.js';
import { positiveNumber } from './options.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seconds = positiveNumber(argv, '--seconds', 8);
  const publishers = positiveNumber(argv, '--publishers', 4);
  const maxInFlight = positiveNumber(argv, '--in-flight', 500);
  const homes = positiveNumber(argv, '--homes', 200);
  installCleanup();
  const config = parseHubConfig(benchConfig(homes));
  const index = new DeviceIndex(config);
  const db = new Database(':memory:');
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  let taken = 0;
  let batch: Promise<void> | undefined;
  const broker = new EmbeddedBroker({
    port: 0,
    host: '127.0.0.1',
    credentials: new MqttCredentials(db, config),
    access: new MqttAccess(index, config.hub.zigbeeBaseTopic),
    // The store's place: one promise per batch, resolved two turns on (the group commit, then the fsync's callback).
    intake: () => {
      taken += 1;
      if (batch) return batch;
      batch = new Promise<void>((resolve) =>
        setImmediate(() =>
          setImmediate(() => {
            batch = undefined;
            resolve();
          }),
        ),
      );
      return batch;
    },
    logger: createLogger({ level: 'error', destination: quiet }),
    metrics: createMetricsRegistry(),
  });
  await broker.start();
  let scavenges = 0;
  let counting = false;
  const observer = new PerformanceObserver((list) => {
    if (!counting) return;
    for (const entry of list.getEntries())
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR)
        scavenges++;
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const load = await startIngestLoad({
      mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
      homes,
      publishers,
      durationS: seconds,
      maxInFlight,
    });
    counting = true;
    const cpu0 = process.cpuUsage();
    const taken0 = taken;
    const summaries = await Promise.all(load.map((l) => l.done));
    const cpu = process.cpuUsage(cpu0);
    counting = false;
    // Let the observer hear of the window's last collections.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const acknowledged = summaries.reduce((sum, s) => sum + (s?.acknowledged ?? 0), 0);
    const messages = taken - taken0;
    console.log(
      JSON.stringify({
        seconds,
        publishers,
        maxInFlight,
        homes,
        messages,
        acknowledged,
        messagesPerS: messages / seconds,
        cpuUsPerMessage: (cpu.user + cpu.system) / messages,
        scavengesPer1000: (1000 * scavenges) / messages,
        loadAverage: os.loadavg()[0],
      }),
    );
  } finally {
    observer.disconnect();
    await broker.stop();
    db.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
