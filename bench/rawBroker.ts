// The latency baseline, run as its own process: a bare aedes broker (no persistence, no authentication, no hub).
// The bench's measuring client publishes an alert-shaped message and times its delivery back: the broker's own
// publish → deliver, the floor under any pendant → alert path through an embedded aedes.
// Before aedes, as in the hub: mqtt-packet's loggers allocate nothing while off, so the floor is not made slower
// than the hub's own broker by a cost the hub does not pay (hub/mqtt-debug.ts).
import '../hub/mqtt-debug.js';
import { Aedes } from 'aedes';
import { serveAedes } from './aedesServer.js';

async function main(): Promise<void> {
  const broker = await Aedes.createBroker({ drainTimeout: 5_000 });
  const { port, stop } = await serveAedes(broker);
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  const end = (): void => {
    void stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', end);
  process.once('SIGINT', end);
}

main().catch((err: unknown) => {
  process.stderr.write(`raw broker: ${(err as Error).message}\n`);
  process.exit(1);
});
