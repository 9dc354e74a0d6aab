// The stage of the stories about many connections to the dashboard from one other machine: an in-process hub whose
// dashboard listens on this machine's network address (loopback is a proxy's, never capped), and raw TCP connections
// from that address, all closed after the file.
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { networkAddress, ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';

export interface RemoteConnections {
  /** The file's hub (ONE_HOME_CONFIG), once its first test runs. */
  readonly hub: RunningHub;
  /** The dashboard's address as the other machine opens it: `http://<network address>:<port>`. */
  readonly base: string;
  /**
   * A TCP connection to the dashboard from this machine's network address that sends `text` (nothing by default) and
   * then waits; resolves once connected, with a promise of its closing.
   */
  connect(text?: string): Promise<{ socket: net.Socket; closed: Promise<void> }>;
}

/** Registers the calling file's hooks: the hub on `networkAddress` (none when the machine has no such address). */
export function remoteConnections(prefix: string): RemoteConnections {
  let dir: string | undefined;
  let hub: RunningHub | undefined;
  const opened: net.Socket[] = [];
  beforeAll(async () => {
    if (!networkAddress) return;
    dir = tempDir(prefix);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { host: networkAddress });
  }, 120_000);
  afterAll(async () => {
    for (const socket of opened) socket.destroy();
    await hub?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const running = (): RunningHub => {
    if (hub === undefined) throw new Error('no hub: the file has not started, or this machine has no network address');
    return hub;
  };
  return {
    get hub() {
      return running();
    },
    get base() {
      return `http://${networkAddress!}:${String(running().ports.http)}`;
    },
    async connect(text = '') {
      const socket = net.connect({ port: running().ports.http, host: networkAddress, localAddress: networkAddress });
      socket.on('error', () => undefined);
      opened.push(socket);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('close', () => reject(new Error('closed before connecting')));
      });
      if (text !== '') socket.write(text);
      return { socket, closed };
    },
  };
}
