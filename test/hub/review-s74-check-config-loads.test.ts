// Session 74 (the suite's time): `telecare hub --check-config` loaded the whole hub (its broker, store, dashboard and
// their packages: Fastify, aedes, better-sqlite3) only to read a file and say whether it is valid, about 0.4 s of a
// core more per run (an installer's check, and each of the suite's many runs of it). `hub/main.ts` now loads the hub
// only to start it. What a run loads is read from Node's own module log (NODE_DEBUG=module, the CommonJS packages), as
// test/hub/lazy-loading.test.ts does for a started hub; the check's verdict and advice are unchanged.
// And `telecare --version` loaded every command's module (and their packages) to print one line, about 1.5 s of a
// core; now none.
import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ONE_HOME_CONFIG, runCli, tempDir, writeConfig } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('review-s74-check-config-loads');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Whether Node's module log (`NODE_DEBUG=module` on stderr) shows a file of package `name` loaded. */
function loadedPackage(stderr: string, name: string): boolean {
  return stderr.split('\n').some((line) => line.startsWith('MODULE') && line.includes(`node_modules/${name}/`));
}

it('checks a configuration without loading the hub it does not start', () => {
  const run = runCli(['hub', '--check-config', '--config', writeConfig(dir, ONE_HOME_CONFIG)], {
    env: { NODE_DEBUG: 'module' },
  });
  expect(run.status, run.stderr.slice(-2000)).toBe(0);
  expect(run.stdout).toMatch(/: valid \(1 home\)\n/);
  // The log is there (the option parser is a CommonJS package the check uses)…
  expect(loadedPackage(run.stderr, 'commander')).toBe(true);
  // …and holds none of the hub's own: before, all three.
  for (const name of ['fastify', 'aedes-persistence', 'better-sqlite3'])
    expect(loadedPackage(run.stderr, name), name).toBe(false);
});

it('still refuses a bad configuration with the field named and exit code 1', () => {
  const file = writeConfig(dir, { homes: [{ ...ONE_HOME_CONFIG.homes[0], timezone: 'Europe/Londn' }] });
  const run = runCli(['hub', '--check-config', '--config', file]);
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/^telecare hub: invalid configuration /);
  expect(run.stderr).toContain("homes[0].timezone: unknown time zone 'Europe/Londn' (did you mean 'Europe/London'?)");
});

it('says its version without loading every command (the hub, the bridge, the bench) first', () => {
  for (const flag of ['--version', '-V']) {
    const run = runCli([flag], { env: { NODE_DEBUG: 'module' } });
    expect(run.status, flag).toBe(0);
    expect(run.stdout, flag).toMatch(/^telecare-hub \d+\.\d+\.\d+\n$/);
    expect(loadedPackage(run.stderr, 'commander'), flag).toBe(true);
    // Before: every command's module and packages, to print one line.
    for (const name of ['fastify', 'better-sqlite3', 'mqtt', 'serialport', 'pg'])
      expect(loadedPackage(run.stderr, name), `${flag}: ${name}`).toBe(false);
  }
});
