// An MQTT user's name is recorded as who acknowledged an alert over MQTT (`acknowledgedBy`: shown on the consoles and
// sent to the centre): the configuration check refuses an invisible or control character in it, as in ids.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadHubConfig } from '../../hub/config.js';
import { hashPassword } from '../../hub/passwords.js';
import { cliPath, tempDir } from './helpers.js';

let hash = '';

function config(usernames: string[]): unknown {
  return {
    homes: [{ id: 'h1', residents: [{ id: 'r1' }], devices: [{ id: 'p1', kind: 'pendant', room: 'living' }] }],
    mqttUsers: usernames.map((username) => ({ username, passwordHash: hash, role: 'responder' })),
  };
}

describe('mqttUsers[].username', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    hash = await hashPassword('a responder password');
  });
  beforeEach(() => {
    dir = tempDir('review-s37-username');
    file = path.join(dir, 'telecare.config.json');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function problemsOf(usernames: string[]): string[] {
    fs.writeFileSync(file, JSON.stringify(config(usernames)));
    try {
      loadHubConfig(file);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  }

  it('with a control or invisible character is refused by the loader, naming the field', () => {
    // A NUL (PostgreSQL's jsonb refuses it), a line feed (a forged log line), a right-to-left override (a name shown
    // reversed), a zero-width space (two users that look alike).
    expect(problemsOf(['nurse\u0000', 'nurse\nadmin', 'nurse\u202e', 'nu\u200brse'])).toEqual(
      [0, 1, 2, 3].map((i) =>
        expect.stringMatching(
          new RegExp(
            `^mqttUsers\\[${String(i)}\\]\\.username: contains an invisible or control character \\(Unicode category C\\)`,
          ),
        ),
      ),
    );
  });

  it('of letters, digits, dots, dashes and @ (and other scripts) is still taken', () => {
    expect(problemsOf(['carer.one-2@example.org', 'Zoë_Ødegård', 'nurse 3'])).toEqual([]);
  });

  it('with a control character is refused by `telecare hub --check-config` (exit 1, the field named)', () => {
    fs.writeFileSync(file, JSON.stringify(config(['carer@example.org', 'night\u0007nurse'])));
    const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', file], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/mqttUsers\[1\]\.username: contains an invisible or control character/);
    // The name itself is not echoed (a control character written to a terminal).
    expect(run.stderr).not.toContain('\u0007');
  });
});
