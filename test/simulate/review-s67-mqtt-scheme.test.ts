// Review, session 67: `telecare simulate --mqtt` took any URL. mqtt.js connects with mqtt:, mqtts:, tcp:, tls:, ssl:,
// ws: and wss: only; another scheme failed at the connection in words about something else (`foo://x`: `getaddrinfo
// ENOTFOUND x`), or was tried as plain MQTT without a word (`http://`). It is now refused before anything is sent,
// as the hub's --mqtt-url is: the schemes named, the URL (which may hold a password) never echoed. The real CLI, with
// a real broker listening where each URL points, which must see no connection.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { Aedes } from 'aedes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, projectRoot } from '../hub/helpers.js';

const run = promisify(execFile);

let broker: Aedes;
let server: net.Server;
let port: number;
let connections = 0;

beforeEach(async () => {
  connections = 0;
  broker = await Aedes.createBroker();
  server = net.createServer((socket) => {
    connections++;
    broker.handle(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterEach(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => broker.close(() => r()));
});

async function simulate(url: string): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(
      process.execPath,
      [cliPath, 'simulate', '--mqtt', url, '--start', '2026-01-12', '--rate', '100', '--duration', '1'],
      { cwd: projectRoot, timeout: 30_000 },
    );
    return { code: 0, stderr };
  } catch (err) {
    const failed = err as { code?: number; stderr?: string; killed?: boolean };
    return { code: failed.killed ? -1 : (failed.code ?? -1), stderr: failed.stderr ?? '' };
  }
}

describe('telecare simulate --mqtt', () => {
  it('refuses a scheme mqtt.js cannot use, naming the ones it can, without echoing the URL or connecting', async () => {
    for (const [url, scheme] of [
      [`http://sim:hunter2-secret@127.0.0.1:${port}`, 'http:'],
      [`foo://sim:hunter2-secret@127.0.0.1:${port}`, 'foo:'],
    ] as const) {
      const result = await simulate(url);
      expect(result.code, url).toBe(1);
      expect(result.stderr).toContain(
        `--mqtt must start with mqtt:// or mqtts:// (or ws://, wss://), e.g. mqtt://127.0.0.1:1884, not '${scheme}//'`,
      );
      expect(result.stderr).not.toContain('hunter2-secret');
    }
    // A host and port without a scheme: the URL it wants.
    const bare = await simulate(`localhost:${port}`);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain(
      `--mqtt must start with mqtt:// (or mqtts://, ws://, wss://): write mqtt://localhost:${port}`,
    );
    expect(connections).toBe(0);
  }, 120_000);

  it('still publishes with mqtt:// (the guard: the same broker is reached)', async () => {
    const result = await simulate(`mqtt://127.0.0.1:${port}`);
    expect(result.code).toBe(0);
    expect(connections).toBeGreaterThan(0);
  }, 60_000);
});
