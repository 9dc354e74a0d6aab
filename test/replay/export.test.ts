// `telecare export`: what a hub stored, as the lines `telecare replay` reads, so that a night that raised an alert can
// be replayed (session 60: before, nothing read the hub's record back out but SQLite by hand). The real hub on a fake
// clock with its embedded broker and a real MQTT client; the compiled CLI in processes of their own on its data folder.
// A sensor whose clock runs six hours ahead is the case replay must not get wrong: live, the hub's clock moves the rules
// (SPEC 4.1), so its stamp must not fire every silence timer of the home in the replay either.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { startTestHub } from '../support/in-process-hub.js';
import { cliPath, mqttClient, ONE_HOME_CONFIG, tempDir, writeConfig } from '../hub/helpers.js';
import { jsonLines, runReplay } from '../support/replay-cli.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const START_GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;

let dir: string;
let hub: RunningHub | undefined;
let client: MqttClient | undefined;

beforeEach(() => {
  dir = tempDir('export');
});

afterEach(async () => {
  await client?.endAsync(true);
  client = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function runExport(args: readonly string[]) {
  const r = spawnSync(process.execPath, [cliPath, 'export', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Publishes a native event and waits until the hub has stored it. */
async function send(deviceId: string, type: string, value: unknown, ts: number): Promise<void> {
  const before = hub!.store.eventsOfHome('h1', 0, Number.MAX_SAFE_INTEGER, 1000).length;
  await client!.publishAsync(
    `telecare/h1/devices/${deviceId}/events`,
    JSON.stringify({ type, value, ts: new Date(ts).toISOString() }),
    { qos: 1 },
  );
  for (let i = 0; i < 250 && hub!.store.eventsOfHome('h1', 0, Number.MAX_SAFE_INTEGER, 1000).length === before; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
}

interface AlertLine {
  kind: string;
  raisedAt: string;
  room?: string;
}

describe('telecare export', () => {
  it('gives back what the hub stored, and its replay raises what the hub raised live, a sensor ahead included', async () => {
    const configFile = writeConfig(dir, ONE_HOME_CONFIG);
    const clock = new FakeClock(T0);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock });
    clock.advanceBy(START_GRACE_MS);
    client = await mqttClient(hub.ports.mqtt!);

    // In the hall at 09:02; in the kitchen at 09:10, its PIR's clock six hours ahead; the pendant pressed at 09:20.
    await send('hall-pir', 'motion', true, clock.now());
    clock.advanceBy(8 * MINUTE_MS);
    await send('kitchen-pir', 'motion', true, clock.now() + 6 * HOUR_MS);
    clock.advanceBy(10 * MINUTE_MS);
    await send('p1', 'pendant', true, clock.now());
    // Then nothing, for five hours of the hub's clock, a minute at a time.
    const until = clock.now() + 5 * HOUR_MS;
    while (clock.now() < until) clock.advanceBy(MINUTE_MS);
    const live = hub.alerts
      .list({ homeId: 'h1' })
      .map((a) => ({ kind: a.kind, raisedAt: a.raisedAt }))
      .sort((a, b) => a.raisedAt.localeCompare(b.raisedAt));
    expect(live.map((a) => a.kind)).toEqual(['pendant', 'inactivity']);
    await client.endAsync(true);
    client = undefined;
    await hub.stop();
    hub = undefined;

    const dataDir = path.join(dir, 'data');
    const out = path.join(dir, 'h1.ndjson');
    const exported = runExport([
      '--home', 'h1', '--from', '2026-11-23', '--to', '2026-11-23', '--data-dir', dataDir, '--config', configFile, '--out', out,
    ]); // prettier-ignore
    expect(exported.stderr).toContain('h1: 3 events');
    expect(exported.status).toBe(0);
    const lines = jsonLines(fs.readFileSync(out, 'utf8'));
    expect(lines).toEqual([
      expect.objectContaining({ deviceId: 'hall-pir', type: 'motion', value: true, ts: '2026-11-23T09:02:00.000Z' }),
      // The sensor's stamp as stored, and when the hub took it.
      expect.objectContaining({
        deviceId: 'kitchen-pir',
        ts: '2026-11-23T15:10:00.000Z',
        receivedAt: '2026-11-23T09:10:00.000Z',
        room: 'kitchen',
        kind: 'motion',
      }),
      expect.objectContaining({ deviceId: 'p1', type: 'pendant', ts: '2026-11-23T09:20:00.000Z' }),
    ]);
    expect(lines[0]).not.toHaveProperty('receivedAt');

    // Replayed up to when the live hub stopped: the same alerts at the same times.
    const replayed = runReplay(['--input', out, '--config', configFile, '--drain', '4.8']);
    expect(replayed.status, replayed.stderr).toBe(0);
    const stopped = new Date(until).toISOString();
    const again = jsonLines<AlertLine>(replayed.stdout)
      .filter((a) => a.raisedAt <= stopped)
      .map((a) => ({ kind: a.kind, raisedAt: a.raisedAt }))
      .sort((a, b) => a.raisedAt.localeCompare(b.raisedAt));
    expect(again).toEqual(live);
  }, 120_000);

  it('says what is wrong with its options, and a data folder with no hub database, and writes nothing', () => {
    const configFile = writeConfig(dir, ONE_HOME_CONFIG);
    const noDb = runExport(['--home', 'h1', '--data-dir', dir, '--config', configFile]);
    expect(noDb.status).toBe(2);
    expect(noDb.stderr).toContain(`no hub database at ${path.join(dir, 'hub.db')}`);
    fs.writeFileSync(path.join(dir, 'hub.db'), '');
    const badDate = runExport(['--home', 'h1', '--data-dir', dir, '--config', configFile, '--from', 'yesterday']);
    expect(badDate.status).toBe(2);
    expect(badDate.stderr).toContain("--from: 'yesterday' is neither a date YYYY-MM-DD nor a time");
    const backwards = runExport(['--home', 'h1', '--data-dir', dir, '--from', '2026-11-23', '--to', '2026-11-20']);
    expect(backwards.status).toBe(2);
    expect(backwards.stderr).toContain('is not before --to');
    expect(runExport(['--data-dir', dir]).stderr).toContain("required option '--home <id...>' not specified");
  });
});
