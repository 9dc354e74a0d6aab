// `telecare replay --format casas` reads every CASAS line format (Aruba's, AL-Smarthome's, the HH homes'), with each
// sensor's kind, room and held state, as the evaluation reads the same file: a CASAS home replayed by the SPEC's own
// command raises what the evaluation's engine raises, collapses included.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casasLineParser, parseCasasLine } from '../../replay/casas.js';
import { parseIsoMs } from '../../rules/iso-time.js';
import { Replayer, type ReplayAlert } from '../../replay/replay.js';
import { CASAS_TIMEZONE, loadCasas } from '../../eval/homes-data.js';
import { ZoneClock } from '../../rules/local-time.js';
import { jsonLines, runReplay } from '../support/replay-cli.js';

const INACTIVITY_FAMILY = new Set([
  'possible-fall',
  'inactivity',
  'no-morning-activity',
  'bathroom-too-long',
  'out-of-bed-too-long',
]);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-casas-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const utc = new ZoneClock('UTC');

describe('CASAS lines', () => {
  const parse = casasLineParser('h', utc);

  it("reads Aruba's format: PIRs on and off, doors, temperatures; light levels and batteries are not activity", () => {
    expect(parseCasasLine('2010-11-04 00:03:50.209589 M003 ON Sleeping begin')).toEqual({
      wall: '2010-11-04 00:03:50.209589',
      sensor: 'M003',
      places: [],
      state: 'ON',
      activity: 'Sleeping',
      mark: 'begin',
    });
    const t = Date.UTC(2010, 10, 4, 0, 3, 50, 209);
    expect(parse('2010-11-04 00:03:50.209589 M003 ON Sleeping begin')).toEqual({
      ts: t,
      homeId: 'h',
      deviceId: 'M003',
      type: 'motion',
      value: true,
      kind: 'motion',
    });
    expect(parse('2010-11-04 00:03:57.399391\tM003\tOFF')).toMatchObject({ type: 'motion', value: false });
    expect(parse('2010-11-04 00:30:19.385336 D001 OPEN')).toMatchObject({
      type: 'contact',
      value: false,
      kind: 'door',
    });
    expect(parse('2010-11-04 00:31:02 D001 CLOSE')).toMatchObject({ type: 'contact', value: true });
    expect(parse('2010-11-04 00:15:08.984841 T002 21.5')).toMatchObject({ type: 'temperature', value: 21.5 });
    expect(parse('2010-11-04 00:15:09 LS001 12')).toBeUndefined();
    expect(parse('2010-11-04 00:15:09 BATV001 3011')).toBeUndefined();
    expect(parse('2010-11-04 00:15:09 M003')).toBeUndefined();
    expect(parse('not a line')).toBeUndefined();
  });

  it("reads AL-Smarthome's and the HH homes' formats, whose places give the rooms and the exit door", () => {
    expect(parse('2011-06-15 01:03:39.14962 Bedroom Bedroom ON Sleep')).toMatchObject({
      deviceId: 'Bedroom-Bedroom',
      type: 'motion',
      value: true,
      kind: 'motion',
      room: 'bedroom',
    });
    expect(parse('2011-06-15 07:00:00 LoungeChair LivingRoom OFF Relax')).toMatchObject({
      type: 'motion',
      value: false,
      room: 'living',
    });
    expect(parse('2011-06-15 07:00:00 OutsideDoor FrontDoor OPEN Leave_Home')).toMatchObject({
      type: 'contact',
      value: false,
      kind: 'exit-door',
      room: 'entrance',
    });
    expect(parse('2011-06-15 07:00:00 OutsideDoor Entry ON Leave_Home')).toMatchObject({
      kind: 'motion',
      room: 'entrance',
    });
    expect(parse('2011-06-15 07:00:00 Kitchen KitchenLight ON Cook')).toMatchObject({
      type: 'power',
      value: 100,
      kind: 'appliance',
      room: 'kitchen',
    });
    expect(parse('2011-06-15 07:00:00 Bedroom Closet ON Dress')).toMatchObject({ kind: 'door', value: false });
    expect(parse('2012-07-18 12:54:45.126257 M004 Kitchen Kitchen ON Cook')).toMatchObject({
      deviceId: 'M004',
      kind: 'motion',
      room: 'kitchen',
    });
    expect(parse('2012-07-18 12:54:45 D001 Ignore Ignore CLOSE Other_Activity')).toMatchObject({
      deviceId: 'D001',
      kind: 'door',
      value: true,
    });
  });

  it('takes local times in the zone given (--tz)', () => {
    const la = casasLineParser('h', new ZoneClock('America/Los_Angeles'));
    expect(la('2011-06-15 01:00:00 Bedroom Bedroom ON Sleep')?.ts).toBe(Date.UTC(2011, 5, 15, 8));
  });
});

