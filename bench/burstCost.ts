// What a burst costs the hub's embedded broker when aedes's message router (mqemitter) has queued thousands of messages
// nobody subscribes to: the hub's drain in turns of the loop (hub/mq-drain.ts) against aedes's own drain, alternately,
// on one broker in this process. `node dist/bench/burstCost.js [--rounds 20] [--queued 2000] [--in-delivery 150]`:
// each round publishes, as the hub publishes its alerts, `--in-delivery` alerts read by one MQTT subscriber (more than
// aedes's 100 delivery slots), `--queued` messages on topics nobody subscribes to, then one more alert; the round ends
// once every publication is through and every alert read. `--queued` must stay under what crashes aedes's own drain
// ("Maximum call stack size exceeded": 2,800 crashed in session 70, 2,600 did not). Prints one JSON line: each way's
// median wall time and CPU per round (after a warm-up round of each), and the ratios hub / aedes's own.
import os from 'node:os';
import { Writable } from 'node:stream';
import type { Aedes } from 'aedes';
import Database from 'better-sqlite3';
import { connectAsync } from 'mqtt';
import { EmbeddedBroker } from '../hub/broker.js';
import { DeviceIndex, parseHubConfig } from '../hub/config.js';
import { createLogger } from '../hub/logger.js';
import { createMetricsRegistry } from '../hub/metrics.js';
import { drainInTurns, type MessageRouter } from '../hub/mq-drain.js';
import { MqttAccess, MqttCredentials } from '../hub/mqtt-auth.js';
import { benchConfig } from './configs.js';
import { positiveInteger } from './options.js';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const rounds = positiveInteger(argv, '--rounds', 20);
  const queued = positiveInteger(argv, '--queued', 2000);
  const inDelivery = positiveInteger(argv, '--in-delivery', 150);
  const config = parseHubConfig(benchConfig(1));
  const db = new Database(':memory:');
  const broker = new EmbeddedBroker({
    port: 0,
    host: '127.0.0.1',
    credentials: new MqttCredentials(db, config),
    access: new MqttAccess(new DeviceIndex(config), config.hub.zigbeeBaseTopic),
    intake: () => undefined,
    logger: createLogger({ level: 'error', destination: new Writable({ write: (_c, _e, done) => done() }) }),
    metrics: createMetricsRegistry(),
  });
  await broker.start();
  const mq = (broker as unknown as { aedes: Aedes & { mq: MessageRouter } }).aedes.mq;
  const subscriber = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0, clientId: 'bench' });
  let read = 0;
  subscriber.on('message', () => {
    read++;
  });
  await subscriber.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
  const home = config.homes[0]!.id;

  /** One burst; resolves with its wall time and this process's CPU, in ms. */
  const burst = async (): Promise<{ ms: number; cpuMs: number }> => {
    read = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const all: Promise<void>[] = [];
    const publish = (topic: string): void => {
      all.push(broker.publish(topic, 'x', { qos: 1, retain: false }));
    };
    for (let i = 0; i < inDelivery; i++) publish(`telecare/${home}/alerts/a${i}`);
    for (let i = 0; i < queued; i++) publish(`telecare/${home}/status/s${i % 500}`);
    publish(`telecare/${home}/alerts/last`);
    await Promise.all(all);
    while (read < inDelivery + 1) await new Promise((resolve) => setImmediate(resolve));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
  };

  const hub: { ms: number; cpuMs: number }[] = [];
  const own: { ms: number; cpuMs: number }[] = [];
  const prototypeOf = Object.getPrototypeOf(mq) as MessageRouter;
  for (let round = 0; round < rounds + 1; round++) {
    for (const way of round % 2 === 0 ? (['hub', 'own'] as const) : (['own', 'hub'] as const)) {
      // aedes's own drain: the hub's functions on the instance removed, mqemitter's own (its prototype's) found again.
      const m = mq as unknown as Record<string, unknown>;
      if (way === 'own') {
        delete m._do;
        delete m.emit;
      } else if (mq._do === prototypeOf._do) drainInTurns(mq);
      const result = await burst();
      // Round 0 is the warm-up of each.
      if (round > 0) (way === 'hub' ? hub : own).push(result);
    }
  }
  await subscriber.endAsync(true);
  await broker.stop();
  db.close();
  const hubMs = median(hub.map((r) => r.ms));
  const ownMs = median(own.map((r) => r.ms));
  const hubCpu = median(hub.map((r) => r.cpuMs));
  const ownCpu = median(own.map((r) => r.cpuMs));
  console.log(
    JSON.stringify({
      rounds,
      queued,
      inDelivery,
      hubDrainMs: Number(hubMs.toFixed(2)),
      aedesDrainMs: Number(ownMs.toFixed(2)),
      wallRatio: Number((hubMs / ownMs).toFixed(3)),
      hubDrainCpuMs: Number(hubCpu.toFixed(2)),
      aedesDrainCpuMs: Number(ownCpu.toFixed(2)),
      cpuRatio: Number((hubCpu / ownCpu).toFixed(3)),
      messagesPerSHub: Math.round((inDelivery + queued + 1) / (hubMs / 1000)),
      messagesPerSAedes: Math.round((inDelivery + queued + 1) / (ownMs / 1000)),
      loadAverage: os.loadavg()[0],
    }),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
