// The evidence floor behind eval/README.md's session 31 account: the longest silences of a home's own record by place
// and hour, and the floor a learned per-room-and-hour threshold could not go under (data figures skipped without data).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { accountOf, evidenceFloor, longestSilences } from '../eval/evidence-floor.js';
import type { HomeRecording } from '../eval/homes-data.js';
import { loadHomes } from '../eval/homes-data.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(projectRoot, '../shared/data');
const present = fs.existsSync(dataDir);
if (!present) console.warn(`eval-evidence-floor: data tests skipped, no ${dataDir} (see ../shared/data/README.md)`);

const T0 = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC
const MIN = 60_000;

function recording(events: [number, string][], out: [number, number][] = []): HomeRecording {
  return {
    id: 'synthetic',
    title: 'synthetic',
    home: {
      id: 'synthetic',
      timezone: 'UTC',
      devices: [
        { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
        { id: 'bed', kind: 'bed', room: 'bedroom' },
        { id: 'front', kind: 'exit-door', room: 'entrance' },
      ],
    } as HomeRecording['home'],
    events: events.map(([min, deviceId]) => ({
      homeId: 'synthetic',
      deviceId,
      type: deviceId === 'front' ? 'contact' : deviceId === 'bed' ? 'occupancy' : 'motion',
      value: true,
      ts: T0 + min * MIN,
    })),
    out,
    asleep: [],
    firstAt: T0,
    lastAt: T0 + (events.at(-1)?.[0] ?? 0) * MIN,
  };
}

describe('longestSilences and evidenceFloor', () => {
  it('keys silences by where and when they began; the exit door and annotated outings are no silence at home', () => {
    const rec = recording(
      [
        [19 * 60, 'kitchen-pir'], // 19:00, then 150 min of nothing
        [21 * 60 + 30, 'bed'], // 21:30 on the bed mat, then 300 min
        [26 * 60 + 30, 'front'], // 02:30 the front door, then 600 min (a leaving)
        [36 * 60 + 30, 'kitchen-pir'], // 12:30 next day, then 400 min, annotated out
        [43 * 60 + 10, 'kitchen-pir'],
      ],
      [[T0 + 37 * 60 * MIN, T0 + 42 * 60 * MIN]],
    );
    const longest = longestSilences(rec);
    expect(longest.get('kitchen@19')).toBe(150);
    expect(longest.get('bed-mat@21')).toBe(300);
    expect([...longest.keys()].sort()).toEqual(['bed-mat@21', 'kitchen@19']);
    // Pooled over the hour either side, floored at SPEC 6's 2 h.
    expect(evidenceFloor(longest, 'kitchen', 20)).toBe(150);
    expect(evidenceFloor(longest, 'kitchen', 21)).toBe(120);
    expect(evidenceFloor(longest, 'bed-mat', 22)).toBe(300);
  });

  it('accounts cuts by phase, band and place, the largest block first', () => {
    const rec = recording([
      [19 * 60, 'kitchen-pir'],
      [21 * 60 + 30, 'kitchen-pir'],
    ]);
    const cut = (min: number, delayMinutes: number) => ({
      at: T0 + min * MIN,
      place: 'kitchen' as const,
      deviceId: 'kitchen-pir',
      delayMinutes,
      firstKind: 'inactivity',
      armed: {},
    });
    const a = accountOf(rec, [cut(19 * 60, 200), cut(10 * 60, 90), cut(15 * 24 * 60 + 19 * 60, 130)]);
    expect(a.cuts).toBe(3);
    expect(a.medianMinutes).toBe(130);
    expect(a.rows.map((r) => [r.phase, r.band, r.minutesOver60])).toEqual([
      ['fortnight', 'evening', 140],
      ['after', 'evening', 70],
      ['fortnight', 'day', 30],
    ]);
    expect(a.rows[0]?.medianFloorMinutes).toBe(150);
  });
});

describe.skipIf(!present)('evidence floors of the tuning homes (figures quoted in eval/README.md, session 31)', () => {
  const recs = present ? loadHomes(dataDir) : [];
  it("Kasteren B's bed mat: its own 246- and 254-min still spells set the floor at night and in the morning", () => {
    const b = recs.find((r) => r.id === 'kasteren-b');
    if (!b) return;
    const longest = longestSilences(b);
    expect(evidenceFloor(longest, 'bed-mat', 3)).toBe(246);
    expect(evidenceFloor(longest, 'bed-mat', 7)).toBe(254);
    expect(evidenceFloor(longest, 'bed-mat', 0)).toBe(153); // 152.4 min (06 Aug 00:58), rounded up
  });

  it("Kasteren A's kitchen evenings: its longest silence from the kitchen at 19-21 h is 155 min", () => {
    const a = recs.find((r) => r.id === 'kasteren-a');
    if (!a) return;
    expect(evidenceFloor(longestSilences(a), 'kitchen', 20)).toBe(155);
  });
});
