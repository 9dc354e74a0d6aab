// npm start's node flags, as a hub is installed: V8's local time from the system's zone files, not ICU's data
// (`--no-icu-timezone-data`: 0.9 MB of the node binary's pages; docs/performance.md, session 28).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hubLaunch } from '../../bench/hubProcess.js';
import { projectRoot } from './helpers.js';

const run = promisify(execFile);

function startFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return hubLaunch(pkg.scripts.start, undefined).flags;
}

/** ICU's data inside the node binary: its address and size from the binary's symbols (null without `nm`). */
async function icuDataRange(): Promise<{ start: number; size: number } | null> {
  try {
    const { stdout } = await run('nm', ['-S', '--defined-only', process.execPath], { maxBuffer: 256 * 1024 * 1024 });
    const m = /^([0-9a-f]+) ([0-9a-f]+) R icudt\d+_dat$/m.exec(stdout);
    return m ? { start: parseInt(m[1] ?? '', 16), size: parseInt(m[2] ?? '', 16) } : null;
  } catch {
    return null;
  }
}

// In a node with the given flags: pages of ICU's data this process has mapped before and after a Date's local fields
// are read (its own /proc/self/pagemap, the binary mapped at its link address), and the local hours of two instants.
const probe = (icu: { start: number; size: number }): string => `
  const fs = require('fs');
  const icuPages = () => {
    const fd = fs.openSync('/proc/self/pagemap', 'r');
    const first = Math.floor(${icu.start} / 4096), pages = Math.ceil(${icu.size} / 4096);
    const buf = Buffer.alloc(pages * 8);
    fs.readSync(fd, buf, 0, buf.length, first * 8);
    fs.closeSync(fd);
    let n = 0;
    for (let k = 0; k < pages; k++) if (buf.readBigUInt64LE(k * 8) >> 63n) n++;
    return n;
  };
  const before = icuPages();
  const summer = new Date('2026-07-01T12:00:00Z'), winter = new Date('2026-01-15T12:00:00Z');
  const hours = [summer.getHours(), winter.getHours(), summer.getMinutes()];
  const text = String(summer);
  console.log(JSON.stringify({ before, after: icuPages(), hours, text }));`;

describe("npm start's flags", () => {
  it.runIf(process.platform === 'linux')(
    "read a Date's local time from the system's zone files: none of ICU's data is touched, and the hours are right",
    async () => {
      const icu = await icuDataRange();
      if (icu === null) throw new Error('nm (binutils) is needed to find ICU data in the node binary');
      const flags = startFlags();
      const local = async (tz: string): Promise<{ before: number; after: number; hours: number[]; text: string }> =>
        JSON.parse(
          (await run(process.execPath, [...flags, '-e', probe(icu)], { env: { ...process.env, TZ: tz } })).stdout,
        ) as { before: number; after: number; hours: number[]; text: string };

      const london = await local('Europe/London');
      expect(london.after).toBe(london.before);
      expect(london.hours).toEqual([13, 12, 0]);
      expect(london.text).toMatch(/GMT\+0100/);
      const kolkata = await local('Asia/Kolkata');
      expect(kolkata.after).toBe(kolkata.before);
      expect(kolkata.hours).toEqual([17, 17, 30]);
    },
  );
});
