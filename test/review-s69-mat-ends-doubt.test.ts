// Session 69 review (issue 11, "no collapse missed within 24 h", homes with few sensors): a sparse home (the front door,
// a kitchen PIR, a kitchen cupboard, a bathroom PIR and a chair mat), replayed by `telecare replay` in a process of its
// own. Twice the resident is away for 30 h while the kitchen PIR fires alone (sun, a draught): the home has shown
// itself empty with a device firing alone (`emptyHomeShown`), that PIR is one of its `ghostDevices`, and its empty
// spells put the wait on a device alone past any bound (`emptyHomeBoundMs`). Then, on Friday, the resident steps out of
// the front door and back within seconds, nothing inside for 10 min (an outing, confirmed), and is seen by one device at
// a time with quiet spells between: the cupboard, the bathroom PIR, the chair mat pressed for 40 min, the kitchen PIR.
// Before, each was "another one after a quiet spell: still one report alone", so the return stayed in doubt from the
// cupboard on, the kitchen PIR (a ghost) made the home shown empty, and a collapse after it was never called (Kasteren
// B, seed-10 half of its devices, 28 Jul: the bed mat pressed in such a chain, three collapses never called). Now a mat
// pressed, not the device alone and not one the home has shown firing in its empty home, is someone inside: the doubt
// ends and inactivity watches the silence as usual. Guard: a chair mat the home has shown pressed in its empty home (a
// cat) ends nothing, as before, and a mat alone after an outing still begins a doubt, so the home can learn it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReplayAlert } from '../replay/replay.js';
import {
  HOUR_MS,
  jsonLines,
  MINUTE_MS,
  MONDAY,
  Recording,
  runReplay,
  SECOND_MS,
  tempFolderPerFile,
} from './support/replay-cli.js';

const INACTIVITY_FAMILY = new Set([
  'possible-fall',
  'inactivity',
  'no-morning-activity',
  'bathroom-too-long',
  'out-of-bed-too-long',
]);

const at = (day: number, hours: number): number => MONDAY + day * 24 * HOUR_MS + hours * HOUR_MS;

const DEVICES = [
  { id: 'front', kind: 'exit-door', room: 'entrance' },
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'cupboard', kind: 'door', room: 'kitchen' },
  { id: 'bath-pir', kind: 'motion', room: 'bathroom' },
  { id: 'chair', kind: 'chair', room: 'living' },
];

const dir = tempFolderPerFile('telecare-s69-mat-');

/** The generated home's recording, with its devices' habits. */
class HomeRecording extends Recording {
  /** A PIR on and off within seconds. */
  pir(t: number, id: string): void {
    this.add(t, id, 'motion', true);
    this.add(t + 2 * SECOND_MS, id, 'motion', false);
  }
  /** A contact opened and closed `openMs` later (10 s). */
  contact(t: number, id: string, openMs = 10 * SECOND_MS): void {
    this.add(t, id, 'contact', false);
    this.add(t + openMs, id, 'contact', true);
  }
  /** The chair mat pressed at `t`, released `forMs` later. */
  sit(t: number, forMs: number): void {
    this.add(t, 'chair', 'occupancy', true);
    this.add(t + forMs, 'chair', 'occupancy', false);
  }
  /** Up and about from `from` to `to` (ms): the bathroom PIR, the kitchen PIR, the cupboard, in turn every 10 min. */
  busy(from: number, to: number): void {
    for (let t = from, k = 0; t < to; t += 10 * MINUTE_MS, k++) {
      if (k % 3 === 0) this.pir(t, 'bath-pir');
      else if (k % 3 === 1) this.pir(t, 'kitchen-pir');
      else this.contact(t, 'cupboard');
    }
  }
}

/**
 * Monday to Thursday: up at 07:00, twice out at 09:30 for 30.5 h (back at 16:00 the next day, seen inside a minute
 * later), with `alone` (the kitchen PIR, or the chair mat) reporting on its own every 2 h while nobody is home. Friday:
 * up at 07:00, about until 10:50.
 */
