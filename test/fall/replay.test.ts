// `telecare replay` of a wearable that falls silent 3 s after a fall: the fall alert is in the output.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { tempDir } from '../hub/helpers.js';
import { jsonLines, runReplay, writeOneHomeConfig } from '../support/replay-cli.js';
import { fallSegments, first, render, toMessages } from './signals.js';

const START = Date.UTC(2026, 0, 5, 9);
const { impactG, stillSeconds, recoverSeconds } = DEFAULT_RULE_PARAMS.fall;
let dir: string;

beforeAll(() => {
  dir = tempDir('fall-replay');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('telecare replay of a wearable fall', () => {
  it('reports a fall whose samples end 3 s after the impact, with a drain of only 1 + stillSeconds + recoverSeconds s after the impact', () => {
    const samples = render(fallSegments(2.9), 100);
    const impactAt = START + 10 * samples.findIndex((s) => Math.hypot(...s) >= impactG);
    const messages = toMessages(samples, 100, START);
    const lines = messages.map((m) =>
      JSON.stringify({ ts: m.ts, homeId: 'h1', deviceId: 'w1', type: 'accel', value: m.value }),
    );
    const input = path.join(dir, 'events.ndjson');
    fs.writeFileSync(input, `${lines.join('\n')}\n`);
    const config = path.join(dir, 'home.json');
    writeOneHomeConfig(config, [{ id: 'w1', kind: 'wearable', residentId: 'r1' }]);
    const lastTs = messages.at(-1)?.ts ?? NaN;
    const drainHours = (impactAt + (1 + stillSeconds + recoverSeconds) * 1000 - lastTs) / 3_600_000;
    const r = runReplay(['--input', input, '--config', config, '--drain', String(drainHours)]);
    expect(r.status).toBe(0);
    const alerts = jsonLines(r.stdout);
    const falls = alerts.filter((a) => a.kind === 'fall');
    expect(falls).toHaveLength(1);
    // The impact is where its cell starts: the peak's, or the rise's after a fast descent (within 60 ms).
    const detail = first(falls).detail as { impactAt: number };
    expect(Math.abs(detail.impactAt - impactAt)).toBeLessThanOrEqual(60);
    expect(first(falls)).toMatchObject({
      homeId: 'h1',
      residentId: 'r1',
      severity: 'critical',
      raisedAt: new Date(detail.impactAt).toISOString(),
    });
    expect(detail).toMatchObject({ source: 'wearable', recovered: false, sampleRateHz: 100 });
  });
});
