// In-process hubs for tests: the real startHub on a temp folder and ephemeral ports, and dashboard credentials for it.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import type { Alert } from '../../hub/alerts/api.js';
import { parseHubConfig } from '../../hub/config.js';
import type { HubConfig } from '../../hub/config-types.js';
import { startHub, type HubOptions, type RunningHub } from '../../hub/hub.js';
import { silentLogger } from '../../hub/logger.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';
import { lowCostHash } from './low-cost-hash.js';
import { capturingLogger } from './captured-log.js';

/** The dashboard admin's password in hubs these tests start (never a default of the product). */
export const TEST_ADMIN_PASSWORD = 'admin-password-for-tests';

/**
 * `startHub` with its database under `dir/data`, the embedded broker and the dashboard on free ports of 127.0.0.1,
 * no log output, the admin password `TEST_ADMIN_PASSWORD` and announcements dropped; `options` override any of these.
 */
export function startTestHub(config: HubConfig, dir: string, options: Partial<HubOptions> = {}): Promise<RunningHub> {
  return startHub({
    config,
    dataDir: path.join(dir, 'data'),
    mqttPort: 0,
    httpPort: 0,
    host: '127.0.0.1',
    adminPassword: TEST_ADMIN_PASSWORD,
    logger: silentLogger,
    announce: () => undefined,
    ...options,
  });
}

/** One test's hub and MQTT client, in a temp folder made for it. */
export interface HubPerTest {
  /** The test's temp folder, removed after it. */
  readonly dir: string;
  /** The hub the test started (stopped after it). */
  hub: RunningHub | undefined;
  /** The test's MQTT client (ended, forced, after it, before the hub stops). */
  client: MqttClient | undefined;
}

/** Registers the hooks that make a `HubPerTest` for each test of the calling file and stop it after; `prefix` names its folder. */
export function hubPerTest(prefix: string): HubPerTest {
  let dir: string | undefined;
  const state = {
    get dir(): string {
      if (dir === undefined) throw new Error('no test is running');
      return dir;
    },
    hub: undefined as RunningHub | undefined,
    client: undefined as MqttClient | undefined,
  };
  beforeEach(() => {
    dir = tempDir(prefix);
  });
  afterEach(async () => {
    await state.client?.endAsync(true);
    state.client = undefined;
    await state.hub?.stop();
    state.hub = undefined;
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  return state;
}

/** The address of a running hub's dashboard. */
export function dashboardUrl(hub: RunningHub): string {
  return `http://127.0.0.1:${hub.ports.http}`;
}

/** Logs in over real HTTP as the dashboard user admin; returns the session cookie for later requests. */
export async function adminSession(hub: RunningHub, password = TEST_ADMIN_PASSWORD): Promise<string> {
  const base = dashboardUrl(hub);
  const login = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return login.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';', 1).join(''))
    .join('; ');
}

/** Makes an API token with `role` (a device's with its `homes`) through the dashboard, as the admin session `cookie`. */
export async function createApiToken(
  hub: RunningHub,
  cookie: string,
  name: string,
  role: string,
  homes?: string[],
): Promise<string> {
  const base = dashboardUrl(hub);
  const made = await fetch(`${base}/api/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, cookie },
    body: JSON.stringify(homes ? { name, role, homes } : { name, role }),
  });
  if (!made.ok) throw new Error(`token for ${role} refused: ${made.status} ${await made.text()}`);
  return ((await made.json()) as { token: string }).token;
}

/**
 * Sends a device's heartbeat (QoS 1) in home `homeId` through `client` and waits until the hub's alerts have taken
 * what it caused: `await heartbeat('bed-mat')`.
 */
export function heartbeatSender(
  client: MqttClient,
  hub: RunningHub,
  homeId = 'h1',
): (deviceId: string) => Promise<void> {
  return async (deviceId) => {
    await client.publishAsync(
      `telecare/${homeId}/devices/${deviceId}/events`,
      JSON.stringify({ type: 'heartbeat', value: true }),
      { qos: 1 },
    );
    await hub.alerts.settled();
  };
}

/**
 * A pendant press of `deviceId` in `homeId` posted over real HTTP to the hub's `POST /api/events` with `cookie` (an
 * admin's session: `adminSession`), then the home's open pendant alert once the hub has raised it.
 */
export async function pressOverHttp(hub: RunningHub, cookie: string, homeId: string, deviceId: string): Promise<Alert> {
  const base = dashboardUrl(hub);
  const res = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, cookie },
    body: JSON.stringify({ homeId, deviceId, type: 'pendant', value: true }),
  });
  expect(res.status, await res.text()).toBe(202);
  let alert: Alert | undefined;
  await vi.waitFor(
    () => {
      alert = hub.alerts.list({ homeId, state: 'open' }).find((a) => a.kind === 'pendant');
      expect(alert).toBeDefined();
    },
    { timeout: 20_000, interval: 20 },
  );
  return alert!;
}

/** An MQTT credential a story's hub is configured with: `mqttUsers`' fields, the password in clear for the client. */
export interface TestMqttUser {
  username: string;
  password: string;
  role: 'installer' | 'device' | 'bridge' | 'responder';
}

/** What `loggedHubPerTest` gives each test: its hub, the hub's log lines and the clients to end after it. */
export interface LoggedHub {
  readonly hub: RunningHub;
  /** The hub's log at warn and above, one JSON line each. */
  readonly logLines: string[];
  /** The lines that contain `words`. */
  linesSaying(words: string): string[];
  /** Counter `name`'s value for label `reason` (0 before its first count). */
  counted(name: string, reason: string): Promise<number>;
  /** MQTT clients the test opened: ended, forced, after it. */
  readonly clients: MqttClient[];
}

/**
 * Registers the hooks that start, for each test of the calling file, an in-process hub of ONE_HOME_CONFIG with
 * `users` (of home h1) as its MQTT credentials and its log at warn captured, in a temp folder named `prefix`, and stop
 * it after: the stage of the stories that check what a flood can make the hub write to its log.
 */
export function loggedHubPerTest(prefix: string, users: readonly TestMqttUser[]): LoggedHub {
  let dir: string | undefined;
  let hub: RunningHub | undefined;
  const logLines: string[] = [];
  const clients: MqttClient[] = [];
  beforeEach(async () => {
    dir = tempDir(prefix);
    logLines.length = 0;
    const config = parseHubConfig({
      ...ONE_HOME_CONFIG,
      mqttUsers: users.map(({ username, password, role }) => ({
        username,
        passwordHash: lowCostHash(password),
        role,
        homes: ['h1'],
      })),
    });
    hub = await startTestHub(config, dir, { logger: capturingLogger(logLines) });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await hub?.stop();
    hub = undefined;
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  const running = (): RunningHub => {
    if (hub === undefined) throw new Error('no test is running');
    return hub;
  };
  return {
    get hub(): RunningHub {
      return running();
    },
    logLines,
    linesSaying: (words) => logLines.filter((line) => line.includes(words)),
    counted: async (name, reason) => {
      const metric = await running().metrics.getSingleMetric(name)!.get();
      return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
    },
    clients,
  };
}
