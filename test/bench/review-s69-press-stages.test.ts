// Session 69 review: the opt-in stage marks of a press (hub/press-stages.ts, TELECARE_PRESS_STAGES) through the real
// hub. A `telecare hub` process (test/hub/helpers.ts spawnHub, three of the bench's homes), pressed by the bench's
// measuring client (bench/latency.ts measurePresses, each alert resolved through the API); the hub's marks and the
// client's, joined by bench/pressStages.ts: every press found in the hub's marks, with each stage in path order inside
// the press's window, and the hub's scheduler account read around it. Without the variable the hub writes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchConfig, PRESS_PENDANT_ID } from '../../bench/configs.js';
import { measurePresses } from '../../bench/latency.js';
import { pressStages, runWindows, SEGMENTS } from '../../bench/pressStages.js';
import { PRESS_STAGES, type PressStageRecord } from '../../hub/press-stages.js';
import { adminCookie, killHub, spawnHub, tempDir, writeConfig, type HubProcess } from '../hub/helpers.js';

let dir: string;
let hub: HubProcess | undefined;
beforeEach(() => {
  dir = tempDir('press-stages');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const HOMES = ['h1', 'h2', 'h3', 'h1', 'h2', 'h3'];

async function startHub(env: Record<string, string> = {}): Promise<HubProcess> {
  return spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, benchConfig(3)), ...env });
}

/** A graceful stop (SIGTERM): the hub writes its marks as it exits. */
async function stopHub(h: HubProcess): Promise<void> {
  h.child.kill('SIGTERM');
  expect(await h.exited).toBe(0);
}

async function press(h: HubProcess, stagesFile?: string): Promise<void> {
  const cookie = await adminCookie(h.httpPort);
  const run = await measurePresses({
    mqttUrl: `mqtt://127.0.0.1:${h.mqttPort}`,
    homeIds: HOMES,
    pendantId: PRESS_PENDANT_ID,
    gapMs: [1, 5],
    timeoutMs: 5000,
    afterAlert: async (_home, alertId) => {
      const res = await fetch(`http://127.0.0.1:${h.httpPort}/api/alerts/${encodeURIComponent(alertId)}/resolve`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'false-alarm', note: 'test' }),
      });
      expect(res.ok).toBe(true);
    },
    ...(stagesFile && h.child.pid !== undefined ? { stagesFile, stagesPid: h.child.pid } : {}),
  });
  expect(run.lost).toBe(0);
}

describe('press stage marks through the real hub (TELECARE_PRESS_STAGES)', () => {
  it("marks each press's stages in path order inside its window, joined with the measuring client's marks", async () => {
    const file = path.join(dir, 'stages.jsonl');
    const h = (hub = await startHub({ TELECARE_PRESS_STAGES: file }));
    const pid = h.child.pid;
    await press(h, file);
    await stopHub(h);
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Partial<PressStageRecord> & { press?: unknown; gc?: unknown });
    const hubPresses = lines.filter((l) => l.ns !== undefined) as PressStageRecord[];
    // Only the publications that raised and published an alert: the six presses, none of the resolutions.
    expect(hubPresses).toHaveLength(HOMES.length);
    for (const r of hubPresses) {
      expect(r.pid).toBe(pid);
      expect(r.topic).toMatch(new RegExp(`^telecare/h[123]/devices/${PRESS_PENDANT_ID}/events$`));
      const ns = PRESS_STAGES.map((s) => BigInt(r.ns[s]));
      for (const [i, v] of ns.entries()) {
        expect(v, PRESS_STAGES[i]).toBeGreaterThan(0n);
        if (i > 0) expect(v >= ns[i - 1]!, `${PRESS_STAGES[i - 1]} ≤ ${PRESS_STAGES[i]}`).toBe(true);
      }
      if (process.platform === 'linux') expect(r.schedAtParsed && r.schedAtWritten).toBeTruthy();
    }
    expect(lines.filter((l) => l.press !== undefined)).toHaveLength(HOMES.length);

    const [run, ...others] = pressStages(fs.readFileSync(file, 'utf8'));
    expect(others).toEqual([]);
    expect(run).toMatchObject({ hubPid: pid, presses: HOMES.length, unmatched: 0 });
    // Each segment of the press's window measured; before the read and after the write are not negative at p50.
    for (const s of SEGMENTS) expect(run!.p50Us[s], s).toBeTypeOf('number');
    expect(run!.p50Us['pressed→read']).toBeGreaterThan(0);
    expect(run!.slowest.presses).toBeGreaterThanOrEqual(1);
    if (process.platform === 'linux') {
      const [windows] = runWindows(fs.readFileSync(file, 'utf8'));
      expect(windows).toMatchObject({ pid, presses: HOMES.length });
      // The hub's main thread ran for each press (its read, parse, rules, alert and publish).
      expect(windows!.windowRunUs.p50).toBeGreaterThan(0);
    }
  }, 60_000);

  it('writes nothing without the variable', async () => {
    const file = path.join(dir, 'stages.jsonl');
    const h = (hub = await startHub());
    await press(h);
    await stopHub(h);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['data', 'telecare.config.json']);
  }, 60_000);
});
