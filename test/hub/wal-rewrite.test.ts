// The WAL written again after a failed fsync (hub/wal-rewrite.ts): SQLite's checksum chain followed over a real log of
// many chunks, the same bytes written back, and a broken chain refused when the log is known to go further.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWalAgain } from '../../hub/wal-rewrite.js';
import { tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('wal-rewrite');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A database whose WAL holds `commits` commits of about 10 pages each, never checkpointed. */
function walWithCommits(commits: number): { db: Database.Database; wal: string } {
  const file = path.join(dir, 'x.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < commits; i++) insert.run(Buffer.alloc(40_000, i));
  return { db, wal: `${file}-wal` };
}

describe('writeWalAgain', () => {
  it('follows the whole chain of a log of many chunks and writes the same bytes back', () => {
    const { db, wal } = walWithCommits(60);
    try {
      const before = fs.readFileSync(wal);
      // The log is the whole file here (no reserve, never started again): every frame a commit's or before one.
      expect(before.length).toBeGreaterThan(256 * 4120);
      const fd = fs.openSync(wal, 'r+');
      try {
        expect(writeWalAgain(fd, before.length)).toBe(before.length);
      } finally {
        fs.closeSync(fd);
      }
      expect(fs.readFileSync(wal).equals(before)).toBe(true);
      expect((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(60);
    } finally {
      db.close();
    }
  });

  it('refuses a chain that breaks before the log ends, and reports an unbroken shorter one when the end is unknown', () => {
    const { db, wal } = walWithCommits(60);
    try {
      const length = fs.statSync(wal).size;
      const frame = 24 + (db.pragma('page_size', { simple: true }) as number);
      const broken = 32 + 300 * frame + 100;
      const fd = fs.openSync(wal, 'r+');
      try {
        const byte = Buffer.alloc(1);
        fs.readSync(fd, byte, 0, 1, broken);
        fs.writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, broken);
        expect(() => writeWalAgain(fd, length)).toThrow(/checksum chain ends at byte \d+ of \d+/);
        const end = writeWalAgain(fd, undefined);
        expect(end).toBeGreaterThan(32);
        expect(end).toBeLessThanOrEqual(32 + 300 * frame);
      } finally {
        fs.closeSync(fd);
      }
    } finally {
      db.close();
    }
  });
});
