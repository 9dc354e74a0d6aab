// The bench's account of a process's resident memory by part (bench/smaps.ts), on this test's own process.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryParts } from '../../bench/smaps.js';

function statusMb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

describe.runIf(process.platform === 'linux')('memoryParts', () => {
  it('splits the resident memory into parts that add up to VmRSS, the node binary and the V8 heap among them', () => {
    const parts = memoryParts(process.pid);
    expect(parts).not.toBeNull();
    const total = Object.values(parts ?? {}).reduce((a, b) => a + b, 0);
    const rss = statusMb('VmRSS');
    // Read a moment apart: within a few MB of each other.
    expect(Math.abs(total - rss)).toBeLessThan(Math.max(4, rss * 0.05));
    expect(parts?.['node binary']).toBeGreaterThan(10);
    expect(parts?.['V8 and other anonymous']).toBeGreaterThan(5);
    expect(parts?.['glibc main heap']).toBeGreaterThan(0);
  });

  it('is null for a process that does not exist', () => {
    expect(memoryParts(2 ** 22 + 1)).toBeNull();
  });
});
