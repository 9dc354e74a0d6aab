// A private PostgreSQL server from the Debian packages, in a folder of its own on a free port: for `central:dev`,
// `central:scale` and the tests. Never a system service; when run as root the server runs as `nobody`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface LocalPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication on 127.0.0.1 only). */
  url: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  /** Fast shutdown (SIGINT), waiting for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, waiting for the exit. */
  kill(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Folder that holds the cluster (`<dir>/data`) and its socket; created when missing. */
  dir: string;
  port: number;
  /** Turn off fsync and full-page writes: for tests only, never for data anyone keeps. */
  unsafeFast?: boolean;
  /** How long the server may take to accept connections. */
  startTimeoutMs?: number;
}

/** The newest PostgreSQL binaries folder of the Debian packages, e.g. `/usr/lib/postgresql/15/bin`. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      'PostgreSQL is not installed: apt-get install postgresql (the server binaries in /usr/lib/postgresql)',
    );
  }
  return path.join(root, newest, 'bin');
}

/** The uid and gid of `nobody`, that initdb and the server run as when this process is root (PostgreSQL refuses root). */
const NOBODY = { uid: 65534, gid: 65534 };

function serverUser(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? NOBODY : {};
}

function chownForServer(dir: string): void {
  if (process.getuid?.() !== 0) return;
  // nobody must reach the folder: every parent up to an existing world-traversable one is made traversable.
  const r = spawnSync('chown', ['-R', 'nobody:nogroup', dir]);
  if (r.status !== 0) throw new Error(`chown nobody ${dir}: ${r.stderr.toString()}`);
  for (let p = path.dirname(dir); p !== path.dirname(p); p = path.dirname(p)) {
    const mode = fs.statSync(p).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(p, mode | 0o011);
  }
}

/** Waits (up to 10 s) until no process has the data folder as its working directory any more. */
async function backendsGone(dataDir: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  const real = fs.realpathSync(dataDir);
  while (Date.now() < deadline) {
    const alive = fs.readdirSync('/proc').some((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return fs.readlinkSync(`/proc/${pid}/cwd`) === real;
      } catch {
        return false;
      }
    });
    if (!alive) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Creates the cluster when `<dir>/data` has none, then starts the server and waits until it accepts connections. */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  const dataDir = path.join(options.dir, 'data');
  const socketDir = path.join(options.dir, 'socket');
  fs.mkdirSync(socketDir, { recursive: true });
  chownForServer(options.dir);
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const initArgs = [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-locale',
      ...(options.unsafeFast === true ? ['--no-sync'] : []),
    ];
    const r = spawnSync(path.join(bin, 'initdb'), initArgs, { encoding: 'utf8', ...serverUser() });
    if (r.status !== 0) throw new Error(`initdb failed (${String(r.status)}): ${r.stderr || r.stdout}`);
  }
  const settings = [
    '-p',
    String(options.port),
    '-k',
    socketDir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=200',
    ...(options.unsafeFast === true
      ? ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off']
      : []),
  ];
  const child = spawn(path.join(bin, 'postgres'), ['-D', dataDir, ...settings], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...serverUser(),
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`PostgreSQL did not start within ${String(options.startTimeoutMs ?? 30_000)} ms: ${log}`)),
      options.startTimeoutMs ?? 30_000,
    );
    child.stderr.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
      if (log.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited with ${String(code)} before it was ready: ${log}`));
    });
  });
  const server: LocalPostgres = {
    url: `postgres://postgres@127.0.0.1:${String(options.port)}/postgres`,
    port: options.port,
    dataDir,
    process: child,
    async stop() {
      // Fast shutdown: open transactions roll back, committed data stays.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      // The server's backends outlive it for a moment and hold its shared memory: a restart waits for them.
      await backendsGone(dataDir);
    },
  };
  try {
    await ready;
  } catch (err) {
    await server.kill().catch(() => undefined);
    throw err;
  }
  return server;
}
