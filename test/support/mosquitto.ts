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

/** How long mosquitto may take to say it is running on a loaded machine before the start counts as failed. */
const START_TIMEOUT_MS = 30_000;

/** Free ports tried in turn when the one picked is taken before mosquitto binds it (only when no port is given). */
const PORT_ATTEMPTS = 5;

/**
 * Writes `dir/mosquitto.conf` (a listener on `port`, anonymous clients, no persistence, then `extraConfig` lines)
 * and starts `mosquitto -c` on it; resolves once mosquitto says it is running (its listener is bound: not another
 * program's on a port taken meanwhile) and a client can connect. Without `port`, a port taken between the pick and
 * mosquitto's bind is replaced by another.
 */
export async function startMosquitto(
  dir: string,
  options: { port?: number; extraConfig?: readonly string[] } = {},
): Promise<Mosquitto> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startOn(dir, port, options.extraConfig ?? []);
    } catch (err) {
      const taken = err instanceof PortTakenError;
      if (!taken || options.port !== undefined || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

/** mosquitto exited at start because a listener's port was taken (by another program, meanwhile). */
export class PortTakenError extends Error {}

async function startOn(dir: string, port: number, extraConfig: readonly string[]): Promise<Mosquitto> {
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', ...extraConfig];
  fs.writeFileSync(conf, `${lines.join('\n')}\n`);
  // Mosquitto logs to stderr by default; "running" comes once every listener is bound.
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let running = false;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const broker: Mosquitto = {
    port,
    process: child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mosquitto did not start in time:\n${log}`)), START_TIMEOUT_MS);
      // Read to the end (a full pipe would block mosquitto), kept only until it runs.
      child.stderr.on('data', (d: Buffer) => {
        if (running) return;
        log += d.toString();
        if (/mosquitto version \S+ running/.test(log)) {
          running = true;
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        const message = `mosquitto on port ${port} exited at start:\n${log}`;
        reject(/Address already in use/.test(log) ? new PortTakenError(message) : new Error(message));
      });
    });
    const probe = await mqttClient(port);
    await probe.endAsync();
    return broker;
  } catch (err) {
    await broker.kill();
    throw err;
  }
}
