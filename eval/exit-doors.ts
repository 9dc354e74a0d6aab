// Which door each home's own record would teach the hub to take for the way out, were no exit door marked: every
// contact read as a plain door (as a CASAS file in Aruba's format is), the learner of `rules/exit-door-learning.ts` fed
// the home's doings in time order. `node dist/eval/exit-doors.js [--data DIR] [--json]`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ExitDoorLearner } from '../rules/exit-door-learning.js';
import { ZoneClock } from '../rules/local-time.js';
import { DAY_MS } from '../rules/time.js';
import { loadHomes, type HomeRecording } from './homes-data.js';

export interface ExitDoorFinding {
  home: string;
  /** The doors learned, and whether the recording's own layout calls each its exit door. */
  learned: string[];
  isExitDoor: boolean[];
  /** Days from the recording's first event to the doing that decided the first. */
  afterDays: number | undefined;
  /** Each door's silences begun and ended by it, by day and by night, up to the decision (or the end). */
  counts: Record<string, [number, number]>;
}

/** The learner over one recording, every contact a plain door (the recording's exit door among them). */
export function learnExitDoor(rec: HomeRecording): ExitDoorFinding {
  const kinds = new Map(rec.home.devices.map((d) => [d.id, d]));
  const zone = new ZoneClock(rec.home.timezone || 'UTC');
  const learner = new ExitDoorLearner();
  let decidedAt = NaN; // the first door's
  for (const e of rec.events) {
    const d = kinds.get(e.deviceId);
    const kind = d?.kind;
    // A PIR's or presence sensor's clearing ends a movement begun earlier; a mat's release or a power fall is no doing.
    if ((e.type === 'motion' || e.type === 'occupancy') && e.value !== true) continue;
    if (e.type === 'power' && !(typeof e.value === 'number' && e.value > 0)) continue;
    const door = (kind === 'door' || kind === 'exit-door') && e.type === 'contact';
    const room = kind === 'exit-door' ? undefined : d?.room;
    const found = learner.observe({ deviceId: e.deviceId, door, room, heldEnd: false, at: e.ts }, zone);
    if (found !== undefined && Number.isNaN(decidedAt)) decidedAt = e.ts;
  }
  const learned = [...learner.learned];
  return {
    home: rec.id,
    learned,
    isExitDoor: learned.map((id) => kinds.get(id)?.kind === 'exit-door'),
    afterDays: Number.isNaN(decidedAt) ? undefined : Math.round(((decidedAt - rec.firstAt) / DAY_MS) * 10) / 10,
    counts: learner.exportState()?.counts ?? {},
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: node dist/eval/exit-doors.js [--data DIR] [--json]\n' +
        'For each home recording under ../shared/data (or DIR): the door the hub would learn as the way out were no\n' +
        "exit door marked, after how many days, and each door's silences begun and ended by it (by day / by night).\n",
    );
    return;
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const findings = loadHomes(values.data ?? path.resolve(root, '../shared/data')).map(learnExitDoor);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
    return;
  }
  if (findings.length === 0) process.stderr.write('exit-doors: no home recording found\n');
  for (const f of findings) {
    const verdict =
      f.learned.length === 0
        ? 'none learned'
        : f.learned.map((id, i) => `${id} (${f.isExitDoor[i] ? 'its exit door' : 'NOT its exit door'})`).join(', ') +
          `, the first after ${f.afterDays} days`;
    const counts = Object.entries(f.counts)
      .map(([id, [day, night]]) => `${id} ${day}/${night}`)
      .join(', ');
    process.stdout.write(`${f.home.padEnd(14)} ${verdict}; day/night silences: ${counts || '-'}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
