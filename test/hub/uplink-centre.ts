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
import { mqttClient } from './helpers.js';

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
 */
export async function startCentre(
  dir: string,
  options: { tls?: SelfSignedPair; persistence?: boolean } = {},
): Promise<Centre> {
  const centreDir = fs.mkdtempSync(path.join(dir, 'centre-'));
  const passwords = path.join(centreDir, 'passwords');
  execFileSync('mosquitto_passwd', ['-b', '-c', passwords, HUB_ID, HUB_PASSWORD], { stdio: 'ignore' });
  execFileSync('mosquitto_passwd', ['-b', passwords, CENTRE_USER, CENTRE_PASSWORD], { stdio: 'ignore' });
  const acl = path.join(centreDir, 'acl');
  fs.writeFileSync(
    acl,
    [
      `user ${HUB_ID}`,
      `topic write telecare-up/${HUB_ID}/#`,
      `topic read telecare-down/${HUB_ID}/#`,
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
 * subscribed to everything hub1 sends; every message is kept in `received`, in arrival order.
 */
export async function centreConsole(port: number): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await mqttClient(port, {
    username: CENTRE_USER,
    password: CENTRE_PASSWORD,
    clientId: `centre-console-${port}-${(consoles += 1)}`,
    clean: false,
    reconnectPeriod: 200,
  });
  const received: Received[] = [];
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  await client.subscribeAsync(`telecare-up/${HUB_ID}/#`, { qos: 1 });
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
