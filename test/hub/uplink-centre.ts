// A stand-in for an alarm receiving centre's broker in uplink tests: a real mosquitto with passwords and the
// least-privilege ACL docs/uplink.md gives, a console client, and readers of what the hub sent up.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { freePorts } from '../../central/nats-cluster.js';
import type { UplinkOptions } from '../../hub/uplink.js';
import { DEFAULT_UPLINK_MAX_QUEUE } from '../../hub/uplink-settings.js';
import { PortTakenError, startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import type { SelfSignedPair } from '../support/tls.js';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { createLogger } from '../../hub/logger.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';

export const HUB_ID = 'hub1';
export const HUB_PASSWORD = 'uplink-password-for-tests';
export const CENTRE_USER = 'centre';
const CENTRE_PASSWORD = 'centre-password-for-tests';

export interface Centre {
  broker: Mosquitto;
  port: number;
  tlsPort: number | undefined;
  /** SIGKILL the broker, as a crash or a cut would. */
  kill(): Promise<void>;
  /** Start it again on the same ports with the same files (and its saved sessions, with `persistence`). */
  restart(): Promise<void>;
}

/**
 * Mosquitto on a free port: users `hub1` (may write telecare-up/hub1/#, read telecare-down/hub1/# and nothing else)
 * and `centre`; anonymous clients may connect but read and write nothing. `persistence` saves sessions every second.
 * `hubs`: the hub users, each with HUB_PASSWORD and its own topics as hub1 (default: hub1 alone).
 */
export async function startCentre(
  dir: string,
  options: { tls?: SelfSignedPair; persistence?: boolean; hubs?: readonly string[] } = {},
): Promise<Centre> {
  const centreDir = fs.mkdtempSync(path.join(dir, 'centre-'));
  const passwords = path.join(centreDir, 'passwords');
  const hubs = options.hubs ?? [HUB_ID];
  execFileSync('mosquitto_passwd', ['-b', '-c', passwords, CENTRE_USER, CENTRE_PASSWORD], { stdio: 'ignore' });
  for (const hub of hubs) execFileSync('mosquitto_passwd', ['-b', passwords, hub, HUB_PASSWORD], { stdio: 'ignore' });
  const acl = path.join(centreDir, 'acl');
  fs.writeFileSync(
    acl,
    [
      ...hubs.flatMap((hub) => [
        `user ${hub}`,
        `topic write telecare-up/${hub}/#`,
        `topic read telecare-down/${hub}/#`,
      ]),
      `user ${CENTRE_USER}`,
      'topic read telecare-up/#',
      'topic write telecare-down/#',
      '',
    ].join('\n'),
  );
  // Both ports picked together (freePorts holds each listener open until both are picked): one free port after
  // another may be the same one twice, and mosquitto would then exit at start (docs/testing.md, session 33). A port
  // another program takes between the pick and mosquitto's bind is replaced by a new pair, as startMosquitto does.
  for (let attempt = 1; ; attempt++) {
    const [port, tlsPort] = await freePorts(options.tls ? 2 : 1);
    try {
      return await startCentreOn(centreDir, passwords, acl, port!, options.tls ? tlsPort : undefined, options);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

/** Pairs of ports tried in turn when one is taken before mosquitto binds it. */
const PORT_ATTEMPTS = 5;

async function startCentreOn(
  centreDir: string,
  passwords: string,
  acl: string,
  port: number,
  tlsPort: number | undefined,
  options: { tls?: SelfSignedPair; persistence?: boolean },
): Promise<Centre> {
  const extraConfig = [
    `password_file ${passwords}`,
    `acl_file ${acl}`,
    'set_tcp_nodelay true',
    // Started as root, mosquitto drops to the user mosquitto, who cannot read the test's private folder.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    ...(options.persistence ? ['persistence true', `persistence_location ${centreDir}/`, 'autosave_interval 1'] : []),
    ...(options.tls && tlsPort
      ? [`listener ${tlsPort} 127.0.0.1`, `certfile ${options.tls.certFile}`, `keyfile ${options.tls.keyFile}`]
      : []),
  ];
  const centre: Centre = {
    broker: await startMosquitto(centreDir, { port, extraConfig }),
    port,
    tlsPort,
    kill: () => centre.broker.kill(),
    async restart() {
      centre.broker = await startMosquitto(centreDir, { port, extraConfig });
    },
  };
  return centre;
}

/** The file mosquitto saves sessions in (with `persistence`). */
export function persistenceFile(centre: Centre): string {
  return path.join(path.dirname(centre.broker.process.spawnargs.at(-1) ?? ''), 'mosquitto.db');
}

/** The uplink settings of hub1 towards `port`, with short test-only timings. */
export function uplinkOptions(port: number, overrides: Partial<UplinkOptions> = {}): UplinkOptions {
  return {
    url: `mqtt://127.0.0.1:${port}`,
    hubId: HUB_ID,
    username: HUB_ID,
    password: HUB_PASSWORD,
    caFile: undefined,
    councilKey: undefined,
    maxQueue: DEFAULT_UPLINK_MAX_QUEUE,
    reconnectMs: 200,
    ...overrides,
  };
}

let consoles = 0;

export interface Received {
  topic: string;
  payload: string;
}

/**
 * The centre's console: a persistent session (so the broker keeps what it misses while it reconnects), reconnecting,
 * subscribed to everything hub1 sends (or `filter`: `telecare-up/#` for every hub's); every message is kept in `received`, in arrival order.
 */
export async function centreConsole(
  port: number,
  filter = `telecare-up/${HUB_ID}/#`,
): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await mqttClient(port, {
    username: CENTRE_USER,
    password: CENTRE_PASSWORD,
    clientId: `centre-console-${port}-${(consoles += 1)}`,
    clean: false,
    reconnectPeriod: 200,
  });
  const received: Received[] = [];
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}

/** An alert item as the centre receives it. */
export interface AlertItem {
  hubId: string;
  alertId: string;
  version: number;
  queuedAt: string;
  alert: { id: string; state: string; version: number; outcome: string | null; acknowledgedBy: string | null };
}

/** The alert items received, in arrival order. */
export function alertItems(received: readonly Received[]): AlertItem[] {
  return received
    .filter((m) => /^telecare-up\/[^/]+\/alerts\/[^/]+$/.test(m.topic))
    .map((m) => JSON.parse(m.payload) as AlertItem);
}

/** The versions of one alert in the order they first arrived (a repeat after a reconnect is at least once). */
export function versionsOf(received: readonly Received[], alertId: string): number[] {
  const seen: number[] = [];
  for (const item of alertItems(received)) {
    if (item.alertId === alertId && !seen.includes(item.version)) seen.push(item.version);
  }
  return seen;
}

/** The hub's answers to the centre's commands on alert `alertId` (`…/ack/result`), oldest first. */
export function commandResults(received: readonly Received[], alertId: string): Record<string, unknown>[] {
  return received
    .filter((m) => m.topic === `telecare-up/${HUB_ID}/alerts/${alertId}/ack/result`)
    .map((m) => JSON.parse(m.payload) as Record<string, unknown>);
}

/**
 * A one-home hub in-process (ONE_HOME_CONFIG, silent log) whose uplink goes to the centre on `centrePort`, a sensor
 * client on the hub's broker (push it to the caller's list to end), a press of its pendant, and the id of the open
 * pendant alert once there is one.
 */
export async function hubUpToCentre(
  dir: string,
  centrePort: number,
): Promise<{ hub: RunningHub; sensor: MqttClient; press(): Promise<void>; openPendant(): Promise<string> }> {
  const hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
    uplink: uplinkOptions(centrePort),
    logger: createLogger({ level: 'silent' }),
  });
  const sensor = await mqttClient(hub.ports.mqtt!);
  const press = async (): Promise<void> => {
    await sensor.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type: 'pendant', value: true }), {
      qos: 1,
    });
  };
  const openPendant = async (): Promise<string> => {
    let id = '';
    await vi.waitFor(
      () => {
        id = hub.alerts.list({ state: 'open' }).find((a) => a.kind === 'pendant')?.id ?? '';
        expect(id).not.toBe('');
      },
      { timeout: 15_000, interval: 20 },
    );
    return id;
  };
  return { hub, sensor, press, openPendant };
}

