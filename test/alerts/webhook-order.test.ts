// After a call centre's outage its webhook gets each alert's versions in order: a later one may replace, never overtake.
import http from 'node:http';
import type net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { homeConfig, pendantPress, startStage, type AlertStage } from './helpers.js';

/**
 * A receiver that is down until `up()`: it holds its port from the start (a port given back and bound again later
 * could be taken meanwhile by another test) and, while down, drops each connection unanswered as a dead host would.
 */
async function receiverThatIsDown(): Promise<{
  url: string;
  versions: number[];
  up(): void;
  close(): Promise<void>;
}> {
  let isUp = false;
  const versions: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      versions.push((JSON.parse(Buffer.concat(chunks).toString()) as { alert: { version: number } }).alert.version);
      res.writeHead(204).end();
    });
  });
  // Ahead of the HTTP server's own listener: a connection while down is closed before anything is read from it.
  server.prependListener('connection', (socket: net.Socket) => {
    if (!isUp) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/telecare`,
    versions,
    up: () => {
      isUp = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('webhook order after an outage', () => {
  let stage: AlertStage;
  let alerts: AlertService;
  let receiver: Awaited<ReturnType<typeof receiverThatIsDown>>;
  const clock = new FakeClock();

  beforeEach(async () => {
    stage = await startStage();
    receiver = await receiverThatIsDown();
    const config = homeConfig(
      [
        {
          id: 'cc',
          group: 'first',
          webhook: { url: receiver.url, secret: 'call-centre-secret', allowPrivateNetwork: true },
        },
      ],
      {
        default: [{ group: 'first', timeoutSeconds: 600 }],
      },
    );
    ({ alerts } = await stage.alertService(config, clock));
  });

  afterEach(async () => {
    await stage.close();
    await receiver.close();
  });

  async function advance(ms: number): Promise<void> {
    clock.advanceBy(ms);
    await new Promise((r) => setImmediate(r));
    await alerts.settled();
  }

  it('raised, acknowledged and resolved while the receiver is down arrive in version order once it is back', async () => {
    const raised = alerts.apply(pendantPress(clock.now()))!;
    await alerts.settled();
    // The raise has failed three times by now: its next try (after 4 s) comes later than the newer versions' first retry.
    await advance(1_000);
    await advance(2_000);
    expect(alerts.acknowledge(raised.id, 'ann')).toMatchObject({ ok: true });
    expect(alerts.resolve(raised.id, 'false-alarm', null, 'ann')).toMatchObject({ ok: true });
    await alerts.settled();
    expect(receiver.versions).toEqual([]);

    receiver.up();
    for (let i = 0; i < 10; i++) await advance(1_000);

    expect(receiver.versions.length).toBeGreaterThan(0);
    // Never an earlier version after a later one, and the last word is the resolution.
    expect(receiver.versions).toEqual([...receiver.versions].sort((a, b) => a - b));
    expect(new Set(receiver.versions).size).toBe(receiver.versions.length);
    expect(receiver.versions.at(-1)).toBe(3);
  });
});
