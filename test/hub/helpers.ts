// Test helpers for the hub: temp folders, free ports, the real hub process, real MQTT clients.
import type { SensorEvent } from '../../rules/types.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { expect, vi } from 'vitest';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(projectRoot, 'dist/bin/telecare.js');

/**
 * This machine's first IPv4 address that is not loopback (undefined when it has none): a client connecting from it is
 * another machine as the hub sees it (programs on loopback are the Pi's own, or a proxy's).
 */
export const networkAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `telecare-${prefix}-`));
}

/** A motion report of home h1's hall PIR at `ts`, as the store's tests append it. */
export function motion(ts: number): SensorEvent {
  return {
    homeId: 'h1',
    deviceId: 'pir',
    type: 'motion',
    value: true,
    ts,
    source: 'mqtt',
    room: 'hall',
    assigned: true,
  };
}

/** A home h1 with a pendant p1 and a Zigbee PIR in the hall, as SPEC 3 shows it. */
export const ONE_HOME_CONFIG = {
  homes: [
    {
      id: 'h1',
      timezone: 'Europe/London',
      residents: [{ id: 'r1' }],
      devices: [
        { id: 'p1', kind: 'pendant', room: 'living' },
        { id: 'hall-pir', zigbee: 'hall_pir', kind: 'motion', room: 'hall' },
        { id: 'kitchen-pir', zigbee: 'kitchen/pir', kind: 'motion', room: 'kitchen' },
        { id: 'front', kind: 'exit-door', room: 'entrance' },
      ],
    },
  ],
};

/**
 * `config`'s homes with a bedroom PIR the test never trips: the bed is then seen (`bedUnseen`, session 70), so a
 * silence after the hall's PIR is a possible fall at the short cold-start values at any hour the test runs, night
 * included (without it, in the night window, the hub takes it for the resident back in a bed nothing sees).
 */
export function withBedroomPir<C extends { homes: { devices: object[] }[] }>(config: C): C {
  return {
    ...config,
    homes: config.homes.map((h) => ({
      ...h,
      devices: [...h.devices, { id: 'bedroom-pir', kind: 'motion', room: 'bedroom' }],
    })),
  };
}

/**
 * A configuration of `flats` one-pendant flats (no motion sensor): the hub says a line for each at start, before it opens
 * its ports, which fills a stdout nobody reads (64 KiB) many times over.
 */
export function pendantFlats(flats: number): { homes: object[] } {
  return {
    homes: Array.from({ length: flats }, (_, i) => ({
      id: `flat-${i}`,
      timezone: 'Europe/London',
      residents: [{ id: 'r1' }],
      devices: [{ id: 'p1', kind: 'pendant', room: 'living' }],
    })),
  };
}

