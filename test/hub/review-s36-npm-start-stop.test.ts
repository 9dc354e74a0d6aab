// Review, session 36: `npm start` runs the hub as `sh -c '<script>'`, and Debian's sh (dash) does not replace itself
// with node. A SIGTERM to npm (a supervisor that signals the process it started, as `docker stop` does to an image
// whose command is `npm start`, or systemd with KillMode=mixed) reached npm and the shell, not the hub: npm and the
// shell exited, the hub ran on as an orphan, holding the broker's and the dashboard's ports and the database, so the
// next start failed on them. The script now `exec`s node, so the signal npm passes on reaches the hub and it stops
// as it does on its own SIGTERM ("hub stopped"). (Ctrl-C in a terminal signals the whole process group: that worked.)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, projectRoot, tempDir, writeConfig } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('npm-start-stop');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The hub's pid, from its first JSON log line, once it says it started. */
function hubPid(out: string): number | undefined {
  if (!out.includes('"msg":"hub started"')) return undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('{') && line.endsWith('}')) return (JSON.parse(line) as { pid: number }).pid;
  }
  return undefined;
}

describe('npm start', () => {
  it.skipIf(process.platform === 'win32')(
    'stops the hub when npm is sent SIGTERM (no hub left running)',
    async () => {
      const npm = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['start', '--silent'], {
        cwd: projectRoot,
        env: {
          ...process.env,
          HUB_CONFIG: writeConfig(dir),
          HUB_DATA_DIR: path.join(dir, 'data'),
          HUB_MQTT_PORT: '0',
          HUB_HTTP_PORT: '0',
          HUB_HOST: '127.0.0.1',
          HUB_LOG_LEVEL: 'info',
          HUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
          npm_config_update_notifier: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      npm.stderr.on('data', () => undefined);
      // The pipe closes when every process holding it has exited: npm, the shell and the hub.
      const closed = new Promise<void>((resolve) => npm.stdout.once('close', () => resolve()));
      let pid: number | undefined;
      try {
        pid = await new Promise<number>((resolve, reject) => {
          npm.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const found = hubPid(out);
            if (found !== undefined) resolve(found);
          });
          npm.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
        });
        expect(pid).not.toBe(npm.pid);
        npm.kill('SIGTERM');
        // Not a timing: on `main` the hub never exits (the pipe never closes); the bound only ends the test.
        const outcome = await Promise.race([
          closed.then(() => 'closed' as const),
          new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 60_000).unref()),
        ]);
        expect(outcome).toBe('closed');
        expect(out).toContain('"msg":"hub stopped"');
      } finally {
        npm.kill('SIGKILL');
        // The orphan of a failed run, killed by its own pid.
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
      }
    },
    120_000,
  );
});
