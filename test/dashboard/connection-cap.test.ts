// Open connections to the dashboard per address: one machine on the network cannot hold thousands of idle
// connections (each kept until Node's header timeout) and take the Pi's memory or file descriptors.
import { describe, expect, it } from 'vitest';
import { MAX_HTTP_CONNECTIONS_PER_ADDRESS } from '../../dashboard/connection-cap.js';
import { networkAddress } from '../hub/helpers.js';
import { remoteConnections } from './remote-connections.js';

const stage = remoteConnections('http-cap');

async function refused(): Promise<number> {
  const metric = await stage.hub.metrics.getSingleMetric('telecare_dashboard_connections_refused_total')?.get();
  return metric?.values[0]?.value ?? 0;
}

describe.skipIf(!networkAddress)('connections to the dashboard from one address', () => {
  it('are held to a cap: one more closes the oldest at once, counted; closing some lets a browser in again', async () => {
    const idle = [];
    for (let i = 0; i < MAX_HTTP_CONNECTIONS_PER_ADDRESS; i++) idle.push(await stage.connect());
    // One over: the oldest idle one is closed at once, not after Node's 60 s header timeout (session 67: before, the
    // new one was, so idle connections kept every browser of the address out).
    await stage.connect();
    await idle[0]!.closed;
    expect(await refused()).toBe(1);
    for (const { socket, closed } of idle.slice(1, 11)) {
      socket.destroy();
      await closed;
    }
    const health = await fetch(`${stage.base}/api/health`);
    expect(health.status).toBe(200);
    expect(await refused()).toBe(1);
  }, 180_000);
});
