// A TCP proxy in front of a console that can cut every connection (a screen whose network dropped), keep new ones out
// for as long as a test needs (the screen away while things happen), and keeps what clients sent.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CuttingProxy {
  port: number;
  /** Every chunk clients sent, as latin1 text (requests and their headers). */
  sent: string[];
  /** Cuts every open connection; the browser may connect again at once. */
  cut(): void;
  /** Cuts every open connection and refuses new ones (closed as they come) until `admit()`. */
  hold(): void;
  /** Lets connections through again after `hold()`. */
  admit(): void;
  close(): Promise<void>;
}

export async function cuttingProxy(targetPort: number): Promise<CuttingProxy> {
  const sockets = new Set<net.Socket>();
  const sent: string[] = [];
  let holding = false;
  const server = net.createServer((client) => {
    if (holding) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => sent.push(d.toString('latin1')));
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = (): void => {
    for (const socket of [...sockets]) socket.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    sent,
    cut,
    hold: () => {
      holding = true;
      cut();
    },
    admit: () => {
      holding = false;
    },
    close: async () => {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
