// `telecare bench --quick --json` runs end to end and reports every figure (whether or not it meets its target).
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(projectRoot, 'dist/bin/telecare.js');

interface JsonFigure {
  key: string;
  section: string;
  value: number | null;
  unit: string;
  result: 'PASS' | 'MISS' | 'info' | 'n/a';
  target?: { op: string; value: number };
  note?: string;
}

/** Processes whose environment carries `marker` (inherited by everything the bench spawned). */
function processesWithMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

describe('telecare bench --quick --json', () => {
  it('measures every figure of SPEC 11 with its target, and leaves no process or temp folder behind', { timeout: 240_000 }, async () => {
    const marker = `TELECARE_BENCH_TEST=${crypto.randomUUID()}`;
    const [key, value] = marker.split('=') as [string, string];
    const tmpBefore = new Set(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('telecare-bench-')));
    const { stdout } = await run(process.execPath, [cli, 'bench', '--quick', '--json'], {
      env: { ...process.env, [key]: value },
      maxBuffer: 10 * 1024 * 1024,
    });
    const result = JSON.parse(stdout) as { quick: boolean; figures: JsonFigure[]; machine: { cpus: number } };
    expect(result.quick).toBe(true);
    const byKey = new Map(result.figures.map((f) => [f.key, f]));

    const measured = [
      'latency.hub.quiet', 'latency.hub.loaded', 'latency.raw.quiet', 'latency.raw.loaded',
      'latency.ratio.quiet', 'latency.ratio.loaded',
      'ingest.rate', 'ingest.lag',
      'replay.home', 'replay.scheme', 'replay.home.ndjson',
      'memory.home.rss.idle', 'memory.home.rss.load', 'memory.scheme.rss.idle', 'memory.scheme.rss.load',
      'startup.home', 'startup.scheme',
      'fall.cost', 'fall.scheme',
    ];
    for (const k of measured) {
      const f = byKey.get(k);
      expect(f, k).toBeDefined();
      // Every part exists now: a figure that could not be measured ("n/a") is a failure here.
      expect(f!.note, k).toBeUndefined();
      expect(typeof f!.value, k).toBe('number');
    }
    // Every figure with a SPEC 11 target carries a verdict that matches its value.
    for (const f of result.figures.filter((x) => x.target && x.value !== null)) {
      const pass = f.target!.op === '<=' ? f.value! <= f.target!.value : f.value! >= f.target!.value;
      expect(f.result, f.key).toBe(pass ? 'PASS' : 'MISS');
    }
    expect(byKey.get('latency.hub.quiet')!.target).toEqual({ op: '<=', value: 10 });
    expect(byKey.get('ingest.rate')!.target).toEqual({ op: '>=', value: 20_000 });
    expect(byKey.get('memory.scheme.rss.idle')!.target).toEqual({ op: '<=', value: 150 });

    expect(processesWithMarker(marker)).toEqual([]);
    const tmpAfter = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('telecare-bench-') && !tmpBefore.has(n));
    expect(tmpAfter).toEqual([]);
  });
});
