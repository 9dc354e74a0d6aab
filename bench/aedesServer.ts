// An aedes broker on a free loopback port with no-delay sockets, as the hub serves its own: the bench's baselines.
import net from 'node:net';
import type { Aedes } from 'aedes';

/** Serves `broker` on a free port of 127.0.0.1; resolves with the port and a stop that closes both. */
export async function serveAedes(broker: Aedes): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close();
        broker.close(() => resolve());
      }),
  };
}
