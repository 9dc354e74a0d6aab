// bench/memoryAccount.ts's heap snapshot account (`--live-heap`): a real snapshot of a child node process that holds
// one module's source, read back as live heap by kind and source text by file.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { heapSnapshotAccount } from '../../bench/memoryAccount.js';

const run = promisify(execFile);
let dir: string | undefined;

afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the heap snapshot account', () => {
  it("sums a real snapshot's live heap by kind and names the scripts whose source it holds", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-test-'));
    // A module with 200 kB of source text (a comment), loaded and kept by the child when it writes its snapshot.
    const held = path.join(dir, 'held-module.mjs');
    fs.writeFileSync(held, `// ${'x'.repeat(200_000)}\nexport const kept = () => 1;\n`);
    const snapshotFile = path.join(dir, 'child.heapsnapshot');
    await run(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(`file://${held}`)}); globalThis.keep = m;
       (await import('node:v8')).writeHeapSnapshot(${JSON.stringify(snapshotFile)});`,
    ]);
    const { kinds, sources } = heapSnapshotAccount(JSON.parse(fs.readFileSync(snapshotFile, 'utf8')));
    const total = [...kinds.values()].reduce((sum, mb) => sum + mb, 0);
    expect(total).toBeGreaterThan(1);
    expect(kinds.get('code') ?? 0).toBeGreaterThan(0);
    expect(kinds.get('string') ?? 0).toBeGreaterThan(0.19);
    const heldSource = [...sources].find(([name]) => name.endsWith('held-module.mjs'));
    expect(heldSource?.[1]).toBeGreaterThan(0.19);
    expect(heldSource?.[1]).toBeLessThan(0.3);
  });
});