export function writeConfig(dir: string, config: unknown = ONE_HOME_CONFIG): string {
  const file = path.join(dir, 'telecare.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

/** The compiled `telecare ...args` run to its end in `cwd` (default: the project) with `env` added: code and output. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? projectRoot,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/**
 * A hub's data folder `from` copied to `to` as a `kill -9` leaves it on disk (the hub still running): every file but
 * the WAL's index (-shm), which SQLite rebuilds from the WAL when the copy is opened, as after a crash.
 */
export function copyAsCrashLeavesIt(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) if (!f.endsWith('-shm')) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

/** A port that was free a moment ago (for programs that cannot be told to use port 0). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function mqttClient(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  const opts: IClientOptions = {
    reconnectPeriod: 0,
    // The broker checks a password hash before its CONNACK: seconds on a loaded machine, never a timing assertion.
    connectTimeout: 15_000,
    ...options,
  };
  // A client that does not reconnect fails when its connection closes before the CONNACK. Without this, mqtt's
  // `connectAsync` (retries allowed by default) waits for a CONNACK that can no longer come: a server that drops the
  // connection mid-handshake without an error (a NATS gateway reloading its users, session 48) hung the test that
  // awaited it until its own timeout, 600 s, with nothing to say where.
  const client = await connectAsync(`mqtt://127.0.0.1:${port}`, opts, opts.reconnectPeriod !== 0);
  (client.stream as net.Socket).setNoDelay?.(true);
  return client;
}

/**
 * A client of the broker at loopback `port` once it takes one (a hub process started: its ports open after its start's
 * work), tried every 200 ms for `timeoutMs`; undefined if it never did.
 */
export async function mqttClientOnceUp(port: number, timeoutMs = 120_000): Promise<MqttClient | undefined> {
  for (const until = Date.now() + timeoutMs; Date.now() < until;) {
    const client = await mqttClient(port).catch(() => undefined);
    if (client) return client;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

/**
 * The persistent session (clean = false) `clientId` on the broker at loopback `port`, connected, not reconnecting (with
 * `username` and `password` when given); `onMessage` gets each message. It is put in `clients` before it connects, so
 * the test's teardown ends it whether it connected or not.
 */
export async function persistentSession(
  port: number,
  session: {
    clientId: string;
    username?: string;
    password?: string;
    clients: MqttClient[];
    onMessage: (topic: string, payload: Buffer) => void;
  },
): Promise<MqttClient> {
  const client = connect(`mqtt://127.0.0.1:${port}`, {
    clientId: session.clientId,
    clean: false,
    reconnectPeriod: 0,
    ...(session.username === undefined ? {} : { username: session.username }),
    ...(session.password === undefined ? {} : { password: session.password }),
  });
  session.clients.push(client);
  client.on('message', session.onMessage);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** A raw MQTT 3.1.1 connection (mqtt-packet over TCP): what it received, and whether the broker closed it. */
export interface RawMqtt {
  received: Packet[];
  closed: Promise<void>;
  /** The CONNACK's return code (undefined when the connection closed without one). */
  connack(): number | undefined;
  send(packet: Packet): void;
  /** Resolves once `done` holds of the packets received; rejects if the connection closes first. */
  until(done: (received: Packet[]) => boolean): Promise<void>;
  end(): Promise<void>;
}

/**
 * Connects to the broker on loopback with packets written by hand (for what mqtt.js would not send: a PUBREL
 * withheld, many connections at once); resolves once the CONNACK came or the connection closed. `localAddress`: the
 * loopback address it comes from (127.0.0.2 and 127.0.0.3 are two machines to the broker); `keepalive` in seconds (60).
 */
export async function rawMqtt(
  port: number,
  connect: {
    clientId: string;
    clean: boolean;
    username?: string;
    password?: string;
    localAddress?: string;
    keepalive?: number;
  },
): Promise<RawMqtt> {
  const socket = net.connect({
    port,
    host: '127.0.0.1',
    ...(connect.localAddress === undefined ? {} : { localAddress: connect.localAddress }),
  });
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const received: Packet[] = [];
  const waiters: (() => void)[] = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  parser.on('packet', (packet) => {
    received.push(packet);
    wake();
  });
  socket.on('data', (chunk) => parser.parse(chunk));
  socket.on('error', () => undefined);
  let isClosed = false;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      resolve();
      wake();
    }),
  );
  const until = async (done: (received: Packet[]) => boolean): Promise<void> => {
    while (!done(received)) {
      if (isClosed) throw new Error(`connection closed; received ${received.map((p) => p.cmd).join(',')}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const send = (packet: Packet): void => void socket.write(mqttPacket.generate(packet));
  send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: connect.clean,
    clientId: connect.clientId,
    keepalive: connect.keepalive ?? 60,
    ...(connect.username === undefined ? {} : { username: connect.username }),
    ...(connect.password === undefined ? {} : { password: Buffer.from(connect.password) }),
  });
  await until((r) => r.some((p) => p.cmd === 'connack')).catch(() => undefined);
  return {
    received,
    closed,
    connack: () => (received.find((p) => p.cmd === 'connack') as { returnCode?: number } | undefined)?.returnCode,
    send,
    until,
    end: async () => {
      if (!isClosed) {
        send({ cmd: 'disconnect' });
        socket.end();
      }
      await closed;
    },
  };
}

/** Resolves with the first message whose topic satisfies `filter`; 15 s by default, generous for a loaded machine. */
export function nextMessage(
  client: MqttClient,
  filter: (topic: string) => boolean,
  timeoutMs = 15_000,
): Promise<{ topic: string; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error('no matching message in time'));
    }, timeoutMs);
    const onMessage = (topic: string, payload: Buffer): void => {
      if (!filter(topic)) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve({ topic, payload });
    };
    client.on('message', onMessage);
  });
}

/** Presses home h1's pendant p1 over MQTT on a hub's broker; resolves with the alert the hub publishes for it. */
export async function pendantAlert(mqttPort: number): Promise<Record<string, unknown>> {
  const watcher = await mqttClient(mqttPort);
  try {
    await watcher.subscribeAsync('telecare/+/alerts/#', { qos: 1 });
    const alertArrives = nextMessage(watcher, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t));
    await watcher.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    return JSON.parse((await alertArrives).payload.toString()) as Record<string, unknown>;
  } finally {
    await watcher.endAsync();
  }
}

export const ADMIN_PASSWORD = 'correct horse battery staple';

/** Log in as the dashboard user admin; returns the session cookie to send with later requests. */
export async function adminCookie(httpPort: number): Promise<string> {
  const login = await fetch(`http://127.0.0.1:${httpPort}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** GET a route that needs a login, as the dashboard user admin. */
export async function adminGet(httpPort: number, route: string): Promise<Response> {
  const cookie = await adminCookie(httpPort);
  return fetch(`http://127.0.0.1:${httpPort}${route}`, { headers: { cookie } });
}

export interface HubProcess {
  child: ChildProcess;
  mqttPort: number;
  httpPort: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Spawn `telecare hub` on free ports and wait until it says it started (ports read from its log). `launcher` runs
 * it through a program that execs it (e.g. `nsenter ...`), so the child's pid is still the hub's. `nodeFlags` go to
 * node before the script (e.g. `npm start`'s).
 */
export async function spawnHub(
  env: Record<string, string>,
  timeoutMs = 30_000,
  launcher?: { program: string; args: readonly string[] },
  nodeFlags: readonly string[] = [],
): Promise<HubProcess> {
  const args = [...nodeFlags, cliPath, 'hub'];
  const child = spawn(
    launcher?.program ?? process.execPath,
    launcher ? [...launcher.args, process.execPath, ...args] : args,
    {
      cwd: projectRoot,
      env: {
        ...process.env,
        HUB_MQTT_PORT: '0',
        HUB_HTTP_PORT: '0',
        HUB_HOST: '127.0.0.1',
        HUB_LOG_LEVEL: 'info',
        HUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // 'close', not 'exit': 'exit' can come before the last of stdout and stderr has been read (a refusal's message).
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const started = await new Promise<{ mqttPort: number; httpPort: number }>((resolve, reject) => {
    // A hub that did not start in time is stopped too (the caller has no handle to stop it by), and gone before this
    // rejects.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const check = (): void => {
      for (const line of out.split('\n')) {
        if (!line.startsWith('{') || !line.endsWith('}')) continue;
        const entry = JSON.parse(line) as { msg?: string; httpPort?: number; mqttPort?: number };
        if (entry.msg === 'hub started') {
          clearTimeout(timer);
          resolve({ mqttPort: entry.mqttPort!, httpPort: entry.httpPort! });
          return;
        }
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(timedOut ? `hub did not start in time:\n${out}\n${err}` : `hub exited with ${code}:\n${out}\n${err}`),
      );
    });
  });
  return { child, ...started, stdout: () => out, stderr: () => err, exited };
}

/**
 * The line of `hub`'s stderr that starts with `start` (`Dashboard user "admin"`), once written: stderr is a pipe of its
 * own, and "hub started" on stdout does not promise that what stderr says has been read yet.
 */
export function stderrLine(hub: HubProcess, start: string): Promise<string> {
  return vi.waitFor(
    () => {
      const found = hub
        .stderr()
        .split('\n')
        .find((line) => line.startsWith(start));
      expect(found).toBeDefined();
      return found!;
    },
    { timeout: 15_000, interval: 20 },
  );
}

/** Stops `child` with SIGKILL if it still runs, and waits for its exit (a test's `afterEach`). */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

export function killHub(hub: HubProcess | undefined): Promise<void> {
  if (!hub || hub.child.exitCode !== null || hub.child.signalCode !== null) return Promise.resolve();
  hub.child.kill('SIGKILL');
  return hub.exited.then(() => undefined);
}

/**
 * A process running `body` on the hub's logger (`log` made, `logLinesDropped` imported), in log format `format`, its
 * stdout `stdout` (a descriptor, closed here once the child has it, or a pipe): the child, and its stderr so far. The
 * caller stops it.
 */
export function onHubLogger(
  body: string,
  format: 'json' | 'pretty',
  stdout: number | 'pipe',
): { proc: ChildProcess; stderr: () => string } {
  const script = `
    import { createLogger, logLinesDropped } from ${JSON.stringify(path.join(projectRoot, 'dist/hub/logger.js'))};
    const log = createLogger({ level: 'info' });
    ${body}
  `;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, HUB_LOG_FORMAT: format },
    stdio: ['ignore', stdout, 'pipe'],
  });
  if (typeof stdout === 'number') fs.closeSync(stdout);
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { proc, stderr: () => err };
}
