// Rule parameters have upper bounds as well as lower ones (session 30): a typo that would turn a safety rule quietly
// off (deadDeviceEndShare 2, an inactivity floor of 10,000 h) stops the start with a message naming the field.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadHubConfig } from '../../hub/config.js';
import { DEFAULT_RULE_PARAMS, RULE_PARAM_BOUNDS, type ParamBound } from '../../rules/params.js';
import { cliPath, ONE_HOME_CONFIG, tempDir, writeConfig } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('param-bounds');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** ONE_HOME_CONFIG with its home's `rules` set to these overrides. */
function withRules(rules: unknown): unknown {
  return { ...ONE_HOME_CONFIG, homes: ONE_HOME_CONFIG.homes.map((h) => ({ ...h, rules })) };
}

/** The problems the real loader finds in a configuration written to a file (none: it loads). */
function problemsLoading(config: unknown): string[] {
  try {
    loadHubConfig(writeConfig(dir, config), { required: true });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('rule parameter bounds', () => {
  it('every default lies within its bound, and a home that writes out every default loads', () => {
    const bounds = RULE_PARAM_BOUNDS as unknown as Record<string, ParamBound | Record<string, ParamBound>>;
    let checked = 0;
    for (const [group, values] of Object.entries(DEFAULT_RULE_PARAMS)) {
      const entries: [string, unknown, ParamBound | undefined][] =
        typeof values === 'number'
          ? [[group, values, bounds[group] as ParamBound]]
          : Object.entries(values as Record<string, unknown>).map(([key, value]) => [
              `${group}.${key}`,
              value,
              (bounds[group] as Record<string, ParamBound>)[key],
            ]);
      for (const [name, value, bound] of entries) {
        if (typeof value !== 'number') continue;
        expect(bound, name).toBeDefined();
        expect(value, name).toBeGreaterThanOrEqual(bound![0]);
        expect(value, name).toBeLessThanOrEqual(bound![1]);
        checked++;
      }
    }
    expect(checked).toBe(58);
    expect(problemsLoading(withRules(DEFAULT_RULE_PARAMS))).toEqual([]);
  });

  it('refuses out-of-range values that would silently turn a rule off, naming each field', () => {
    const problems = problemsLoading(
      withRules({
        presence: { deadDeviceEndShare: 2, deadDeviceDays: 61 },
        inactivity: { floorMinutes: 600_000 },
        possibleFall: { afterActivityPercent: 101 },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^homes\[0\]\.rules\.presence\.deadDeviceEndShare: must be <= 1 \(0 to 1: a share;/),
        expect.stringMatching(/^homes\[0\]\.rules\.presence\.deadDeviceDays: must be <= 60 \(0 to 60: living days;/),
        'homes[0].rules.inactivity.floorMinutes: 600000 minutes is over a day: the rule would wait that long before an alert (at most 1440)',
        expect.stringMatching(/^homes\[0\]\.rules\.possibleFall\.afterActivityPercent: must be <= 100 \(/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('keeps 0 = off and takes the bounds themselves', () => {
    expect(
      problemsLoading(
        withRules({
          presence: { deadDeviceDays: 0, deadDeviceEndShare: 0, outingBoundMaxHours: 0 },
          possibleFall: { afterActivityPercent: 0, upMinSilences: 0, ownNightMornings: 0 },
        }),
      ),
    ).toEqual([]);
    expect(
      problemsLoading(
        withRules({
          presence: { deadDeviceDays: 60, deadDeviceEndShare: 1 },
          inactivity: { floorMinutes: 1440, capMinutes: 1440 },
          possibleFall: { floorMinutes: 1440, coldStartDayMinutes: 1440, coldStartNightMinutes: 1440 },
        }),
      ),
    ).toEqual([]);
    expect(problemsLoading(withRules({ climate: { heatAboveC: 19 } }))).toEqual([
      expect.stringMatching(/^homes\[0\]\.rules\.climate\.heatAboveC: must be >= 20 \(20 to 50: °C;/),
    ]);
  });

  it('`telecare hub` with deadDeviceEndShare 2 exits at start naming the field', () => {
    const result = spawnSync(process.execPath, [cliPath, 'hub'], {
      env: {
        PATH: process.env.PATH,
        HUB_DATA_DIR: path.join(dir, 'data'),
        HUB_CONFIG: writeConfig(dir, withRules({ presence: { deadDeviceEndShare: 2 } })),
        HUB_MQTT_PORT: '0',
        HUB_HTTP_PORT: '0',
        HUB_HOST: '127.0.0.1',
        HUB_ADMIN_PASSWORD: 'a long enough admin password',
      },
      encoding: 'utf8',
      // A refused configuration exits at once; one taken silently would run on: killed here so the test fails.
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('homes[0].rules.presence.deadDeviceEndShare: must be <= 1 (0 to 1: a share');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
