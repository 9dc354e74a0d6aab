// Review, session 35: `sensorOffline.silentHours` took 0, which armed each device's silence timer at its own report: the
// next report fired it (`sensor-offline` raised) and then cleared it, so every report of every device became a new
// low alert to the responders. The allowance now starts at 1 h; 0 is refused at start and on reload, naming the field.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadHubConfig } from '../../hub/config.js';
import { RulesEngine } from '../../rules/engine.js';
import { ev, home, MONDAY } from '../rules/factories.js';
import { ONE_HOME_CONFIG, tempDir, writeConfig } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('offline-allowance');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function problemsLoading(silentHours: number): string[] {
  const config = {
    ...ONE_HOME_CONFIG,
    homes: ONE_HOME_CONFIG.homes.map((h) => ({ ...h, rules: { sensorOffline: { silentHours } } })),
  };
  try {
    loadHubConfig(writeConfig(dir, config), { required: true });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('the sensor-offline allowance', () => {
  it('refuses 0 hours, naming the field; takes 1 and 168', () => {
    expect(problemsLoading(0)).toEqual([
      expect.stringMatching(/^homes\[0\]\.rules\.sensorOffline\.silentHours: must be >= 1 \(1 to 168: hours/),
    ]);
    expect(problemsLoading(1)).toEqual([]);
    expect(problemsLoading(168)).toEqual([]);
  });

  it('at its least, a PIR reporting every few minutes raises nothing', () => {
    const config = home({}, { sensorOffline: { silentHours: 1 } });
    const engine = new RulesEngine([config]);
    const kinds: string[] = [];
    for (let i = 1; i <= 30; i++) {
      const decisions = engine.handle(ev(MONDAY + i * 5 * 60_000, 'hall-pir', 'motion', i % 2 === 0, config));
      for (const d of decisions) if (d.type === 'raise') kinds.push(d.kind);
    }
    expect(kinds.filter((k) => k === 'sensor-offline')).toEqual([]);
  });
});
