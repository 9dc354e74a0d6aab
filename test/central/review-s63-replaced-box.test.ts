// Review, session 63: a home whose box was replaced was counted twice in the council report. A box replaced by a new
// one (a Pi 3 swapped for a Pi 5, a broken SD card) gets another HUB_ID (a retired id is never given again, session 61)
// and sends the same homes' days under the same pseudonyms (HMAC of the home id under the council's key). The report
// counts a home per hub and pseudonym, since a home id is only unique in its hub (two single-home hubs both call
// theirs "h1"): the replaced homes were counted once under each box in any period spanning the swap, and a day both
// boxes sent (the day of the swap) twice. Now `telecare central hub remove <old> --replaced-by <new>` records which hub
// took the old one's place, and the report counts the old box's homes and days under the new one.
//
// Real PostgreSQL; the retirement through the command as an installer runs it (on a cluster layout in a temp folder, no
// NATS node running); the report through `councilReport`, what `GET /api/reports/council` answers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { councilReport } from '../../central/console/report.js';
import { createLayout } from '../../central/nats-cluster.js';
import { cliPath, tempDir } from '../hub/helpers.js';
import { missingForConsole, startConsoleEnv, storeDays, storeHub, type ConsoleEnv } from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the replaced-box council report test: ${missing}`);

const HOMES = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'].map((p) => `${p}0000000000000`);

describe.skipIf(missing !== undefined)('review s63: the council report after boxes are replaced', () => {
  let env: ConsoleEnv;
  const clusterDir = tempDir('central-s63-replaced');

  beforeAll(async () => {
    env = await startConsoleEnv();
    await createLayout({ dir: clusterDir, bcryptCost: 4 });
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
    fs.rmSync(clusterDir, { recursive: true, force: true });
  });

  const sendDays = (hubId: string, days: string[]): Promise<void> => storeDays(env.pool, hubId, HOMES, days);

  it('counts a home whose box was replaced once, and a day both boxes sent once; other hubs’ homes as before', async () => {
    // Eight flats of a scheme: the old box Monday to Wednesday 8 July 2026, the new one from Wednesday (the swap day).
    await sendDays('scheme-old', ['2026-07-06', '2026-07-07', '2026-07-08']);
    await sendDays('scheme-new', ['2026-07-08', '2026-07-09', '2026-07-10', '2026-07-11', '2026-07-12']);
    // Eight homes of other hubs whose ids happen to give the same pseudonyms (each hub calls its home "h1"): theirs.
    await sendDays('house-hub', [
      '2026-07-06',
      '2026-07-07',
      '2026-07-08',
      '2026-07-09',
      '2026-07-10',
      '2026-07-11',
      '2026-07-12',
    ]);
    for (const hubId of ['scheme-old', 'scheme-new', 'house-hub']) {
      await storeHub(env.pool, hubId, { status: 'online', lastSeenAt: new Date('2026-07-12T10:00:00Z') });
    }

    const removed = spawnSync(
      process.execPath,
      [
        cliPath,
        ...['central', 'hub', 'remove', 'scheme-old', '--by', 'installer-ian', '--replaced-by', 'scheme-new'],
        ...['--cluster-dir', clusterDir, '--database', env.postgres.url],
      ],
      { encoding: 'utf8' },
    );
    expect(removed.stderr).toBe('');
    expect(removed.status).toBe(0);
    expect(removed.stdout).toMatch(/Replaced by scheme-new/);

    const report = await councilReport(env.pool, {
      from: '2026-07-06',
      to: '2026-07-12',
      now: Date.UTC(2026, 7, 1),
    });
    // 16 homes (8 flats, 8 houses: 15 published), 112 home-days (105: rounded to 35 a week since session 70); before:
    // 24 (25) and 120 (105 too: the homes tell it).
    expect(report.total.homesMonitored).toBe(15);
    expect(report.total.homeDays).toBe(105);
  }, 120_000);
});
