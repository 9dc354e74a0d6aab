// A Mosquitto broker for the bench's external-broker phase: temp config (no-delay sockets, persistence), free port.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { makeTempDir, removeTempDir, spawnTracked, stopChild } from './children.js';
import { freePort } from './net.js';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

export interface MosquittoHandle {
  mqttUrl: string;
  stop(): Promise<void>;
}

/** Whether Mosquitto is installed here (Debian's `mosquitto` package). */
export function mosquittoAvailable(): boolean {
  return fs.existsSync(MOSQUITTO_BIN);
}

/**
 * Starts `mosquitto -c FILE` on a free loopback port. `set_tcp_nodelay true`: without it, Nagle's algorithm holds
 * each small QoS 1 packet for up to ~20 ms per hop. Persistence on, as an installation needs it (SPEC, issue 15.6).
 */
export async function startMosquitto(): Promise<MosquittoHandle> {
  const dir = makeTempDir('telecare-bench-mosquitto-');
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'set_tcp_nodelay true',
      'persistence true',
      `persistence_location ${dir}/`,
      'log_dest none',
      'max_inflight_messages 1000',
      'max_queued_messages 100000',
      '',
    ].join('\n'),
  );
  const child = spawnTracked(MOSQUITTO_BIN, ['-c', conf]);
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) break;
    if (performance.now() - started > 10_000) {
      await stopChild(child);
      throw new Error('mosquitto did not listen within 10 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    mqttUrl: `mqtt://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child);
      removeTempDir(dir);
    },
  };
}
