// The acknowledged-events mark (hub/ack-watermark.ts): a batch's acknowledgement waits for the mark covering it on
// disk; marks asked for during a write share the next one; a failed write releases its waiters and the next batch
// writes again. A real file in a temp folder.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AckWatermark } from '../../hub/ack-watermark.js';
import { tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('ack-mark');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const markOnDisk = (file: string): number => Number.parseInt(fs.readFileSync(file, 'utf8'), 10);

describe('acknowledged-events mark', () => {
  it('resolves each batch only once a mark covering it is on disk, the marks asked meanwhile sharing a write', async () => {
    const file = path.join(dir, 'hub.db.acked');
    const errors: unknown[] = [];
    const mark = new AckWatermark(file, (err) => errors.push(err));
    expect(mark.check(0)).toBeUndefined();
    const seen: [number, number][] = [];
    const batches = [3, 7, 12, 20, 21, 40].map((lastId) =>
      mark.advance(lastId).then(() => seen.push([lastId, markOnDisk(file)])),
    );
    await Promise.all(batches);
    // Every batch saw a mark at or beyond its last event on disk when its acknowledgement was let go.
    for (const [lastId, onDisk] of seen) expect(onDisk).toBeGreaterThanOrEqual(lastId);
    expect(seen.map(([lastId]) => lastId)).toEqual([3, 7, 12, 20, 21, 40]);
    expect(mark.durableUpTo).toBe(40);
    // Fixed width, the newest mark.
    expect(fs.readFileSync(file, 'utf8')).toBe('40'.padEnd(20));
    // Already covered: at once.
    await mark.advance(39);
    // One more after a pause, then closed: the file keeps it, and a restart reads it.
    await mark.advance(41);
    await mark.close();
    expect(errors).toEqual([]);
    const again = new AckWatermark(file, (err) => errors.push(err));
    expect(again.check(30)).toEqual({ acknowledgedUpTo: 41, storedUpTo: 30 });
  });

  it('close waits for the write under way', async () => {
    const file = path.join(dir, 'hub.db.acked');
    const mark = new AckWatermark(file, () => undefined);
    mark.check(0);
    const done = mark.advance(5);
    await mark.close();
    expect(markOnDisk(file)).toBe(5);
    await done;
  });

  it('a failed write is reported and releases its batches; the next batch writes the mark again', async () => {
    const file = path.join(dir, 'hub.db.acked');
    const errors: unknown[] = [];
    const mark = new AckWatermark(file, (err) => errors.push(err));
    mark.check(0);
    fs.rmSync(file);
    // The mark's path taken by a folder: it cannot be opened for writing.
    fs.mkdirSync(file);
    await Promise.all([mark.advance(4), mark.advance(6)]);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('EISDIR');
    expect(mark.durableUpTo).toBe(0);
    fs.rmdirSync(file);
    await mark.advance(9);
    expect(markOnDisk(file)).toBe(9);
    expect(mark.durableUpTo).toBe(9);
    await mark.close();
  });
});
