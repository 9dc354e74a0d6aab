// `telecare hub --help` and the README's "First start" table disagreed (review, session 65): the help named no way to
// turn on MQTT over TLS, nor the retention and chattering-sensor settings, so an installer reading only the help on
// the Pi did not know they existed. Every variable of the table is now in the help; this keeps the two together.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { cliPath, projectRoot } from './helpers.js';

/** The HUB_* variables the README's "First start" section names, up to its next section. */
function firstStartVariables(): string[] {
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## First start');
  const end = readme.indexOf('\n## ', start + 1);
  return [...new Set(readme.slice(start, end).match(/\bHUB_[A-Z_]+\b/g) ?? [])];
}

it('names in telecare hub --help every variable the README sets the first start with', () => {
  const variables = firstStartVariables();
  expect(variables).toEqual(expect.arrayContaining(['HUB_MQTT_PORT', 'HUB_MQTT_TLS_CERT', 'HUB_RETENTION_DAYS']));
  const help = spawnSync(process.execPath, [cliPath, 'hub', '--help'], { encoding: 'utf8', timeout: 30_000 });
  expect(help.status).toBe(0);
  expect(variables.filter((name) => !new RegExp(`\\b${name}\\b`).test(help.stdout))).toEqual([]);
});

it('says its version with telecare --version (an installer asked which hub a flat runs)', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  for (const flag of ['--version', '-V']) {
    const run = spawnSync(process.execPath, [cliPath, flag], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(`telecare-hub ${version}`);
  }
});
