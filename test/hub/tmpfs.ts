// A small tmpfs in a user + mount namespace of its own, for hubs started on a full disk (full-disk tests).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot, spawnHub, tempDir, type HubProcess } from './helpers.js';

/** Why these tests cannot run here (no unshare, or user namespaces not allowed), or undefined when they can. */
export function namespacesRefused(): string | undefined {
  const probe = tempDir('ns-probe');
  try {
    const run = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0"', probe], {
      encoding: 'utf8',
    });
    if (run.error) return `unshare (util-linux) cannot run: ${run.error.message}`;
    if (run.status !== 0) return `user + mount namespaces are not allowed here: ${run.stderr.trim()}`;
    if (spawnSync('nsenter', ['--version']).error) return 'nsenter (util-linux) is missing';
    return undefined;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

/**
 * A process that holds a namespace with a small tmpfs mounted on `mountDir`; the hub runs inside it, the test sees
 * the tmpfs through /proc/<pid>/root. The tmpfs goes with the namespace when this process and the hub are gone.
 */
export class TmpfsHolder {
  private constructor(
    readonly child: ChildProcess,
    readonly mountDir: string,
  ) {}

  static async start(mountDir: string, sizeKiB: number): Promise<TmpfsHolder> {
    const child = spawn(
      'unshare',
      [
        '-rm',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount -t tmpfs -o size=${sizeKiB}k tmpfs "$0" && echo mounted && exec sleep infinity`,
        mountDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('mounted')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`tmpfs holder exited with ${code}: ${err}`)));
    });
    return new TmpfsHolder(child, mountDir);
  }

  /** The tmpfs as the test (outside the namespace) reaches it. */
  get outside(): string {
    return `/proc/${this.child.pid}/root${this.mountDir}`;
  }

  /** Runs a program inside the namespace, as the same user, in the project folder (nsenter execs it: same pid). */
  get launcher(): { program: string; args: string[] } {
    return {
      program: 'nsenter',
      args: ['-t', String(this.child.pid), '-U', '-m', '--preserve-credentials', `--wd=${projectRoot}`],
    };
  }

  /** The hub in the namespace, its data on the tmpfs, with the configuration `configFile` (60 s to start). */
  spawnHub(configFile: string, env: Record<string, string> = {}): Promise<HubProcess> {
    return spawnHub(
      { HUB_DATA_DIR: path.join(this.mountDir, 'data'), HUB_CONFIG: configFile, ...env },
      60_000,
      this.launcher,
    );
  }

  /** Fill the tmpfs with a file until the kernel says ENOSPC. */
  fill(): void {
    const fd = fs.openSync(path.join(this.outside, 'filler'), 'w');
    const chunk = Buffer.alloc(4096);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      fs.closeSync(fd);
    }
  }

  free(): void {
    fs.rmSync(path.join(this.outside, 'filler'));
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    return exited;
  }
}
