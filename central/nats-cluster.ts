// Runs the centre's NATS nodes as child processes (for `central:dev`, `central:scale` and the tests): the cluster's
// layout (ports, users as bcrypt hashes) kept in `<dir>/cluster.json`, each node started, killed or reloaded by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  DEFAULT_BCRYPT_COST,
  assertHubId,
  hashPassword,
  newPassword,
  nodeConfigPath,
  nodeName,
  writeClusterConfig,
  type ClusterLayout,
  type NodePorts,
} from './nats-config.js';

export const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** A free TCP port on `host` (the OS picks it; another program may take it before it is bound). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `count` distinct free TCP ports on `host`: every listener stays open until all are picked, then all close. One
 * `freePort` after another may be given the same port twice (the OS picks a random free one each time, and the last
 * one was free again): 24 of 3,000 twelve-port layouts had a repeat on Linux 6.18 (docs/testing.md, session 32), and
 * a node whose port another node took exits at start.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, host, () => {
            const address = server.address();
            resolve(typeof address === 'object' && address ? address.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(
      servers.map(
        (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      ),
    );
  }
}

export function layoutPath(dir: string): string {
  return path.join(dir, 'cluster.json');
}

export function loadLayout(dir: string): ClusterLayout {
  const file = layoutPath(dir);
  if (!fs.existsSync(file)) throw new Error(`no NATS cluster layout at ${file}`);
  return { ...(JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterLayout), dir: path.resolve(dir) };
}

export function saveLayout(layout: ClusterLayout): void {
  fs.mkdirSync(layout.dir, { recursive: true });
  const tmp = `${layoutPath(layout.dir)}.${String(process.pid)}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(layout, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, layoutPath(layout.dir));
  writeClusterConfig(layout);
}

/** How long a change of the layout waits for another one to finish (each holds it for milliseconds). */
const LAYOUT_LOCK_WAIT_MS = 10_000;

/** Whether the process that wrote its pid into the lock file `lock` is gone (it died during its change). */
function lockHolderGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(lock, 'utf8'));
  } catch {
    return false;
  }
  // An empty file: its holder is between creating it and writing its pid.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A breaker (`<lock>.break`) this old was left by a process that died while it broke a dead holder's lock. */
const LOCK_BREAK_STALE_MS = 5_000;

/**
 * Removes `lock` if its holder is gone, under `<lock>.break`, and says whether it did. Two processes that both found
 * the holder dead both removed the lock: the first, then (after the first's successor took the lock anew) the second,
 * removing the live lock, so that two commands changed the layout at once and one's hub was lost while its command
 * said it was added (six adds at once on a dead command's lock: flat-3 missing; review, session 67). Under the breaker
 * the second looks again, finds the successor alive and leaves its lock.
 */
export function breakDeadLock(lock: string): boolean {
  const breaker = `${lock}.break`;
  try {
    fs.closeSync(fs.openSync(breaker, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - fs.statSync(breaker).mtimeMs > LOCK_BREAK_STALE_MS) fs.rmSync(breaker, { force: true });
    } catch {
      // Gone meanwhile: its breaker finished.
    }
    return false;
  }
  try {
    if (!lockHolderGone(lock)) return false;
    fs.rmSync(lock, { force: true });
    return true;
  } finally {
    fs.rmSync(breaker, { force: true });
  }
}

/**
 * Reads the layout at `dir`, changes it and saves what `change` returns (nothing: left as it is), holding
 * `cluster.json.lock` meanwhile. `hub add`, `hub remove` and the workers' quarantine each read, change and write the
 * whole file: two at once (an installer adding hubs in parallel) each wrote its own copy, and every change but the last
 * was lost while its command said it was done (session 63). `change` must not wait on anything: read, change and save
 * are one synchronous step. Waiting for the lock is not: a worker calls this every sweep period, and a wait that
 * blocked its event loop (up to 10 s while another process held the lock) stopped its progress acknowledgements, so
 * that its messages went to the other workers after `ack_wait`, and its pulls and storing stood still (session 64).
 */
export async function changeLayout(
  dir: string,
  change: (layout: ClusterLayout) => ClusterLayout | undefined,
): Promise<ClusterLayout> {
  const lock = `${layoutPath(dir)}.lock`;
  const deadline = Date.now() + LAYOUT_LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockHolderGone(lock) && breakDeadLock(lock)) continue;
    if (Date.now() > deadline) {
      throw new Error(`the cluster layout is being changed by another process (${lock}); try again`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  try {
    const layout = loadLayout(dir);
    const next = change(layout);
    if (next === undefined) return layout;
    saveLayout(next);
    return next;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** A new layout of `nodes` nodes on free ports, with the centre's user; returns the centre's password once. */
export async function createLayout(options: {
  dir: string;
  nodes?: number;
  host?: string;
  centreUser?: string;
  bcryptCost?: number;
  /** The gateway's certificate and key (PEM files; paths as given): hubs connect with `mqtts://`. */
  mqttTls?: { certFile: string; keyFile: string };
}): Promise<{ layout: ClusterLayout; centrePassword: string }> {
  const host = options.host ?? '127.0.0.1';
  const count = options.nodes ?? 3;
  const ports = await freePorts(count * 4, host);
  const nodes: NodePorts[] = [];
  for (let i = 0; i < count; i++) {
    const [client, cluster, mqtt, monitor] = ports.slice(i * 4, i * 4 + 4) as [number, number, number, number];
    nodes.push({ client, cluster, mqtt, monitor });
  }
  const centrePassword = newPassword();
  const layout: ClusterLayout = {
    dir: path.resolve(options.dir),
    host,
    nodes,
    centreUser: options.centreUser ?? 'centre',
    centrePasswordHash: hashPassword(centrePassword, options.bcryptCost ?? DEFAULT_BCRYPT_COST),
    routePassword: newPassword(),
    hubs: [],
    mqttReplicas: Math.min(3, nodes.length),
    ...(options.mqttTls ? { mqttTls: options.mqttTls } : {}),
  };
  saveLayout(layout);
  return { layout, centrePassword };
}

