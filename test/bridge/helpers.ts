// Real parts for the bridge tests: a socat serial pair, an aedes broker, an MQTT subscriber, the CLI process.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes, type AedesOptions } from 'aedes';
import { afterAll, beforeAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import type { RunningHub } from '../../hub/hub.js';
import { FirmwareBridge, type BridgeOptions } from '../../firmware-bridge/bridge.js';
import { FakeClock } from '../../hub/clock.js';
import { silentLogger } from '../../hub/logger.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(projectRoot, 'dist/bin/telecare.js');

/** What the bridge stories listen to: native events and bridge status. */
export const BRIDGE_TOPICS = ['telecare/+/devices/+/events', 'telecare/bridge/+/status'];

/** Fails early, saying why, when the CLI the stories spawn has not been built. */
export function requireBuiltCli(): void {
  if (!fs.existsSync(cliPath)) throw new Error(`build first (npx tsc -p .): ${cliPath} is missing`);
}

/** Polls `check` until it returns a value (not undefined/false) or `timeoutMs` passes; generous, never a timing assertion. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A pty pair joined by socat, with stable names `<dir>/<name>-rx` (the receiver's end) and `<dir>/<name>-hub`. */
export interface SerialPair {
  receiverEnd: string;
  hubEnd: string;
  process: ChildProcess;
}

export async function startSerialPair(dir: string, name = 'tty'): Promise<SerialPair> {
  const receiverEnd = path.join(dir, `${name}-rx`);
  const hubEnd = path.join(dir, `${name}-hub`);
  // A socat killed with SIGKILL leaves its links behind; a new one must not trip over them.
  for (const link of [receiverEnd, hubEnd]) fs.rmSync(link, { force: true });
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${receiverEnd}`, `pty,raw,echo=0,link=${hubEnd}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(
    'socat ptys',
    () => (stderr.match(/PTY is (\S+)/g)?.length ?? 0) >= 2 && /starting data transfer loop/.test(stderr),
  );
  await waitFor('socat links', () => fs.existsSync(receiverEnd) && fs.existsSync(hubEnd));
  return { receiverEnd, hubEnd, process: child };
}

export async function killProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/**
 * The receiver unplugged: its device name goes first, as udev removes /dev/ttyUSB0, then the pair itself. socat killed
 * alone leaves its links to /dev/pts numbers that the next pty made anywhere on the machine takes at once (another test
 * file's pair): a bridge retrying the old name then opened that stranger's pty, said online again within its retry
 * wait, and read the other test's bytes (session 60: the 'offline status after unplugging' timeouts under load).
 */
export async function unplug(pair: SerialPair): Promise<void> {
  for (const link of [pair.hubEnd, pair.receiverEnd]) fs.rmSync(link, { force: true });
  await killProcess(pair.process);
}

/** Writes bytes to the receiver's end of the pair, as a receiver's UART would. */
export function writeToSerial(ptyPath: string, bytes: Buffer | string): void {
  const fd = fs.openSync(ptyPath, fs.constants.O_WRONLY | fs.constants.O_NOCTTY);
  try {
    let offset = 0;
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    while (offset < data.length) offset += fs.writeSync(fd, data, offset, Math.min(4096, data.length - offset));
  } finally {
    fs.closeSync(fd);
  }
}

export interface TestBroker {
  broker: Aedes;
  server: net.Server;
  port: number;
  close(): Promise<void>;
}

export async function startBroker(port = 0, options: AedesOptions = {}): Promise<TestBroker> {
  const broker = await Aedes.createBroker(options);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    broker,
    server,
    port: address.port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

export interface ReceivedMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

export interface Subscriber {
  client: MqttClient;
  messages: ReceivedMessage[];
  /** Parsed JSON payloads on one topic, oldest first. */
  on(topic: string): unknown[];
  /** The latest bridge status seen. */
  lastStatus(name: string): BridgeStatusView | undefined;
  close(): Promise<void>;
}

export interface BridgeStatusView {
  state: string;
  reason?: string;
  port: { state: string };
  framesOk: number;
  duplicates: number;
  gaps: number;
  sequenceRestarts: number;
  badFrames: Record<string, number>;
  badFramesTotal: number;
  events: { published: number; queued: number; dropped: number };
}

export async function startSubscriber(port: number, topics: string[]): Promise<Subscriber> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    reconnectPeriod: 200,
    clientId: `test-sub-${process.pid}-${Date.now()}`,
  });
  const messages: ReceivedMessage[] = [];
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topics, { qos: 1 });
  const on = (topic: string): unknown[] =>
    messages.filter((m) => m.topic === topic && m.payload !== '').map((m) => JSON.parse(m.payload));
  return {
    client,
    messages,
    on,
    lastStatus: (name) => on(`telecare/bridge/${name}/status`).at(-1) as BridgeStatusView | undefined,
    close: () => client.endAsync(true),
  };
}

