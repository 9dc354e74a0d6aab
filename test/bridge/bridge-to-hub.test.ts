// The serial bridge against the real hub's embedded broker (its ACLs), not a bare aedes: a press on the radio becomes an alert.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, ONE_HOME_CONFIG } from '../hub/helpers.js';
import {
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startSerialPair,
  startSubscriber,
  writeToSerial,
  type BridgeProcess,
  type SerialPair,
  type Subscriber,
} from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

const SENSOR_PASSWORD = 'sensor-h1-password';
const BRIDGE_PASSWORD = 'bridge-h1-password';

describe('telecare bridge on the hub itself (anonymous loopback client of the embedded broker)', () => {
  let dir: string;
  let hub: RunningHub;
  let pair: SerialPair;
  let bridge: BridgeProcess | undefined;
  let watcher: Subscriber | undefined;
  let squatter: MqttClient | undefined;

  beforeAll(async () => {
    requireBuiltCli();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-bridge-hub-'));
    const mqttUsers = [
      { username: 'sensor-h1', passwordHash: lowCostHash(SENSOR_PASSWORD), role: 'device', homes: ['h1'] },
      { username: 'bridge-h1', passwordHash: lowCostHash(BRIDGE_PASSWORD), role: 'bridge', homes: ['h1'] },
    ];
    hub = await startTestHub(parseHubConfig({ ...ONE_HOME_CONFIG, mqttUsers }), dir);
    pair = await startSerialPair(dir);
  });

  afterAll(async () => {
    await killProcess(bridge?.child);
    await squatter?.endAsync(true);
    await watcher?.close();
    await hub.stop();
    await killProcess(pair.process);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a pendant press on the serial line raises a critical alert, and the bridge stays connected to say so', async () => {
    const port = hub.ports.mqtt ?? 0;
    watcher = await startSubscriber(port, ['telecare/bridge/+/status']);
    bridge = spawnBridge([
      '--port',
      pair.hubEnd,
      '--mqtt',
      `mqtt://127.0.0.1:${port}`,
      '--home',
      'h1',
      '--name',
      'rx-flat',
      '--status-interval-ms',
      '60000',
    ]);
    const opened = bridge;
    await vi.waitFor(() => expect(opened.logs.some((l) => l.msg === 'serial port open')).toBe(true), {
      timeout: 20_000,
      interval: 20,
    });
    writeToSerial(pair.receiverEnd, '{"device":"p1","type":"pendant","value":true}\n');
    await vi.waitFor(
      () =>
        expect(hub.alerts.list({ state: 'open' }).map((a) => [a.kind, a.severity])).toEqual([['pendant', 'critical']]),
      { timeout: 20_000, interval: 20 },
    );
    // The bridge's retained status reaches the hub's subscribers: the broker did not refuse (and drop) the bridge.
    await vi.waitFor(
      () =>
        expect(watcher?.lastStatus('rx-flat')).toMatchObject({ state: 'online', events: { published: 1, queued: 0 } }),
      {
        timeout: 20_000,
        interval: 20,
      },
    );
  });
  it('a sensor credential holding the client id a bridge would use does not keep the bridge out', async () => {
    const port = hub.ports.mqtt ?? 0;
    await killProcess(bridge?.child);
    // Another credential connects first with the id `telecare bridge --name rx-hall` once chose: the broker refuses
    // that id to anyone else (CONNACK 2), so a bridge with a fixed id would never get in.
    squatter = await mqttClient(port, {
      clientId: 'telecare-bridge-rx-hall',
      username: 'sensor-h1',
      password: SENSOR_PASSWORD,
    });
    hub.alerts.list({ state: 'open' }).forEach((a) => hub.alerts.resolve(a.id, 'false-alarm', null, 'test'));
    bridge = spawnBridge([
      '--port',
      pair.hubEnd,
      '--mqtt',
      `mqtt://127.0.0.1:${port}`,
      '--home',
      'h1',
      '--name',
      'rx-hall',
      '--status-interval-ms',
      '60000',
    ]);
    const opened = bridge;
    await vi.waitFor(() => expect(opened.logs.some((l) => l.msg === 'serial port open')).toBe(true), {
      timeout: 20_000,
      interval: 20,
    });
    writeToSerial(pair.receiverEnd, '{"device":"p1","type":"pendant","value":true}\n');
    await vi.waitFor(() => expect(hub.alerts.list({ state: 'open' }).map((a) => a.kind)).toEqual(['pendant']), {
      timeout: 20_000,
      interval: 20,
    });
    expect(squatter.connected).toBe(true);
  });
  it('one line the broker refuses (another home) is acknowledged and discarded, never resent ahead of a press', async () => {
    const port = hub.ports.mqtt ?? 0;
    await killProcess(bridge?.child);
    hub.alerts.list({ state: 'open' }).forEach((a) => hub.alerts.resolve(a.id, 'false-alarm', null, 'test'));
    const passwordFile = path.join(dir, 'bridge-password');
    fs.writeFileSync(passwordFile, BRIDGE_PASSWORD, { mode: 0o600 });
    watcher ??= await startSubscriber(port, ['telecare/bridge/+/status']);
    bridge = spawnBridge([
      '--port',
      pair.hubEnd,
      '--mqtt',
      `mqtt://127.0.0.1:${port}`,
      '--username',
      'bridge-h1',
      '--password-file',
      passwordFile,
      '--home',
      'h1',
      '--name',
      'rx-scoped',
      '--mqtt-reconnect-ms',
      '200',
      '--status-interval-ms',
      '60000',
    ]);
    const started = bridge;
    await vi.waitFor(() => expect(watcher?.lastStatus('rx-scoped')?.state).toBe('online'), {
      timeout: 20_000,
      interval: 20,
    });
    await vi.waitFor(() => expect(started.logs.some((l) => l.msg === 'serial port open')).toBe(true), {
      timeout: 20_000,
      interval: 20,
    });
    const refusedBefore = await publishRefusals();
    // The receiver also hears a flat this bridge's credential does not cover: the broker refuses that event.
    writeToSerial(
      pair.receiverEnd,
      '{"device":"p2","home":"h2","type":"pendant","value":true}\n{"device":"p1","type":"pendant","value":true}\n',
    );
    await vi.waitFor(
      () => expect(hub.alerts.list({ state: 'open' }).map((a) => [a.homeId, a.kind])).toEqual([['h1', 'pendant']]),
      {
        timeout: 30_000,
        interval: 20,
      },
    );
    // The bridge got a PUBACK for both lines (the refused one too): nothing left to resend, nothing given up.
    await vi.waitFor(
      () => expect(watcher?.lastStatus('rx-scoped')?.events).toMatchObject({ published: 2, queued: 0, dropped: 0 }),
      { timeout: 20_000, interval: 20 },
    );
    expect(await publishRefusals()).toBe(refusedBefore + 1);
    expect(hub.store.eventsAfter(0).filter((e) => e.homeId === 'h2')).toEqual([]);
    expect(hub.alerts.list({}).filter((a) => a.homeId === 'h2')).toEqual([]);
  });

  async function publishRefusals(): Promise<number> {
    const metric = await hub.metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
    return metric.values.find((v) => v.labels.reason === 'publish-denied')?.value ?? 0;
  }
});
