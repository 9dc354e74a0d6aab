// The files `telecare export --out` and `telecare replay --features` write hold what a home's sensors said (when the
// resident got up, went to the bathroom, pressed the pendant): personal data, as hub.db, which the hub keeps 0600. With
// the usual umask (022) they were made 0644, readable by every user of the Pi (review, session 60, round 2). The real
// hub on a fake clock stores the events through its embedded broker; the compiled CLI writes the files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { MINUTE_MS } from '../../rules/time.js';
import { startTestHub } from '../support/in-process-hub.js';
import { cliPath, mqttClient, ONE_HOME_CONFIG, tempDir, writeConfig } from '../hub/helpers.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('private-output');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `telecare <args>` as an installer's shell runs it, with the usual umask 022. */
function telecare(args: readonly string[]) {
  const r = spawnSync('/bin/sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, cliPath, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr };
}

const modeOf = (file: string): string => (fs.statSync(file).mode & 0o777).toString(8);

/** A hub's data folder holding a morning of home h1: the hall PIR, then the pendant. */
async function storedMorning(): Promise<string> {
  const clock = new FakeClock(T0);
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock });
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
  await hub.stop();
  hub = undefined;
  return path.join(dir, 'data');
}

describe('files of personal data written by the CLI', () => {
  it('telecare export --out and replay --features write files only their owner may read, an earlier copy too', async () => {
    const configFile = writeConfig(dir, ONE_HOME_CONFIG);
    const dataDir = await storedMorning();
    const out = path.join(dir, 'h1.ndjson');
    const exportArgs = ['export', '--home', 'h1', '--from', '2026-11-23', '--to', '2026-11-23'];
    const exported = telecare([...exportArgs, '--data-dir', dataDir, '--config', configFile, '--out', out]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stderr).toContain('h1: 2 events');
    expect(modeOf(out)).toBe('600');

    const features = path.join(dir, 'h1-features.ndjson');
    const replayed = telecare(['replay', '--input', out, '--config', configFile, '--features', features]);
    expect(replayed.status, replayed.stderr).toBe(0);
    expect(fs.readFileSync(features, 'utf8')).toContain('"homeId":"h1"');
    expect(modeOf(features)).toBe('600');

    // A copy an earlier version left open to everyone is narrowed as it is written again.
    fs.chmodSync(out, 0o644);
    fs.chmodSync(features, 0o644);
    expect(telecare([...exportArgs, '--data-dir', dataDir, '--config', configFile, '--out', out]).status).toBe(0);
    expect(telecare(['replay', '--input', out, '--config', configFile, '--features', features]).status).toBe(0);
    expect(modeOf(out)).toBe('600');
    expect(modeOf(features)).toBe('600');
  }, 120_000);
});
