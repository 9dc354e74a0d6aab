// The latency baseline, run as its own process: a bare aedes broker (no persistence, no authentication, no hub).
// The bench's measuring client publishes an alert-shaped message and times its delivery back: the broker's own
// publish → deliver, the floor under any pendant → alert path through an embedded aedes.
// Before aedes, as in the hub: mqtt-packet's loggers allocate nothing while off, so the floor is not made slower
// than the hub's own broker by a cost the hub does not pay (hub/mqtt-debug.ts).
import '../hub/mqtt-debug.js';
import net from 'node:net';
import { Aedes } from 'aedes';

async function main(): Promise<void> {
  const broker = await Aedes.createBroker({ drainTimeout: 5_000 });
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);

  const stop = (): void => {
    server.close();
    broker.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`raw broker: ${(err as Error).message}\n`);
  process.exit(1);
});
