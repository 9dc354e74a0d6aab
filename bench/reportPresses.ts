// Pendant press → alert while the hub computes a council report (review, session 72): the hub (this build's, as
// `npm start` runs it) on a copy of `bench/reportCost.ts build`'s database, `--presses` presses quiet, then as many
// while an admin asks `GET /api/reports/prevention` for `from..to` again and again (one request at a time).
//   node dist/bench/reportPresses.js <built dir> <from> <to> [--presses 40]
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseHubConfig } from '../hub/config.js';
import { systemClock } from '../hub/clock.js';
import { preparePrivateDataDir } from '../hub/private-files.js';
import { EventStore, openHubDatabase } from '../hub/store.js';
import { RulesEngine } from '../rules/engine.js';
import { PRESS_PENDANT_ID, pressSequence } from './configs.js';
import { procStatusBytes, spawnHub } from './hubProcess.js';
import { measurePresses, type PressPlan } from './latency.js';
import { summarise } from './stats.js';

async function main(args: string[]): Promise<void> {
  const [built, from, to] = args;
  if (!built || !from || !to) throw new Error('usage: reportPresses <built dir> <from> <to> [--presses N]');
  const i = args.indexOf('--presses');
  const presses = Number(i >= 0 ? args[i + 1] : 40);
  const raw = JSON.parse(fs.readFileSync(path.join(built, 'telecare.config.json'), 'utf8')) as { homes: unknown[] };
  const config = parseHubConfig(raw);
  // The routine review held off (an hour): its own load is measured elsewhere (`bench --only review`).
  const hub = await spawnHub(raw, 'report', { HUB_FIRST_REVIEW_AFTER_S: '3600' }, (dataDir) => {
    const file = preparePrivateDataDir(dataDir);
    fs.copyFileSync(path.join(built, 'hub.db'), file);
    // The rules start as a hub that was running: every stored event counted as seen (nothing re-fed).
    const copy = new Database(file);
    const { lastId } = copy.prepare('SELECT max(id) AS lastId FROM events').get() as { lastId: number };
    copy.close();
    const db = openHubDatabase(file);
    const store = new EventStore(db, systemClock, undefined, { syncOffLoop: false });
    store.saveRuleState('rules-engine', new RulesEngine(config.homes).exportState(), lastId);
    store.close();
    db.close();
    return Promise.resolve();
  });
  try {
    const plan: PressPlan = {
      mqttUrl: hub.mqttUrl,
      homeIds: pressSequence(config.homes.length, presses),
      pendantId: PRESS_PENDANT_ID,
      // Presses spread over several reports (a report of the whole year took 0.7 to 10 s), at random points of each.
      gapMs: [200, 800],
      timeoutMs: 60_000,
      afterAlert: async (_homeId, alertId) => {
        const res = await hub.api('POST', `/api/alerts/${encodeURIComponent(alertId)}/resolve`, {
          outcome: 'false-alarm',
          note: 'bench',
        });
        if (!res.ok) throw new Error(`resolving alert ${alertId} failed (${res.status})`);
      },
    };
    const quiet = await measurePresses(plan);
    let reports = 0;
    let reportMs = 0;
    let running = true;
    const asking = (async () => {
      // The measuring client connects first (a report of ten seconds on the loop outlasts its CONNACK timeout).
      await new Promise((resolve) => setTimeout(resolve, 300));
      while (running) {
        const t = performance.now();
        const res = await hub.api('GET', `/api/reports/prevention?from=${from}&to=${to}`);
        await res.text();
        if (!res.ok) throw new Error(`report failed (${res.status})`);
        reportMs += performance.now() - t;
        reports++;
      }
    })();
    const loaded = await measurePresses(plan);
    running = false;
    await asking;
    const line = (name: string, run: typeof quiet): string => {
      const s = summarise(run.samplesMs);
      return `${name}: p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${Math.max(...run.samplesMs).toFixed(1)} ms, lost ${run.lost}`;
    };
    console.log(line('quiet', quiet));
    console.log(line(`during reports of ${from}..${to}`, loaded));
    console.log(`hub peak RSS (VmHWM): ${((procStatusBytes(hub.pid, 'VmHWM') ?? NaN) / 1e6).toFixed(0)} MB`);
    console.log(
      `reports answered during the presses: ${reports}, mean ${(reportMs / Math.max(1, reports)).toFixed(0)} ms`,
    );
  } finally {
    await hub.stop();
  }
}

await main(process.argv.slice(2));
