// A room's learned-normal context ("room:<name>") is one string for every device of every home, not one per device
// (docs/performance.md, "Memory at 1,000 homes (session 34)"): counted in a heap snapshot of a child process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { roomContextOf } from '../../rules/home-state.js';

const root = path.resolve(import.meta.dirname, '..', '..');
let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('room contexts', () => {
  it('are "room:<name>", the same for every call', () => {
    expect(roomContextOf('kitchen')).toBe('room:kitchen');
    expect(roomContextOf('a room with a long name, past any short-string limit')).toBe(
      'room:a room with a long name, past any short-string limit',
    );
    expect(roomContextOf('')).toBe('room:');
  });

  it("are held once per room name by an engine of 200 homes (a heap snapshot's strings)", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'room-context-'));
    const file = path.join(dir, 'engine.heapsnapshot');
    const script = `
      import v8 from 'node:v8';
      import { benchConfig } from ${JSON.stringify(path.join(root, 'dist/bench/configs.js'))};
      import { RulesEngine } from ${JSON.stringify(path.join(root, 'dist/rules/engine.js'))};
      const homes = benchConfig(200).homes;
      const engine = new RulesEngine(homes);
      globalThis.kept = engine;
      v8.writeHeapSnapshot(${JSON.stringify(file)});
      console.log(homes.flatMap((h) => h.devices).filter((d) => d.room === 'kitchen').length);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const kitchenDevices = Number(child.stdout.trim());
    expect(kitchenDevices).toBeGreaterThanOrEqual(200);
    const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
      nodes: number[];
      strings: string[];
    };
    const { node_fields: nf, node_types: nt } = snap.snapshot.meta;
    const [iType, iName] = [nf.indexOf('type'), nf.indexOf('name')];
    let copies = 0;
    for (let i = 0; i < snap.nodes.length; i += nf.length)
      if (
        (nt[0][snap.nodes[i + iType] ?? 0] ?? '').includes('string') &&
        snap.strings[snap.nodes[i + iName] ?? 0] === 'room:kitchen'
      )
        copies++;
    // One kept by the cache (and at most a literal or two elsewhere), not one per kitchen device.
    expect(copies).toBeGreaterThanOrEqual(1);
    expect(copies).toBeLessThanOrEqual(3);
  }, 60_000);
});