/** A few days of an AL-Smarthome-style home (`sensor location state activity`), then nothing from `lastHour`: a collapse. */
function alStyleDays(days: number, lastHour: number): string {
  const lines: string[] = [];
  const pad = (n: number): string => String(n).padStart(2, '0');
  for (let d = 0; d < days; d++) {
    const end = d === days - 1 ? lastHour : 22;
    for (let h = 7; h <= end; h++) {
      for (const [m, area] of [
        [5, 'Kitchen'],
        [25, 'LivingRoom'],
        [45, 'Bathroom'],
      ] as const) {
        const at = `2011-06-${pad(15 + d)} ${pad(h)}:${pad(m)}`;
        lines.push(`${at}:00.000001 ${area} ${area} ON Other`, `${at}:40.000001 ${area} ${area} OFF Other`);
      }
    }
    // To bed at 22:55, up at 07:05.
    if (d < days - 1) {
      const night = `2011-06-${pad(15 + d)} 22:5`;
      lines.push(`${night}5:00.000001 Bedroom Bedroom ON Sleep`, `${night}6:00.000001 Bedroom Bedroom OFF Sleep`);
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('telecare replay --format casas', () => {
  it('replays a home in the AL-Smarthome format: every line read, the collapse after its last activity called', () => {
    const input = path.join(dir, 'al-style.txt');
    fs.writeFileSync(input, alStyleDays(4, 10));
    const r = runReplay(['--input', input, '--format', 'casas', '--tz', 'UTC', '--drain', '24']);
    expect(r.status).toBe(0);
    const lines = fs.readFileSync(input, 'utf8').trim().split('\n').length;
    expect(r.stderr).toContain(`replay: ${lines} events (0 dropped)`);
    const calls = jsonLines<ReplayAlert & { drained?: boolean }>(r.stdout).filter((a) => INACTIVITY_FAMILY.has(a.kind));
    expect(calls.length).toBeGreaterThan(0);
    // Nothing before the cut; the first call after it, within the drain, names the last room.
    const cut = Date.UTC(2011, 5, 18, 10, 45, 40);
    expect(calls.every((a) => Date.parse(a.raisedAt) > cut && a.drained === true)).toBe(true);
    expect(calls[0]?.detail).toMatchObject({ lastRoom: 'bathroom', lastDeviceId: 'Bathroom-Bathroom' });
  });
});

/**
 * `days` days of an Aruba-format home (sensor codes only: no room, no exit door named): up at 07:00 (M003 in the bedroom,
 * then M010 and M015 by turns every 20 min), out through D001 from 09:30 for `outHours(day)` hours, in bed at 22:00 (D002,
 * the bedroom's door, then nothing until morning).
 */
function arubaStyleDays(days: number, outHours: (day: number) => number): string {
  const lines: string[] = [];
  const at = (ms: number, sensor: string, state: string): void => {
    lines.push(`${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}123 ${sensor} ${state}`);
  };
  const pirs = (from: number, to: number): void => {
    for (let t = from, i = 0; t < to; t += 20 * 60_000, i++) {
      const pir = i % 2 === 0 ? 'M010' : 'M015';
      at(t, pir, 'ON');
      at(t + 5_000, pir, 'OFF');
    }
  };
  const door = (t: number, sensor: string): void => {
    at(t, sensor, 'OPEN');
    at(t + 15_000, sensor, 'CLOSE');
  };
  for (let d = 0; d < days; d++) {
    const day = Date.UTC(2010, 10, 1 + d);
    const h = (hours: number): number => day + hours * 3_600_000;
    at(h(7), 'M003', 'ON');
    at(h(7) + 5_000, 'M003', 'OFF');
    door(h(7) + 60_000, 'D002');
    pirs(h(7.05), h(9.5));
    door(h(9.5), 'D001');
    door(h(9.5 + outHours(d)), 'D001');
    pirs(h(9.5 + outHours(d)) + 60_000, h(22));
    door(h(22), 'D002');
  }
  return `${lines.join('\n')}\n`;
}

describe('telecare replay --format casas, a home whose sensors are only codes', () => {
  it('learns D001 as the way out from its outings: the later, longer outings raise nothing (before: inactivity called)', () => {
    const input = path.join(dir, 'aruba-style.txt');
    // Outings of 3 h for five days, then of 6 h: over the first days' allowance (4 h), called before session 42.
    fs.writeFileSync(
      input,
      arubaStyleDays(9, (d) => (d < 5 ? 3 : 6)),
    );
    const r = runReplay(['--input', input, '--format', 'casas', '--tz', 'UTC']);
    expect(r.status).toBe(0);
    const calls = jsonLines<ReplayAlert>(r.stdout).filter((a) => INACTIVITY_FAMILY.has(a.kind));
    const outings = calls.filter((a) => {
      const t = Date.parse(a.raisedAt);
      const day = Math.floor((t - Date.UTC(2010, 10, 1)) / 86_400_000);
      const hour = (t / 3_600_000) % 24;
      return day >= 5 && hour >= 9.5 && hour <= 15.5;
    });
    expect(outings).toEqual([]);
    // Said, to be marked (session 43): learned on the fourth return through D001, day 3 at 12:30.
    expect(r.stderr).toContain(
      'replay: exit door learned from the outings (none configured): casas D001 at 2010-11-04T12:30:00.000Z; ' +
        'mark it "kind": "exit-door" in the configuration to be sure',
    );
    expect(r.stderr.match(/exit door learned/g)).toHaveLength(1);
  });
});

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const casasFile = path.resolve(projectRoot, '../shared/data/casas-al-smarthome/data');
const haveCasas = fs.existsSync(casasFile);
if (!haveCasas) console.warn(`replay casas: real-home cases skipped, no ${casasFile} (see ../shared/data/README.md)`);

describe.skipIf(!haveCasas)('the shared CASAS home, replayed by the command and by the evaluation', () => {
  const text = haveCasas ? fs.readFileSync(casasFile, 'utf8').trim().split('\n') : [];
  const rec = haveCasas ? loadCasas(casasFile) : undefined;

  /** Inactivity-family alerts of the evaluation's engine over its reading of the same lines, home configured. */
  function evaluationCalls(cutAt: number): string[] {
    const alerts: ReplayAlert[] = [];
    const replayer = new Replayer({
      homes: [rec!.home],
      defaultTimezone: CASAS_TIMEZONE,
      drainHours: 24,
      startedAt: 'first-event',
      onAlert: (a) => alerts.push(a),
    });
    for (const e of rec!.events) {
      if (e.ts > cutAt) break;
      replayer.push(e);
    }
    replayer.finish();
    return alerts.filter((a) => INACTIVITY_FAMILY.has(a.kind)).map((a) => `${a.kind} ${a.raisedAt}`);
  }

  function commandCalls(lines: string[], name: string): { calls: string[]; stderr: string } {
    const input = path.join(dir, name);
    fs.writeFileSync(input, `${lines.join('\n')}\n`);
    const r = runReplay(['--input', input, '--format', 'casas', '--tz', CASAS_TIMEZONE, '--drain', '24']);
    expect(r.status).toBe(0);
    const calls = jsonLines<ReplayAlert>(r.stdout)
      .filter((a) => INACTIVITY_FAMILY.has(a.kind))
      .map((a) => `${a.kind} ${a.raisedAt}`);
    return { calls, stderr: r.stderr };
  }

  it('reads every line of the recording and raises the same calls as the evaluation', () => {
    const { calls, stderr } = commandCalls(text, 'whole.txt');
    expect(stderr).toContain(`replay: ${text.length} events (0 dropped)`);
    expect(stderr).not.toMatch(/skipped/);
    expect(calls).toEqual(evaluationCalls(Infinity));
  });

  it('finds a collapse cut into the recording as the evaluation does, at the same minute', () => {
    const zone = new ZoneClock(CASAS_TIMEZONE);
    for (const n of [20_000, 30_000, 45_000]) {
      const lines = text.slice(0, n);
      const cutAt = parseIsoMs(parseCasasLine(lines[lines.length - 1] ?? '')?.wall ?? '', zone);
      expect(Number.isFinite(cutAt)).toBe(true);
      const { calls } = commandCalls(lines, `cut-${n}.txt`);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls).toEqual(evaluationCalls(cutAt));
    }
  });
});
