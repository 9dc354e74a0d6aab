// Review, session 63: a worker's start hung for ever on an MQTT gateway that closed the connection before its CONNACK
// (a gateway still starting after every NATS node restarted: the centre's machine back from a power cut). The setup
// connection (`ensureGatewayStreams`, reconnectPeriod 0) used mqtt.js's connectAsync with retries allowed, whose promise
// settles only on a CONNACK, an error or an end: a plain close is none of them. Found as a CI run's 240-s timeout of
// `review-s63-centre-killed.test.ts`. Now it fails on the close, and the worker asks the gateways again for a while.
// A real TCP server on an ephemeral port that accepts and closes, as such a gateway does.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGatewayStreams } from '../../central/stream.js';

let server: net.Server;
let url: string;

describe('review s63: an MQTT gateway that closes before its CONNACK', () => {
  beforeAll(async () => {
    server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `mqtt://127.0.0.1:${String((server.address() as net.AddressInfo).port)}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fails the setup connection at once instead of leaving it pending for ever', async () => {
    const settled = ensureGatewayStreams(url, 'worker', 'secret').then(
      () => 'connected',
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    // Before: still pending when the gateway has long closed (the connection timeout, 30 s, never fires either).
    let timer: NodeJS.Timeout | undefined;
    const pending = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('pending'), 5_000)));
    const outcome = await Promise.race([settled, pending]);
    // Not left running after the test (the file shares its process with others).
    clearTimeout(timer);
    expect(outcome).toMatch(/couldn't connect/i);
  }, 20_000);
});
