// The rules engine's heap with many simulated homes: `node --expose-gc dist/bench/rules-memory.js [homes] [days]`.
// `--watched` (session 36): instead, the engine as a hub holds it at its first start, before any event: built and
// watched (`RulesEngine.watch`, which also watches each configured device never heard); its heap, its timer-queue
// entries and its saved state's JSON bytes.
import { DeviceIndex, parseHubConfig } from '../hub/config.js';
import { RulesEngine } from '../rules/engine.js';
import type { SensorEvent } from '../rules/types.js';
import { simulate } from '../simulate/generator.js';
import { BENCH_TZ, benchConfig } from './configs.js';

const MB = 1024 * 1024;

/** Used heap after full collections (two: the first may leave what finalizers free). */
function heapUsed(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** `--watched`: the engine of `homes` bench flats right after its first `watch`. */
function watched(gc: () => void, homes: number): void {
  const config = parseHubConfig(benchConfig(homes));
  const base = heapUsed(gc);
  const engine = new RulesEngine(config.homes);
  engine.watch(Date.UTC(2026, 0, 5));
  const heap = heapUsed(gc) - base;
  // Read after the measurement, so the engine is alive while it is measured.
  const queueEntries = (engine as unknown as { queue: { size(): number } }).queue.size();
  const stateBytes = Buffer.byteLength(JSON.stringify(engine.exportState()));
  const devices = config.homes.reduce((sum, home) => sum + home.devices.length, 0);
  process.stdout.write(
    `${JSON.stringify({ homes, devices, watchedMB: Number((heap / MB).toFixed(2)), queueEntries, stateBytes })}\n`,
  );
}

function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const args = process.argv.slice(2).filter((a) => a !== '--watched');
  if (process.argv.includes('--watched')) {
    watched(gc, Number(args[0] ?? 1000));
    return;
  }
  const homes = Number(args[0] ?? 1000);
  const days = Number(args[1] ?? 3);
  const config = parseHubConfig(benchConfig(homes));
  const index = new DeviceIndex(config);
  const first = config.homes[0];
  if (!first) throw new Error('no homes');
  // One flat's simulated days, replayed into every flat (the same events, each home its own state).
  const events: SensorEvent[] = [];
  for (const sim of simulate({ homes: 1, days, start: '2026-01-05', seed: 7, timeZone: BENCH_TZ })) {
    const ref = index.device(first.id, sim.deviceId);
    const event: SensorEvent = { ...sim, homeId: first.id, source: 'mqtt', assigned: ref !== undefined };
    if (ref) {
      if (ref.device.room !== undefined) event.room = ref.device.room;
      event.kind = ref.device.kind;
    }
    events.push(event);
  }
  const base = heapUsed(gc);
  const engine = new RulesEngine(config.homes);
  const fresh = heapUsed(gc) - base;
  for (const event of events) for (const home of config.homes) engine.handle({ ...event, homeId: home.id });
  const loaded = heapUsed(gc) - base;
  const devices = config.homes.reduce((sum, home) => sum + home.devices.length, 0);
  const figures = {
    homes: config.homes.length,
    devices,
    days,
    eventsPerHome: events.length,
    freshMB: Number((fresh / MB).toFixed(2)),
    loadedMB: Number((loaded / MB).toFixed(2)),
    // Read after the measurement, so the engine is alive while it is measured (else it may be collected first).
    nextDueAt: engine.nextDueAt(),
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main();
