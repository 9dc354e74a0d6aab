// Review, session 68: the hub put its SIGINT/SIGTERM listeners in place only after its start had finished (after
// "hub started"). A stop asked while it started (a service manager stopping it during a slow first start, an
// installer's Ctrl-C on a start that seemed to hang, a test's SIGTERM right after "hub started") found Node's default
// and ended the hub half started: exit by signal, no "hub stopped", the database not closed. Now the listeners are in
// place first; a stop asked while starting waits for the start, then stops as any stop does (exit code 0).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, cliPath, tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('stop-while-starting');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The `msg` of each JSON log line of the hub's stdout so far. */
function messages(out: string): string[] {
  return out
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => (JSON.parse(line) as { msg?: string }).msg ?? '');
}

describe('a stop asked while the hub starts', () => {
  it.skipIf(process.platform === 'win32')(
    'SIGTERM before "hub started": the start finishes, then the hub stops, exit code 0, "hub stopped"',
    async () => {
      // No configuration file where the hub looks (its working folder): it warns so before its start (the first line
      // it logs, about half a second before "hub started"), then starts on no home.
      const env: Record<string, string | undefined> = { ...process.env };
      delete env.HUB_CONFIG;
      const child = spawn(process.execPath, [cliPath, 'hub'], {
        cwd: dir,
        env: {
          ...env,
          HUB_DATA_DIR: path.join(dir, 'data'),
          HUB_MQTT_PORT: '0',
          HUB_HTTP_PORT: '0',
          HUB_HOST: '127.0.0.1',
          HUB_LOG_LEVEL: 'info',
          HUB_LOG_FORMAT: 'json',
          HUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let signalled = false;
      let startedWhenSignalled = true;
      child.stderr.on('data', () => undefined);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const said = messages(out);
        if (!signalled && said.some((msg) => msg.startsWith('no configuration file'))) {
          signalled = true;
          startedWhenSignalled = said.includes('hub started');
          child.kill('SIGTERM');
        }
      });
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('close', (code, signal) => resolve({ code, signal })),
      );
      expect(signalled).toBe(true);
      // The signal went in before the start had finished: the window this test is about.
      expect(startedWhenSignalled).toBe(false);
      expect(exit, out).toEqual({ code: 0, signal: null });
      const said = messages(out);
      expect(said).toContain('stop requested while starting: the hub stops once started');
      expect(said.indexOf('hub started')).toBeGreaterThan(-1);
      expect(said.indexOf('hub stopped')).toBeGreaterThan(said.indexOf('hub started'));
    },
    60_000,
  );
});
