// Configuration: validated by the shipped schema, defaults filled, errors that name the field, lookups for ingest.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, DeviceIndex, loadHubConfig, parseHubConfig } from '../../hub/config.js';
import { hubConfigSchema } from '../../hub/config-schema.js';
import { projectRoot, tempDir } from './helpers.js';

function problemsOf(raw: unknown): string[] {
  try {
    parseHubConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('hub configuration', () => {
  it('an absent file is a valid hub with no homes, so npm start works on a fresh clone', () => {
    dir = tempDir('config');
    const config = loadHubConfig(path.join(dir, 'telecare.config.json'));
    expect(config.homes).toEqual([]);
    expect(config.hub).toEqual({ name: 'telecare-hub', zigbeeBaseTopic: 'zigbee2mqtt' });
  });

  it('an explicitly named file that is missing stops the start', () => {
    dir = tempDir('config');
    expect(() => loadHubConfig(path.join(dir!, 'nope.json'), { required: true })).toThrow(/cannot read the file/);
  });

  it('fills every home default and freezes the result', () => {
    const config = parseHubConfig({ homes: [{ id: 'h1', devices: [{ id: 'p1', kind: 'pendant' }] }] });
    expect(config.homes[0]).toEqual({
      id: 'h1',
      timezone: 'UTC',
      nightWindow: { start: '23:00', end: '06:00' },
      away: false,
      residents: [],
      devices: [{ id: 'p1', kind: 'pendant' }],
      rules: {},
    });
    expect(config).toMatchObject({ responders: [], escalation: {}, mqttUsers: [] });
    expect(config.homes[0]?.devices[0]).toBeDefined();
    expect(Object.isFrozen(config.homes[0]?.devices[0])).toBe(true);
  });

  it('names the field and the reason for every mistake at once', () => {
    const problems = problemsOf({
      homes: [
        {
          id: 'h1',
          nightWindow: { start: '25:00', end: '06:00' },
          devices: [
            { id: 'a', kind: 'motion' },
            { id: 'b', kind: 'door' },
            { id: 'c', kind: 'lamp' },
          ],
          rules: { inactivity: { floorMinutes: 'two hours' } },
        },
      ],
      colour: 'blue',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^homes\[0\]\.devices\[2\]\.kind: must be one of motion, door, exit-door, bed/),
        expect.stringMatching(/^homes\[0\]\.nightWindow\.start: must be a time HH:MM/),
        'homes[0].rules.inactivity.floorMinutes: must be a number, not the text "two hours"',
        'colour: unknown field',
      ]),
    );
  });

  it('rejects what a schema cannot see: duplicate ids, unknown time zones, shared Zigbee names', () => {
    const problems = problemsOf({
      homes: [
        {
          id: 'h1',
          timezone: 'Mars/Olympus',
          devices: [
            { id: 'a', kind: 'motion', zigbee: 'pir' },
            { id: 'a', kind: 'door' },
          ],
        },
        { id: 'h1', devices: [{ id: 'x', kind: 'motion', zigbee: 'pir' }] },
      ],
    });
    expect(problems).toEqual([
      "homes[0].timezone: unknown time zone 'Mars/Olympus'",
      "homes[0].devices[1].id: duplicate device id 'a' in home 'h1'",
      "homes[1].id: duplicate home id 'h1'",
      "homes[1].devices[0].zigbee: friendly name 'pir' is already used by homes[0].devices[0]",
    ]);
  });

  it('names an unknown time zone beside the schema mistakes of the same file, not in a second round', () => {
    const problems = problemsOf({
      homes: [
        { id: 'h1', timezone: 'Europe/Lndon', devices: [{ id: 'a', kind: 'pir' }] },
        { id: 'h2', timezone: 'Europe/London', devices: [{ id: 'b', kind: 'motion', room: 5 }] },
        { id: 'h3', timezone: 7 },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^homes\[0\]\.devices\[0\]\.kind: must be one of motion, door/),
        'homes[1].devices[0].room: must be a string, not 5: write "5" in quotes',
        "homes[0].timezone: unknown time zone 'Europe/Lndon' (did you mean 'Europe/London'?)",
      ]),
    );
    // A zone that is not a string is the schema's to report; a known one is not reported.
    expect(problems.filter((p) => p.includes('unknown time zone'))).toEqual([
      "homes[0].timezone: unknown time zone 'Europe/Lndon' (did you mean 'Europe/London'?)",
    ]);
  });

  it('scopes MQTT users to homes that exist ("*" for all)', () => {
    // A well-formed hash (its password is never checked here).
    const passwordHash = `scrypt$8192$8$10$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;
    const user = { username: 'b1', passwordHash, role: 'bridge' };
    expect(
      parseHubConfig({ homes: [{ id: 'h1' }], mqttUsers: [{ ...user, homes: ['h1'] }] }).mqttUsers[0]?.homes,
    ).toEqual(['h1']);
    expect(
      parseHubConfig({ homes: [{ id: 'h1' }], mqttUsers: [{ ...user, homes: ['*'] }] }).mqttUsers[0]?.homes,
    ).toEqual(['*']);
    expect(() => parseHubConfig({ homes: [{ id: 'h1' }], mqttUsers: [{ ...user, homes: ['h2'] }] })).toThrow(
      /mqttUsers\[0\]\.homes\[0\]: no home 'h2'/,
    );
  });

  it('says a clear-text passwordHash is not a hash and how to make one, without echoing the password', () => {
    const secret = 'Corr3ct-horse-battery';
    const problems = problemsOf({
      homes: [{ id: 'h1' }],
      mqttUsers: [{ username: 'b1', passwordHash: secret, role: 'bridge', homes: ['h1'] }],
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^mqttUsers\[0\]\.passwordHash: must be a scrypt hash .*not the password itself/);
    expect(problems[0]).toContain('npx telecare hub --hash-password');
    expect(problems[0]).not.toMatch(/must not contain/);
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('refuses ids that would break MQTT topics', () => {
    expect(problemsOf({ homes: [{ id: 'a/b' }] })[0]).toMatch(/^homes\[0\]\.id: must not contain/);
    expect(problemsOf({ homes: [{ id: 'hub' }] })).toEqual(['homes[0].id: this value is reserved']);
  });

  it('refuses a Zigbee2MQTT friendly name whose topic the hub never takes as sensor data (a deaf device)', () => {
    const named = (zigbee: string) =>
      problemsOf({ homes: [{ id: 'h1', devices: [{ id: 'd', zigbee, kind: 'smoke' }] }] });
    for (const zigbee of [
      'bridge',
      'bridge/kitchen',
      'kitchen/set',
      'kitchen/get',
      'kitchen/set/x',
      'smoke/availability',
    ])
      expect(named(zigbee), zigbee).toEqual(['homes[0].devices[0].zigbee: this value is reserved']);
    expect(named('k'.repeat(257))[0]).toMatch(/^homes\[0\]\.devices\[0\]\.zigbee: must NOT have more than 256/);
    expect(named('kitchen/settings')).toEqual([]);
  });

  it('indexes devices by native id and by Zigbee2MQTT friendly name (which may contain /)', () => {
    const config = parseHubConfig({
      homes: [{ id: 'h1', devices: [{ id: 'kitchen-pir', zigbee: 'kitchen/pir', kind: 'motion', room: 'kitchen' }] }],
    });
    const index = new DeviceIndex(config);
    expect(index.device('h1', 'kitchen-pir')?.device.room).toBe('kitchen');
    expect(index.zigbee('kitchen/pir')?.home.id).toBe('h1');
    expect(index.device('h2', 'kitchen-pir')).toBeUndefined();
  });

  it('ships docs/telecare.config.schema.json generated from the code (npm run schema:config)', () => {
    const shipped = JSON.parse(
      fs.readFileSync(path.join(projectRoot, 'docs/telecare.config.schema.json'), 'utf8'),
    ) as unknown;
    expect(shipped).toEqual(JSON.parse(JSON.stringify(hubConfigSchema)));
  });
});
