// `telecare replay` sees what a live hub would: ingest's checks drop bad lines (named on stderr), drained alerts are marked.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ingest } from '../../hub/ingest.js';
import { DeviceIndex, parseHubConfig } from '../../hub/config.js';
import { FakeClock } from '../../hub/clock.js';
import { silentLogger } from '../../hub/logger.js';
import { Registry } from 'prom-client';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(projectRoot, 'dist/bin/telecare.js');
let dir: string;

const HOME = {
  id: 'h1',
  timezone: 'Europe/London',
  residents: [{ id: 'r1' }],
  devices: [
    { id: 'p1', kind: 'pendant', room: 'living' },
    { id: 'living-pir', kind: 'motion', room: 'living' },
    { id: 'bath-pir', kind: 'motion', room: 'bathroom' },
  ],
};

function replay(lines: unknown[], drainHours: number): { status: number | null; stdout: string; stderr: string } {
  const input = path.join(dir, 'events.ndjson');
  fs.writeFileSync(input, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ homes: [HOME] }));
  const r = spawnSync(
    process.execPath,
    [cli, 'replay', '--input', input, '--config', config, '--drain', String(drainHours)],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const alertsOf = (stdout: string): Record<string, unknown>[] =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-replay-checks-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const t0 = Date.UTC(2026, 0, 5, 9);
const at = (minutes: number): string => new Date(t0 + minutes * 60_000).toISOString();

describe('telecare replay applies the checks of a live hub', () => {
  it('drops each line the hub would refuse (range, kind, ids), counts them by reason and names the first ones', () => {
    const lines = [
      { ts: at(0), homeId: 'h1', deviceId: 'living-pir', type: 'motion', value: true },
      // A PIR's "smoke" is a fault or a forgery: a live hub refuses it, so no smoke alert may come of it.
      { ts: at(1), homeId: 'h1', deviceId: 'living-pir', type: 'smoke', value: true },
      { ts: at(2), homeId: 'h1', deviceId: 'p1', type: 'battery', value: 250 },
      { ts: at(3), homeId: 'h1', deviceId: 'bath-pir', type: 'temperature', value: 1e308 },
      { ts: at(4), homeId: 'h1', deviceId: 'bad\u0007id', type: 'pendant', value: true },
      // A date without a time of day: not placed at midnight UTC, refused.
      { ts: '2026-01-05', homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true },
      { ts: at(5), homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true },
    ];
    // The hub's own ingest refuses exactly lines 2 to 6, for these reasons.
    const config = parseHubConfig({ homes: [HOME] });
    const ingest = new Ingest({
      config,
      index: new DeviceIndex(config),
      clock: new FakeClock(t0 + 3_600_000),
      logger: silentLogger,
      metrics: new Registry(),
    });
    const live = lines.map((l) => ingest.fromHttp(l).rejections[0]?.reason ?? 'accepted');
    expect(live).toEqual(['accepted', 'kind-mismatch', 'out-of-range', 'out-of-range', 'bad-id', 'bad-ts', 'accepted']);

    const r = replay(lines, 0);
    expect(r.status).toBe(0);
    expect(alertsOf(r.stdout).map((a) => a.kind)).toEqual(['pendant']);
    expect(r.stderr).toMatch(/2 events \(5 dropped\)/);
    expect(r.stderr).toMatch(
      /dropped, as a live hub would refuse them: kind-mismatch 1, out-of-range 2, bad-id 1, bad-ts 1/,
    );
    expect(r.stderr).toContain("replay: dropped line 2: kind-mismatch: a 'motion' device cannot report 'smoke'");
    expect(r.stderr).toMatch(/replay: dropped line 3: out-of-range: /);
    expect(r.stderr).toMatch(/replay: dropped line 4: out-of-range: /);
    expect(r.stderr).toMatch(/replay: dropped line 5: bad-id: /);
    expect(r.stderr).toMatch(/replay: dropped line 6: bad-ts: ts must be an ISO-8601 date and time of day/);
  });

  it('alerts raised during the drain after the last event are marked "drained": true and counted apart', () => {
    const lines = [
      { ts: at(0), homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true },
      { ts: at(1), homeId: 'h1', deviceId: 'living-pir', type: 'motion', value: true },
    ];
    const drained = replay(lines, 6);
    expect(drained.status).toBe(0);
    const alerts = alertsOf(drained.stdout);
    // The living room's silence after the last event is only the drain's: a live hub would wait for it too. (Called
    // inactivity: possible-fall is due at the same instant, and arms only when sooner; session 71.)
    expect(alerts.map((a) => [a.kind, a.drained])).toEqual([
      ['pendant', undefined],
      ['inactivity', true],
    ]);
    // SPEC 5's fields are all there and unchanged.
    expect(alerts[1]).toMatchObject({ state: 'raised', version: 1, escalationLevel: 0, homeId: 'h1' });
    expect(drained.stderr).toMatch(/replay: 2 alert\(s\)/);
    expect(drained.stderr).toMatch(/replay: 1 of them raised during the 6 h drain after the last event/);

    const noDrain = replay(lines, 0);
    expect(alertsOf(noDrain.stdout).map((a) => a.kind)).toEqual(['pendant']);
    expect(noDrain.stderr).not.toMatch(/drain after the last event/);
  });
});
