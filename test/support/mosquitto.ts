// A real Mosquitto broker for tests: started from a config file on a free port of 127.0.0.1, stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, mqttClient } from '../hub/helpers.js';

export interface Mosquitto {
  port: number;
  process: ChildProcess;
  /** SIGKILL and wait for the exit; nothing when it has already exited. */
  kill(): Promise<void>;
}

/**
 * Writes `dir/mosquitto.conf` (a listener on `port`, anonymous clients, no persistence, then `extraConfig` lines)
 * and starts `mosquitto -c` on it; resolves once a client can connect.
 */
export async function startMosquitto(
  dir: string,
  options: { port?: number; extraConfig?: readonly string[] } = {},
): Promise<Mosquitto> {
  const port = options.port ?? (await freePort());
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    ...(options.extraConfig ?? []),
  ];
  fs.writeFileSync(conf, `${lines.join('\n')}\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const broker: Mosquitto = {
    port,
    process: child,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const probe = await mqttClient(port);
      await probe.endAsync();
      return broker;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await broker.kill();
  throw new Error('mosquitto did not start');
}
