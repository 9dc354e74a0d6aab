// What SQLite's inserts of the group commit cost per row, by how the rows are bound: `node dist/bench/insertCost.js
// [--mode four|row|json] [--batch 1400] [--rows 140000]`. better-sqlite3 on a temp file, WAL, synchronous=NORMAL, no
// checkpoint (the checkpoint thread's work is not the loop's), the `events` table and its index as the store makes
// them, 200 homes; `four`: four rows a statement, each value its own argument (hub/store.ts since session 26); `row`:
// one row a statement (before); `json`: one statement a batch reading a JSON array (json_each). Prints one JSON line:
// this process's CPU per row (the inserts and the commits). Alternate the modes to compare.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { positiveInteger } from './options.js';

interface Row {
  homeId: string;
  deviceId: string;
  type: string;
  value: string;
  ts: number;
  source: string;
  room: string | null;
  kind: string | null;
  assigned: number;
}

const COLUMNS = 'id, home_id, device_id, type, value, ts, received_at, source, room, kind, assigned';
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

function main(): void {
  const argv = process.argv.slice(2);
  const modeAt = argv.indexOf('--mode');
  const mode = modeAt >= 0 ? argv[modeAt + 1] : 'four';
  if (mode !== 'four' && mode !== 'row' && mode !== 'json') throw new Error('--mode must be four, row or json');
  const batch = positiveInteger(argv, '--batch', 1400);
  const total = positiveInteger(argv, '--rows', 140_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-insert-cost-'));
  const db = new Database(path.join(dir, 'hub.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -2000');
    db.pragma('wal_autocheckpoint = 0');
    db.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, home_id TEXT NOT NULL, device_id TEXT NOT NULL,
      type TEXT NOT NULL, value TEXT NOT NULL, ts INTEGER NOT NULL, received_at INTEGER NOT NULL, source TEXT NOT NULL,
      room TEXT, kind TEXT, assigned INTEGER NOT NULL);
      CREATE INDEX events_home_ts ON events (home_id, ts);`);
    const sample: Row[] = Array.from({ length: 4000 }, (_, i) => ({
      homeId: `h${((i * 7) % 200) + 1}`,
      deviceId: `dev-${i % 19}`,
      type: i % 2 ? 'motion' : 'temperature',
      value: i % 2 ? 'true' : '20.5',
      ts: 1_767_600_000_000 + i * 10,
      source: 'mqtt',
      room: i % 2 ? 'kitchen' : null,
      kind: i % 2 ? 'motion' : 'climate',
      assigned: 1,
    }));
    const one = db.prepare(`INSERT INTO events (${COLUMNS}) VALUES ${ROW}`);
    const four = db.prepare(`INSERT INTO events (${COLUMNS}) VALUES ${ROW}, ${ROW}, ${ROW}, ${ROW}`);
    const json = db.prepare(
      `INSERT INTO events (${COLUMNS}) SELECT @id + key, value->>0, value->>1, value->>2, value->>3, value->>4, @at,
       value->>5, value->>6, value->>7, value->>8 FROM json_each(@rows)`,
    );
    const single = (r: Row, id: number, at: number): void => {
      one.run(id, r.homeId, r.deviceId, r.type, r.value, r.ts, at, r.source, r.room, r.kind, r.assigned);
    };
    const write = db.transaction((rows: Row[], firstId: number, at: number) => {
      let i = 0;
      if (mode === 'json') {
        const values = rows.map((r) => [r.homeId, r.deviceId, r.type, r.value, r.ts, r.source, r.room, r.kind, 1]);
        json.run({ id: firstId, at, rows: JSON.stringify(values) });
        return;
      }
      if (mode === 'four')
        for (; i + 4 <= rows.length; i += 4) {
          const [a, b, c, d] = [rows[i]!, rows[i + 1]!, rows[i + 2]!, rows[i + 3]!];
          const id = firstId + i;
          // Each value its own argument, as the store binds them.
          four.run(
            id,
            a.homeId,
            a.deviceId,
            a.type,
            a.value,
            a.ts,
            at,
            a.source,
            a.room,
            a.kind,
            a.assigned,
            id + 1,
            b.homeId,
            b.deviceId,
            b.type,
            b.value,
            b.ts,
            at,
            b.source,
            b.room,
            b.kind,
            b.assigned,
            id + 2,
            c.homeId,
            c.deviceId,
            c.type,
            c.value,
            c.ts,
            at,
            c.source,
            c.room,
            c.kind,
            c.assigned,
            id + 3,
            d.homeId,
            d.deviceId,
            d.type,
            d.value,
            d.ts,
            at,
            d.source,
            d.room,
            d.kind,
            d.assigned,
          );
        }
      for (; i < rows.length; i++) single(rows[i]!, firstId + i, at);
    });
    let id = 1;
    let k = 0;
    const cpu0 = process.cpuUsage();
    while (id <= total) {
      const rows: Row[] = [];
      for (let j = 0; j < batch; j++) rows.push(sample[k++ % sample.length]!);
      write(rows, id, Date.now());
      id += batch;
    }
    const cpu = process.cpuUsage(cpu0);
    const stored = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    console.log(
      JSON.stringify({
        mode,
        batch,
        rows: stored,
        cpuUsPerRow: (cpu.user + cpu.system) / stored,
        load: os.loadavg()[0],
      }),
    );
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
