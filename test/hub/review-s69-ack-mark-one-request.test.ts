// Session 69 review: the acknowledged-events mark (hub/ack-watermark.ts), written after every acknowledged batch,
// beside every press, took two requests to libuv's thread pool per mark (its write, then its fdatasync): two wake-ups
// of a pool thread and two completions on the hub's event loop. Its file is now opened with O_DSYNC, so the write
// returns once the mark is on disk: one request per mark, the same durability. Counted, not timed: the libuv file
// requests made (async_hooks FSREQCALLBACK) while the marks are written, a real file in a temp folder.
import { createHook } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AckWatermark } from '../../hub/ack-watermark.js';
import { tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('ack-mark-s69');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The file requests libuv's pool is given while `work` runs (and what it awaits). */
async function fileRequestsDuring(work: () => Promise<void>): Promise<number> {
  let requests = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'FSREQCALLBACK') requests++;
    },
  });
  hook.enable();
  try {
    await work();
  } finally {
    hook.disable();
  }
  return requests;
}

/** The flags the mark's open descriptor has (Linux /proc/self/fdinfo), found by its path; undefined elsewhere. */
function openFlagsOf(file: string): number | undefined {
  try {
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      let target = '';
      try {
        target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        continue;
      }
      if (target !== file) continue;
      const flags = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      return flags ? Number.parseInt(flags[1]!, 8) : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

describe('acknowledged-events mark: one pool request per mark written (session 69)', () => {
  it('writes each mark durably in one file request, not a write and an fdatasync', async () => {
    const file = path.join(fs.realpathSync(dir), 'hub.db.acked');
    const errors: unknown[] = [];
    const mark = new AckWatermark(file, (err) => errors.push(err));
    mark.check(0);
    // The first mark opens the file (one request of its own); the marks after it are what every batch costs.
    await mark.advance(1);
    const marks = 20;
    const requests = await fileRequestsDuring(async () => {
      for (let id = 2; id < 2 + marks; id++) {
        await mark.advance(id);
        // Each acknowledgement is let go with its mark on disk.
        expect(Number.parseInt(fs.readFileSync(file, 'utf8'), 10)).toBe(id);
      }
    });
    expect(requests / marks).toBe(1);
    if (process.platform === 'linux') {
      const flags = openFlagsOf(file);
      expect(flags).toBeDefined();
      // The same durability as a write and fdatasync: synchronised data writes on the descriptor.
      expect(flags! & fs.constants.O_DSYNC).toBe(fs.constants.O_DSYNC);
    }
    await mark.close();
    expect(errors).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe(String(1 + marks).padEnd(20));
  });
});