export interface BridgeProcess {
  child: ChildProcess;
  /** The bridge's pino log lines, parsed. */
  logs: { msg?: string; level?: number }[];
}

/**
 * Runs in `cwd`, else in a folder of its own removed when it exits: while the broker is away a bridge keeps its events
 * in ./data (--spool), and one story's must never reach another's, nor the project's. HUB_DATA_DIR is not passed on.
 * `uid`/`gid`: run as that user (the bridge's service account), which needs the test to run as root. `env`: added to the
 * test's environment.
 */
export function spawnBridge(
  args: string[],
  where: { cwd?: string; uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
): BridgeProcess {
  const ownDir = where.cwd === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-run-')) : undefined;
  const env = { ...process.env, ...where.env };
  delete env.HUB_DATA_DIR;
  const child = spawn(process.execPath, [cliPath, 'bridge', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: where.cwd ?? ownDir,
    env,
    // Another user than the test's (a service account): only a test run as root may ask for one.
    uid: where.uid,
    gid: where.gid,
  });
  if (ownDir !== undefined) child.once('exit', () => fs.rmSync(ownDir, { recursive: true, force: true }));
  const logs: BridgeProcess['logs'] = [];
  let pending = '';
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => logs.push({ msg: d.toString() }));
  return { child, logs };
}

/** The usual stage of a bridge story, in a temp folder: a serial pair, a broker, a subscriber and the bridge between them. */
export interface BridgeRig {
  dir?: string;
  pair?: SerialPair;
  broker?: TestBroker;
  subscriber?: Subscriber;
  bridge?: BridgeProcess;
}

/**
 * Fills `rig` step by step (so stopRig can clear whatever started) and waits until bridge `name` says it is online;
 * `args` add to the port, broker, name and a 60 s status interval.
 */
export async function startRig(
  rig: BridgeRig,
  tmpPrefix: string,
  name: string,
  args: string[],
): Promise<Required<BridgeRig>> {
  rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  const pair = (rig.pair = await startSerialPair(rig.dir));
  const broker = (rig.broker = await startBroker());
  const subscriber = (rig.subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS));
  rig.bridge = spawnBridge([
    '--port',
    pair.hubEnd,
    '--mqtt',
    `mqtt://127.0.0.1:${broker.port}`,
    '--name',
    name,
    '--status-interval-ms',
    '60000',
    ...args,
  ]);
  await waitFor('bridge online', () => subscriber.lastStatus(name)?.state === 'online');
  return rig as Required<BridgeRig>;
}

/**
 * Registers in the calling file the hooks that start one rig for all its tests (startRig's arguments, once the CLI is
 * built) and stop it after them; its fields are there from the file's first test on.
 */
export function rigPerFile(tmpPrefix: string, name: string, args: string[]): Required<BridgeRig> {
  const rig: BridgeRig = {};
  beforeAll(async () => {
    requireBuiltCli();
    await startRig(rig, tmpPrefix, name, args);
  });
  afterAll(() => stopRig(rig));
  return rig as Required<BridgeRig>;
}

/** Kills and removes everything `rig` holds, and empties it. */
export async function stopRig(rig: BridgeRig): Promise<void> {
  await killProcess(rig.bridge?.child);
  await rig.subscriber?.close();
  await rig.broker?.close();
  await killProcess(rig.pair?.process);
  if (rig.dir) fs.rmSync(rig.dir, { recursive: true, force: true });
  rig.dir = rig.pair = rig.broker = rig.subscriber = rig.bridge = undefined;
}

/** The stage of a story with the bridge in the test's process: a temp folder, its serial pairs, broker, subscriber, bridge. */
export interface InProcessRig {
  dir?: string;
  pairs: SerialPair[];
  broker?: TestBroker;
  subscriber?: Subscriber;
  bridge?: FirmwareBridge;
}

/**
 * Starts a broker and a subscriber to BRIDGE_TOPICS in `rig`, then a FirmwareBridge named `name` on `portPath` for
 * home h1 (COBS at 115,200 baud, a 60 s status interval, 1,000 events queued, quick reopening and reconnecting, a fake
 * clock, no log output; `options` add to these or replace them); resolves with it once it says it is online, as
 * startRig does (a frame written before the port was open could be lost under load, and a story then timed out
 * waiting for it).
 */