/** Adds (or replaces) hubs' credentials in the layout and rewrites the configs; returns the new layout. */
export function withHubs(
  layout: ClusterLayout,
  hubs: readonly { hubId: string; passwordHash: string }[],
): ClusterLayout {
  for (const hub of hubs) assertHubId(hub.hubId);
  const ids = new Set(hubs.map((h) => h.hubId));
  return { ...layout, hubs: [...layout.hubs.filter((h) => !ids.has(h.hubId)), ...hubs] };
}

export interface NatsNode {
  index: number;
  name: string;
  process: ChildProcess;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (lame duck is not needed for tests), waiting for the exit. */
  stop(): Promise<void>;
}

/** Waits until node `index` answers `/healthz` for the server and JetStream (cluster formed, meta leader known); its
 * streams may still be catching up. */
export async function waitHealthy(layout: ClusterLayout, index: number, timeoutMs = 60_000): Promise<void> {
  const node = layout.nodes[index];
  if (!node) throw new Error(`no node ${String(index)}`);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://${layout.host}:${String(node.monitor)}/healthz?js-server-only=true`);
      last = await response.text();
      if (response.ok) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`NATS node ${nodeName(index)} not healthy within ${String(timeoutMs)} ms: ${last}`);
}

/** Starts node `index` from its config file; resolves once the process runs (use `waitHealthy` for JetStream). */
export function startNode(layout: ClusterLayout, index: number): NatsNode {
  const name = nodeName(index);
  const logFile = path.join(layout.dir, name, 'nats.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(NATS_SERVER, ['-c', nodeConfigPath(layout, index)], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('error', () => undefined);
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    index,
    name,
    process: child,
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (alive()) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface NatsCluster {
  layout: ClusterLayout;
  nodes: NatsNode[];
  /** `nats://host:port` of every node, for the centre's clients. */
  natsUrls: string[];
  /** `mqtt://host:port` of every node's gateway, for hubs. */
  mqttUrls: string[];
  /** Starts node `index` again (after a kill) and waits until it is healthy. */
  restart(index: number): Promise<NatsNode>;
  /** Rewrites the configs from `layout` and reloads every running node (SIGHUP). */
  reload(layout: ClusterLayout): void;
  stop(): Promise<void>;
}

export function natsUrls(layout: ClusterLayout): string[] {
  return layout.nodes.map((n) => `nats://${layout.host}:${String(n.client)}`);
}

export function mqttUrls(layout: ClusterLayout): string[] {
  const scheme = layout.mqttTls ? 'mqtts' : 'mqtt';
  return layout.nodes.map((n) => `${scheme}://${layout.host}:${String(n.mqtt)}`);
}

/** Starts every node of `layout` and waits until each is healthy. */
export async function startCluster(initial: ClusterLayout): Promise<NatsCluster> {
  if (!fs.existsSync(NATS_SERVER)) {
    throw new Error(`nats-server is not installed at ${NATS_SERVER}: apt-get install nats-server`);
  }
  let layout = initial;
  saveLayout(layout);
  const nodes = layout.nodes.map((_, i) => startNode(layout, i));
  const cluster: NatsCluster = {
    layout,
    nodes,
    natsUrls: natsUrls(layout),
    mqttUrls: mqttUrls(layout),
    async restart(index) {
      const node = startNode(layout, index);
      nodes[index] = node;
      await waitHealthy(layout, index);
      return node;
    },
    reload(next) {
      layout = next;
      cluster.layout = next;
      saveLayout(next);
      for (const node of nodes) {
        if (node.process.exitCode === null && node.process.signalCode === null) node.process.kill('SIGHUP');
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  // A node that exits while starting (its port taken meanwhile by another program) fails the start at once,
  // instead of after the health wait.
  const exitedEarly = nodes.map(
    (node, i) =>
      new Promise<never>((_, reject) => {
        node.process.once('exit', (code, signal) => {
          reject(new Error(`NATS node ${nodeName(i)} exited while starting (${String(signal ?? code)}); see its log`));
        });
      }),
  );
  for (const early of exitedEarly) early.catch(() => undefined);
  try {
    await Promise.race([Promise.all(layout.nodes.map((_, i) => waitHealthy(layout, i))), ...exitedEarly]);
  } catch (err) {
    await Promise.all(nodes.map((n) => n.kill()));
    throw err;
  }
  return cluster;
}