function firstDays(r: HomeRecording, alone: (t: number) => void): void {
  for (const day of [0, 2]) {
    r.busy(at(day, 7), at(day, 9.25));
    r.contact(at(day, 9.5), 'front');
    for (let t = at(day, 12); t < at(day + 1, 15); t += 2 * HOUR_MS) alone(t);
    r.contact(at(day + 1, 16), 'front');
    r.busy(at(day + 1, 16) + MINUTE_MS, at(day + 1, 23));
  }
  r.busy(at(4, 7), at(4, 10.9));
}

/**
 * Friday: the front door at 11:00 (a parcel taken in), nothing inside for 10 min (an outing, confirmed), then one device
 * at a time with quiet spells between: the cupboard at 11:20, the bathroom PIR at 12:40, the chair mat pressed 13:30 to
 * 14:10, the kitchen PIR at 14:30. Then nothing: a collapse. Returns the time of the last report.
 */
function fridayChain(r: HomeRecording): number {
  r.contact(at(4, 11), 'front');
  r.contact(at(4, 11) + 20 * MINUTE_MS, 'cupboard');
  r.pir(at(4, 12) + 40 * MINUTE_MS, 'bath-pir');
  r.sit(at(4, 13.5), 40 * MINUTE_MS);
  const last = at(4, 14.5);
  r.pir(last, 'kitchen-pir');
  return last + 2 * SECOND_MS;
}

/** Replays the recording with the sparse home's configuration: the inactivity family's alerts. */
function replay(r: HomeRecording, name: string): ReplayAlert[] {
  const config = path.join(dir(), `${name}.json`);
  fs.writeFileSync(
    config,
    JSON.stringify({ homes: [{ id: 'h1', timezone: 'Europe/London', residents: [{ id: 'r1' }], devices: DEVICES }] }),
  );
  const run = runReplay(['--input', r.write(dir(), `${name}.ndjson`), '--config', config, '--drain', '30']);
  expect(run.status, run.stderr).toBe(0);
  return jsonLines<ReplayAlert>(run.stdout).filter((a) => INACTIVITY_FAMILY.has(a.kind));
}

/** The calls from `from` on, as "kind ISO time". */
function callsFrom(calls: readonly ReplayAlert[], from: number): string[] {
  return calls.filter((a) => Date.parse(a.raisedAt) >= from).map((a) => `${a.kind} ${a.raisedAt}`);
}

describe('a chair mat pressed in a return in doubt (telecare replay, a sparse home shown empty)', () => {
  it('ends the doubt: a collapse after the chain of lone reports is called within 24 h (before: nothing)', () => {
    const r = new HomeRecording();
    firstDays(r, (t) => r.pir(t, 'kitchen-pir'));
    const lastAt = fridayChain(r);
    const calls = replay(r, 'ghost-pir');
    // Nothing on Friday before the collapse (the chain is the resident, each report within the day's allowance).
    expect(callsFrom(calls, at(4, 7)).filter((c) => Date.parse(c.split(' ')[1] ?? '') < lastAt)).toEqual([]);
    const first = calls.find((a) => Date.parse(a.raisedAt) >= lastAt);
    expect(first, JSON.stringify(callsFrom(calls, at(4, 7)))).toBeDefined();
    expect(Date.parse(first?.raisedAt ?? '') - lastAt).toBeLessThan(24 * HOUR_MS);
  });

  it('guard: a mat the home has shown pressed in its empty home (a cat) ends nothing: nothing within 24 h, as before', () => {
    const r = new HomeRecording();
    // The cat on the chair while the resident is away: a mat alone after an outing, learned a ghost of this home.
    firstDays(r, (t) => r.sit(t, 5 * MINUTE_MS));
    r.contact(at(4, 11), 'front');
    r.contact(at(4, 11) + 20 * MINUTE_MS, 'cupboard');
    r.pir(at(4, 12) + 40 * MINUTE_MS, 'bath-pir');
    const lastAt = at(4, 13.5) + 40 * MINUTE_MS;
    r.sit(at(4, 13.5), 40 * MINUTE_MS);
    const calls = replay(r, 'ghost-mat');
    expect(
      callsFrom(calls, at(4, 11)).filter((c) => Date.parse(c.split(' ')[1] ?? '') < lastAt + 24 * HOUR_MS),
    ).toEqual([]);
  });
});
