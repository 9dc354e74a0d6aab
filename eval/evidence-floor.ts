// Where a home's collapse minutes go, and how low a silence threshold learned per room and hour could go on its own
// record: for each simulated collapse, the longest silence of the whole recording that began in the same place at
// that local hour (+-1, as learned normal pools hours), floored at SPEC 6's 2 h. A threshold under it would call one
// of the home's own ordinary silences; what sits above it is the cold start, the margins, or another rule's wait.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ZoneClock } from '../rules/local-time.js';
import { MINUTE_MS } from '../rules/time.js';
import { loadHomes, type HomeRecording } from './homes-data.js';
import { evaluateHomes, type CutReport } from './homes.js';

/** SPEC 6: no inactivity threshold under 2 h. */
const FLOOR_MINUTES = 120;

/** Where a silence begins, as learned normal keys it: a bed mat apart (still in bed), else the device's room. */
export function placeOf(rec: HomeRecording, deviceId: string): string | undefined {
  const d = rec.home.devices.find((x) => x.id === deviceId);
  if (!d) return undefined;
  return d.kind === 'bed' ? 'bed-mat' : d.room;
}

/**
 * The longest silence (minutes) of the recording by place and local hour of its start (`place@hour`): from each
 * report to the next of any device, not from the exit door (a leaving or a return) and not overlapping an annotated
 * outing (the resident was not there), within the annotated span if the recording has one.
 */
export function longestSilences(rec: HomeRecording): Map<string, number> {
  const zone = new ZoneClock(rec.home.timezone);
  const exits = new Set(rec.home.devices.filter((d) => d.kind === 'exit-door').map((d) => d.id));
  const longest = new Map<string, number>();
  // Out, or outside the span the annotation covers (nothing says whether the resident was home then).
  const [first, last] = rec.annotated ?? [-Infinity, Infinity];
  const outside = (from: number, to: number): boolean =>
    from < first || to > last || rec.out.some(([a, b]) => a < to && b > from);
  for (let i = 1; i < rec.events.length; i++) {
    const prev = rec.events[i - 1];
    const next = rec.events[i];
    if (!prev || !next || exits.has(prev.deviceId) || outside(prev.ts, next.ts)) continue;
    const place = placeOf(rec, prev.deviceId);
    if (place === undefined) continue;
    const key = `${place}@${Math.floor(zone.minuteOfDay(prev.ts) / 60)}`;
    longest.set(key, Math.max(longest.get(key) ?? 0, (next.ts - prev.ts) / MINUTE_MS));
  }
  return longest;
}

/** The evidence floor (minutes) of a silence beginning in `place` at local `hour`: see the file's head. */
export function evidenceFloor(longest: ReadonlyMap<string, number>, place: string, hour: number): number {
  let m = 0;
  for (const dh of [-1, 0, 1]) m = Math.max(m, longest.get(`${place}@${(hour + dh + 24) % 24}`) ?? 0);
  return Math.max(FLOOR_MINUTES, Math.ceil(m));
}

export interface AccountRow {
  phase: 'fortnight' | 'after';
  band: 'day' | 'evening' | 'night';
  place: string;
  cuts: number;
  medianMinutes: number;
  medianFloorMinutes: number;
  /** Sum over the row's cuts of the minutes past 60 (SPEC 6's target median): the size of the block. */
  minutesOver60: number;
}

export interface HomeAccount {
  id: string;
  cuts: number;
  medianMinutes: number;
  medianFloorMinutes: number;
  rows: AccountRow[];
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1] ?? NaN;
}

/** Local band of an hour: night 23-07, evening 18-23, day otherwise. */
export function bandOf(hour: number): AccountRow['band'] {
  return hour >= 23 || hour < 7 ? 'night' : hour >= 18 ? 'evening' : 'day';
}

/** The account of one home's cuts (as `evaluateHomes` reports them), by phase, band and place, with evidence floors. */
export function accountOf(rec: HomeRecording, cuts: readonly CutReport[], coldStartDays = 14): HomeAccount {
  const zone = new ZoneClock(rec.home.timezone);
  const longest = longestSilences(rec);
  const coldEnd = rec.firstAt + coldStartDays * 24 * 60 * MINUTE_MS;
  const groups = new Map<
    string,
    {
      row: Omit<AccountRow, 'cuts' | 'medianMinutes' | 'medianFloorMinutes' | 'minutesOver60'>;
      d: number[];
      f: number[];
    }
  >();
  const all: number[] = [];
  const floors: number[] = [];
  for (const c of cuts) {
    if (c.delayMinutes === undefined || c.deviceId === undefined) continue;
    const hour = Math.floor(zone.minuteOfDay(c.at) / 60);
    const floor = evidenceFloor(longest, placeOf(rec, c.deviceId) ?? '', hour);
    const row = { phase: c.at < coldEnd ? 'fortnight' : 'after', band: bandOf(hour), place: c.place } as const;
    const key = `${row.phase} ${row.band} ${row.place}`;
    const g = groups.get(key) ?? { row, d: [] as number[], f: [] as number[] };
    g.d.push(c.delayMinutes);
    g.f.push(floor);
    groups.set(key, g);
    all.push(c.delayMinutes);
    floors.push(floor);
  }
  const rows = [...groups.values()]
    .map(({ row, d, f }) => ({
      ...row,
      cuts: d.length,
      medianMinutes: median(d),
      medianFloorMinutes: median(f),
      minutesOver60: d.reduce((s, x) => s + Math.max(0, x - 60), 0),
    }))
    .sort((a, b) => b.minutesOver60 - a.minutesOver60);
  return { id: rec.id, cuts: all.length, medianMinutes: median(all), medianFloorMinutes: median(floors), rows };
}

export function formatAccount(a: HomeAccount, top = 10): string {
  const total = a.rows.reduce((s, r) => s + r.minutesOver60, 0);
  const lines = [
    `${a.id}: ${a.cuts} cuts, median ${a.medianMinutes} min, median evidence floor ${a.medianFloorMinutes} min`,
    '| phase | band | place | cuts | median | evidence floor | minutes over 60 (share) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of a.rows.slice(0, top))
    lines.push(
      `| ${r.phase} | ${r.band} | ${r.place} | ${r.cuts} | ${r.medianMinutes} | ${r.medianFloorMinutes} | ${r.minutesOver60} (${((100 * r.minutesOver60) / total).toFixed(1)} %) |`,
    );
  return lines.join('\n');
}

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      home: { type: 'string', multiple: true },
      'plain-cut': { type: 'boolean', default: false },
      top: { type: 'string' },
    },
  });
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = values.data ?? path.resolve(projectRoot, '../shared/data');
  const ids = values.home ?? ['kasteren-a', 'kasteren-b'];
  const recs = loadHomes(dataDir);
  for (const id of ids) {
    const rec = recs.find((r) => r.id === id);
    if (!rec) {
      process.stderr.write(`evidence-floor: no home ${id} under ${dataDir}\n`);
      continue;
    }
    const cuts: CutReport[] = [];
    evaluateHomes(dataDir, { only: [id], plainCut: values['plain-cut'], onCut: (c) => cuts.push(c) });
    process.stdout.write(`${formatAccount(accountOf(rec, cuts), Number(values.top ?? 10))}\n\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
