// Session 68 review: a home whose sensors name no rooms (CASAS Aruba or Milan layout: `M003 ON`, no location column),
// replayed by `telecare replay --format casas` in a process of its own. Before, possible-fall could not place the
// resident anywhere without a room, and a collapse in the kitchen by day waited for inactivity's long threshold; now
// each PIR is its own place, whose silences are learned as a room's are, and the home's own record says it is one
// nobody rests in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayAlert } from '../replay/replay.js';
import { jsonLines, runReplay } from './support/replay-cli.js';

const INACTIVITY_FAMILY = new Set([
  'possible-fall',
  'inactivity',
  'no-morning-activity',
  'bathroom-too-long',
  'out-of-bed-too-long',
]);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-s68-rooms-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const FIRST_DAY = Date.UTC(2010, 10, 1);

/**
 * `days` days of a home in Aruba's layout (codes only, UTC): up at 07:00 (M001, the bedroom's PIR), the bathroom's M002,
 * the kitchen's M003 every 10 min until 09:20; out through D001 from 09:30 to 12:30; the kitchen again; from 13:30 two
 * hours and a quarter seated in the living room (M005 at 13:30, then at 15:45); kitchen and living room by turns every
 * 20 min until 21:40; to bed at 22:00 (M001), turning over at 02:30 (M001 again), nothing else until the morning. On the last day no outing: the kitchen every
 * 10 min until `lastAt`, then nothing (the collapse).
 */
function roomlessHome(days: number, lastAt: number): string {
  const lines: string[] = [];
  const at = (ms: number, sensor: string, state: string): void => {
    lines.push(`${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}123 ${sensor} ${state}`);
  };
  const pir = (ms: number, sensor: string): void => {
    at(ms, sensor, 'ON');
    at(ms + 5_000, sensor, 'OFF');
  };
  const door = (ms: number): void => {
    at(ms, 'D001', 'OPEN');
    at(ms + 15_000, 'D001', 'CLOSE');
  };
  for (let d = 0; d < days; d++) {
    const day = FIRST_DAY + d * 24 * HOUR_MS;
    const h = (hours: number): number => day + hours * HOUR_MS;
    const last = d === days - 1;
    pir(h(7), 'M001');
    pir(h(7) + 5 * MINUTE_MS, 'M002');
    for (let t = h(7) + 10 * MINUTE_MS; t <= (last ? lastAt : h(9) + 20 * MINUTE_MS); t += 10 * MINUTE_MS)
      pir(t, 'M003');
    if (last) break;
    door(h(9.5));
    door(h(12.5));
    for (let t = h(12.5) + MINUTE_MS; t < h(13.5); t += 10 * MINUTE_MS) pir(t, 'M003');
    pir(h(13.5), 'M005');
    pir(h(15.75), 'M005');
    for (let t = h(16), i = 0; t < h(21.75); t += 20 * MINUTE_MS, i++) pir(t, i % 2 === 0 ? 'M003' : 'M005');
    pir(h(22), 'M001');
    pir(h(26.5), 'M001');
  }
  return `${lines.join('\n')}\n`;
}

describe('a home whose sensors name no rooms (codes only)', () => {
  it('calls a collapse in the kitchen by day by possible-fall, long before inactivity (before: inactivity only)', () => {
    const input = path.join(dir, 'roomless.txt');
    const days = 12;
    // The last day, at 10:30: in the kitchen, then nothing.
    const cut = FIRST_DAY + (days - 1) * 24 * HOUR_MS + 10.5 * HOUR_MS;
    fs.writeFileSync(input, roomlessHome(days, cut));
    const r = runReplay(['--input', input, '--format', 'casas', '--tz', 'UTC', '--drain', '24']);
    expect(r.status, r.stderr).toBe(0);
    // The way out is learned from the outings (session 42): a home whose silences may be outings is judged once known.
    expect(r.stderr).toContain('exit door learned from the outings');
    const calls = jsonLines<ReplayAlert>(r.stdout).filter((a) => INACTIVITY_FAMILY.has(a.kind));
    // Eleven days of the same life, the living room's sittings of 2 h 15 min included: nothing called before the cut.
    expect(calls.filter((a) => Date.parse(a.raisedAt) <= cut + 5_000)).toEqual([]);
    const first = calls[0];
    expect(first?.kind).toBe('possible-fall');
    expect(first?.detail).toMatchObject({ lastRoom: null, lastDeviceId: 'M003' });
    // Called within the hour, where inactivity waits at least its floor (120 min) from the last report.
    const delayMin = (Date.parse(first?.raisedAt ?? '') - cut) / MINUTE_MS;
    expect(delayMin).toBeGreaterThan(29);
    expect(delayMin).toBeLessThan(60);
  });
});