/** Waits for `check` to pass, as the uplink's round trips take (15 s at most, looked at every 20 ms). */
export const eventually = (check: () => void | Promise<void>, timeout = 15_000): Promise<void> =>
  vi.waitFor(check, { timeout, interval: 20 });

/**
 * Registers, in the calling file, a temp folder (`prefix`) for each test, and after it stops what `start` started:
 * the centre (`startCentre`), its console client (`centreConsole`), and the one-home hub with its uplink to it and its
 * sensor client (`hubUpToCentre`).
 */
export function centreAndHubEachTest(prefix: string): {
  start(): Promise<{
    client: MqttClient;
    received: Received[];
    hub: RunningHub;
    press(): Promise<void>;
    openPendant(): Promise<string>;
  }>;
} {
  let dir = '';
  let centre: Centre | undefined;
  let hub: RunningHub | undefined;
  const clients: MqttClient[] = [];
  beforeEach(() => {
    dir = tempDir(prefix);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.endAsync(true).catch(() => undefined);
    await hub?.stop();
    hub = undefined;
    await centre?.kill();
    centre = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    async start() {
      centre = await startCentre(dir);
      const { client, received } = await centreConsole(centre.port);
      clients.push(client);
      const up = await hubUpToCentre(dir, centre.port);
      hub = up.hub;
      clients.push(up.sensor);
      return { client, received, hub: up.hub, press: up.press, openPendant: up.openPendant };
    },
  };
}