export async function startInProcessBridge(
  rig: InProcessRig,
  portPath: string,
  name: string,
  options: Partial<BridgeOptions> = {},
): Promise<FirmwareBridge> {
  const broker = (rig.broker = await startBroker());
  const subscriber = (rig.subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS));
  const bridge = (rig.bridge = new FirmwareBridge({
    portPath,
    baudRate: 115_200,
    framing: 'cobs',
    mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
    homeId: 'h1',
    name,
    statusIntervalMs: 60_000,
    maxQueued: 1_000,
    reopenBackoff: { initialMs: 50, maxMs: 200 },
    mqttReconnectMs: 200,
    clock: new FakeClock(),
    logger: silentLogger,
    ...options,
  }));
  bridge.start();
  await waitFor('bridge online', () => subscriber.lastStatus(name)?.state === 'online');
  return bridge;
}

/** Stops and removes everything `rig` holds (the bridge first, the serial pairs last), and empties it. */
export async function stopInProcessRig(rig: InProcessRig): Promise<void> {
  await rig.bridge?.stop();
  await rig.subscriber?.close();
  await rig.broker?.close();
  for (const pair of rig.pairs) await killProcess(pair.process);
  if (rig.dir) fs.rmSync(rig.dir, { recursive: true, force: true });
  rig.pairs = [];
  rig.dir = rig.broker = rig.subscriber = rig.bridge = undefined;
}

/**
 * The arguments of a bridge process for home h1 reading `framing` frames (COBS by default) on `port`, named `name`,
 * sending to the broker on loopback `mqttPort`, with a status every `statusIntervalMs` (60 s by default); `extra` last.
 */
export function bridgeArgs(bridge: {
  port: string;
  mqttPort: number;
  name: string;
  framing?: 'cobs' | 'ndjson';
  statusIntervalMs?: number;
  extra?: string[];
}): string[] {
  return [
    '--port',
    bridge.port,
    '--framing',
    bridge.framing ?? 'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${bridge.mqttPort}`,
    '--name',
    bridge.name,
    '--status-interval-ms',
    String(bridge.statusIntervalMs ?? 60_000),
    ...(bridge.extra ?? []),
  ];
}

/** The stage of a story whose broker goes away and comes back: one serial pair, every broker and subscriber it started. */
export interface RestartRig {
  dir?: string;
  pair?: SerialPair;
  brokers: TestBroker[];
  subscribers: Subscriber[];
  bridge?: BridgeProcess;
}

/**
 * Starts a broker on `port` (kept in `rig`) that lets a bridge in only once a subscriber to BRIDGE_TOPICS listens
 * there, and that subscriber; `options` go to aedes.
 */
export async function brokerWithSubscriber(
  rig: RestartRig,
  port: number,
  options: AedesOptions = {},
): Promise<Subscriber> {
  let subscriberReady = false;
  const broker = await startBroker(port, {
    authenticate: (client, _user, _password, done) =>
      done(null, !client.id.startsWith('telecare-bridge-') || subscriberReady),
    ...options,
  });
  rig.brokers.push(broker);
  const subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
  rig.subscribers.push(subscriber);
  subscriberReady = true;
  return subscriber;
}

/** Kills and removes everything `rig` holds (the bridge first, the serial pair last), and empties it. */
export async function stopRestartRig(rig: RestartRig): Promise<void> {
  await killProcess(rig.bridge?.child);
  for (const subscriber of rig.subscribers) await subscriber.close();
  for (const broker of rig.brokers) await broker.close();
  await killProcess(rig.pair?.process);
  if (rig.dir) fs.rmSync(rig.dir, { recursive: true, force: true });
  rig.brokers = [];
  rig.subscribers = [];
  rig.dir = rig.pair = rig.bridge = undefined;
}

/** The stage of a story with the real hub in the test's process: its folder, a serial pair, a subscriber, the bridge CLI. */
export interface HubRig {
  dir?: string;
  hub?: RunningHub;
  pair?: SerialPair;
  subscriber?: Subscriber;
  bridge?: BridgeProcess;
}

/** Spawns the bridge CLI with `args` into `rig` and resolves once bridge `name` says on the rig's subscriber it is online. */
export async function spawnBridgeOnline(rig: HubRig, args: string[], name: string): Promise<BridgeProcess> {
  const bridge = (rig.bridge = spawnBridge(args));
  await waitFor('bridge online', () => rig.subscriber!.lastStatus(name)?.state === 'online');
  return bridge;
}

/** Kills and removes everything `rig` holds (the bridge first, the serial pair last), and empties it. */
export async function stopHubRig(rig: HubRig): Promise<void> {
  await killProcess(rig.bridge?.child);
  await rig.subscriber?.close();
  await rig.hub?.stop();
  await killProcess(rig.pair?.process);
  if (rig.dir) fs.rmSync(rig.dir, { recursive: true, force: true });
  rig.dir = rig.hub = rig.pair = rig.subscriber = rig.bridge = undefined;
}
