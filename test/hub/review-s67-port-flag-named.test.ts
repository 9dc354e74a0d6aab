// Review, session 67: `telecare hub --mqtt-port 99999` (or `--http-port abc`) was refused as
// "HUB_MQTT_PORT must be a port number 0-65535": the installer, who had set no such variable, looked for it in their
// environment. The message names what was given: the option, or the variable when the value came from it.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliPath } from './helpers.js';

function hub(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('HUB_MQTT_PORT' in env)) delete childEnv.HUB_MQTT_PORT;
  if (!('HUB_HTTP_PORT' in env)) delete childEnv.HUB_HTTP_PORT;
  const run = spawnSync(process.execPath, [cliPath, 'hub', ...args], {
    env: childEnv,
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: run.status, stderr: run.stderr };
}

describe('a bad port', () => {
  it('given as an option is named as that option', () => {
    const mqtt = hub(['--mqtt-port', '99999', '--check-config']);
    expect(mqtt.status).toBe(1);
    expect(mqtt.stderr.trim()).toBe("telecare: --mqtt-port must be a port number 0-65535, not '99999'");
    const http = hub(['--http-port', 'abc', '--check-config']);
    expect(http.status).toBe(1);
    expect(http.stderr.trim()).toBe("telecare: --http-port must be a port number 0-65535, not 'abc'");
  });

  it('from the environment is named as its variable', () => {
    const run = hub(['--check-config'], { HUB_MQTT_PORT: '1883x' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe("telecare: HUB_MQTT_PORT must be a port number 0-65535, not '1883x'");
  });
});
