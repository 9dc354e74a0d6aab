// A hub's data folder holding a morning of home h1, and the compiled CLI run as an installer's shell runs it: for the
// tests of the files of personal data the CLI writes (`telecare export --out`, `replay --features`).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { MINUTE_MS } from '../../rules/time.js';
import { startTestHub } from '../support/in-process-hub.js';
import { cliPath, mqttClient, ONE_HOME_CONFIG } from '../hub/helpers.js';

export const MORNING_T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

/** `telecare <args>` as an installer's shell runs it, with the usual umask 022. */
export function telecare(args: readonly string[]): { status: number | null; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, cliPath, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr };
}

/**
 * `dir/data`: a hub's data folder holding a morning of home h1 (the hall PIR, then the pendant), stored by the real hub
 * on a fake clock through its embedded broker. The hub is stopped before this returns.
 */
export async function storedMorning(dir: string): Promise<string> {
  const clock = new FakeClock(MORNING_T0);
  const hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock });
  try {
    clock.advanceBy(DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000);
    const client = await mqttClient(hub.ports.mqtt!);
    for (const [deviceId, type] of [
      ['hall-pir', 'motion'],
      ['p1', 'pendant'],
    ]) {
      await client.publishAsync(
        `telecare/h1/devices/${deviceId}/events`,
        JSON.stringify({ type, value: true, ts: new Date(clock.now()).toISOString() }),
        { qos: 1 },
      );
      clock.advanceBy(MINUTE_MS);
    }
    await client.endAsync(true);
  } finally {
    await hub.stop();
  }
  return path.join(dir, 'data');
}
