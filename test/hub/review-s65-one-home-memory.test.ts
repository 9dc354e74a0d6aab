// Session 65 review: one home's hub under SPEC 11's 60 MB with margin under load (docs/performance.md, "Session 65").
// `npm start` runs the hub with MALLOC_ARENA_MAX=1 (every thread's malloc in glibc's main arena, which the hub's
// minute trim gives back; per-thread arenas held 4–6 MB of a loaded flat's peak) and --max-old-space-size=256 (V8 then
// collects a small old space after 2 MB of growth, not 8 MB).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hubLaunch } from '../../bench/hubProcess.js';
import { memoryParts } from '../../bench/smaps.js';
import {
  adminGet,
  killHub,
  mqttClient,
  pendantAlert,
  projectRoot,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

const run = promisify(execFile);

function startLaunch(): { flags: string[]; env: Record<string, string> } {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return hubLaunch(pkg.scripts.start, undefined);
}

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s65-memory');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("one home's hub as npm start runs it (session 65)", () => {
  it.skipIf(process.platform !== 'linux')(
    "keeps every thread's memory in glibc's main arena through logins and a burst of events, and raises an alert",
    async () => {
      const { flags, env } = startLaunch();
      hub = await spawnHub(
        { ...env, HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) },
        60_000,
        undefined,
        flags,
      );
      // A login (its password hash on a thread of its own) and /metrics, then 2,000 QoS 1 motion reports at once
      // (the store, the checkpoint thread, V8's compiler and collector threads at work).
      expect((await adminGet(hub.httpPort, '/metrics')).status).toBe(200);
      const sensor = await mqttClient(hub.mqttPort);
      try {
        await Promise.all(
          Array.from({ length: 2_000 }, (_, i) =>
            sensor.publishAsync(
              `telecare/h1/devices/${i % 2 === 0 ? 'hall-pir' : 'kitchen-pir'}/events`,
              '{"type":"motion","value":true}',
              { qos: 1 },
            ),
          ),
        );
      } finally {
        await sensor.endAsync();
      }
      expect((await adminGet(hub.httpPort, '/api/health')).status).toBe(200);
      expect(await pendantAlert(hub.mqttPort)).toMatchObject({ kind: 'pendant' });
      expect(fs.readdirSync(`/proc/${hub.child.pid}/task`).length).toBeGreaterThan(1);
      const parts = memoryParts(hub.child.pid!);
      expect(parts).not.toBeNull();
      expect(parts!['glibc main heap']).toBeGreaterThan(0);
      // Before session 65: 2–6 MB in per-thread arenas here.
      expect(parts!['glibc thread arenas']).toBe(0);
      expect(hub.child.exitCode).toBeNull();
    },
    120_000,
  );

  it("caps V8's old space at 256 MB, so that a small heap is collected after 2 MB of growth", async () => {
    const limit = async (flags: string[]): Promise<number> =>
      Number(
        (await run(process.execPath, [...flags, '-p', 'require("v8").getHeapStatistics().heap_size_limit'])).stdout,
      );
    const { flags } = startLaunch();
    const installed = await limit(flags);
    // The heap limit is the old space's plus the young generation's (a few MB with npm start's 2 MB semi-spaces).
    expect(installed / 1024 / 1024).toBeGreaterThanOrEqual(256);
    expect(installed / 1024 / 1024).toBeLessThan(256 + 16);
  });
});
