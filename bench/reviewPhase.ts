// The bench's routine-review phase: pendant → alert while the review runs over 200 flats with weeks of history.
import path from 'node:path';
import Database from 'better-sqlite3';
import { preparePrivateDataDir } from '../hub/private-files.js';
import { startBadLoginProcess } from './badLoginProcess.js';
import { benchConfig, PRESS_PENDANT_ID, pressSequence } from './configs.js';
import type { Figure } from './figures.js';
import { writeHistory, type HistorySummary } from './history.js';
import { spawnHub, type HubHandle } from './hubProcess.js';
import { measurePresses, type PressPlan, type PressRun } from './latency.js';
import type { PhaseContext } from './phases.js';
import { latencyFigures, pressesFor, ratioFigure } from './phases.js';

const REVIEW_FLATS = 200;
const DASHBOARD_LOGINS_PER_S = 100;
// "No slower" than the quiet run of the same hub, within what one run on a shared machine repeats to.
const NO_SLOWER_RATIO = 1.5;
// The hub's first review round starts a minute after it starts (hub/routine-review.ts); a little margin.
const REVIEW_START_WAIT_MS = 150_000;
/**
 * `--check`: the hub's first round 20 s after its start (HUB_FIRST_REVIEW_AFTER_S), not a minute: the quiet and the
 * logins runs before it take a few seconds (about 4 s after the hub answers, on a quiet 2-core machine), and what
 * the check run shows is that the part runs and measures, not its values. Whether the round had started before the
 * runs meant to be without it is in the conditions' detail ('reviewed before the review run').
 */
const CHECK_FIRST_REVIEW_AFTER_S = 20;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Homes the hub's routine review has marked reviewed so far (read-only connection), or null when unreadable. */
function reviewedHomes(hub: HubHandle): number | null {
  try {
    const db = new Database(path.join(hub.dataDir, 'data', 'hub.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(DISTINCT home_id) AS n FROM routine_reviews').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

/**
 * A hub of 200 flats whose database holds `days` days of each (60; quick 7), written before it starts: presses
 * quiet, while 100 wrong dashboard logins a second arrive, and while its first routine review computes the
 * features of those days (it starts a minute after the hub; 20 s with `--check`). Each alert is resolved through the
 * API, untimed.
 */
export async function reviewPhase(ctx: PhaseContext): Promise<Figure[]> {
  const days = ctx.quick ? 7 : 60;
  const presses = pressSequence(REVIEW_FLATS, pressesFor(ctx));
  let history: HistorySummary | undefined;
  ctx.note(`review: writing ${days} days of ${REVIEW_FLATS} flats into the hub's database`);
  const env: Record<string, string> = ctx.check ? { HUB_FIRST_REVIEW_AFTER_S: String(CHECK_FIRST_REVIEW_AFTER_S) } : {};
  const hub = await spawnHub(benchConfig(REVIEW_FLATS), 'review', env, async (hubDataDir) => {
    history = await writeHistory(preparePrivateDataDir(hubDataDir), REVIEW_FLATS, days, 31);
  });
  const runs: { quiet?: PressRun; logins?: PressRun; review?: PressRun } = {};
  const detail: Record<string, number> = {};
  try {
    const plan: PressPlan = {
      mqttUrl: hub.mqttUrl,
      homeIds: presses,
      pendantId: PRESS_PENDANT_ID,
      gapMs: [1, 5],
      timeoutMs: 5000,
      afterAlert: async (_homeId, alertId) => {
        const res = await hub.api('POST', `/api/alerts/${encodeURIComponent(alertId)}/resolve`, {
          outcome: 'false-alarm',
          note: 'bench',
        });
        if (!res.ok) throw new Error(`resolving alert ${alertId} failed (${res.status})`);
      },
    };
    ctx.note(`review: ${presses.length} presses, quiet`);
    runs.quiet = await measurePresses(plan);
    ctx.note(`review: ${presses.length} presses, ${DASHBOARD_LOGINS_PER_S} wrong dashboard logins/s`);
    // In a process of its own, as a guessing script is: its requests' work is not the measuring client's.
    const logins = await startBadLoginProcess('dashboard', hub.httpUrl, DASHBOARD_LOGINS_PER_S);
    try {
      await sleep(1000);
      const before = { t: performance.now(), n: logins.attempts() };
      runs.logins = await measurePresses(plan);
      detail['logins/s'] = ((logins.attempts() - before.n) / (performance.now() - before.t)) * 1000;
      detail['logins refused'] = logins.refused();
    } finally {
      await logins.stop();
    }
    detail['reviewed before the review run'] = reviewedHomes(hub) ?? NaN;
    ctx.note('review: waiting for the routine review to start');
    for (let waited = 0; (reviewedHomes(hub) ?? 0) === 0 && waited < REVIEW_START_WAIT_MS; waited += 200)
      await sleep(200);
    const reviewedAtStart = reviewedHomes(hub) ?? 0;
    if (reviewedAtStart > 0 && reviewedAtStart < REVIEW_FLATS) {
      ctx.note(`review: ${presses.length} presses while the routine review runs`);
      runs.review = await measurePresses(plan);
      const reviewedAtEnd = reviewedHomes(hub) ?? 0;
      detail['homes reviewed during the run'] = reviewedAtEnd - reviewedAtStart;
      detail['review still running at the end'] = reviewedAtEnd < REVIEW_FLATS ? 1 : 0;
    }
  } finally {
    await hub.stop();
  }
  return [
    {
      key: 'review.history',
      section: 'latency',
      label: `routine-review phase: history written before the hub started (${REVIEW_FLATS} flats × ${days} days)`,
      value: history?.events ?? null,
      unit: 'events',
      detail: { s: history?.seconds ?? NaN },
    },
    ...latencyFigures(
      'latency.review.quiet',
      `pendant → alert, hub with ${REVIEW_FLATS} flats × ${days} days stored, no other traffic`,
      runs.quiet,
      true,
    ),
    ...latencyFigures(
      'latency.review.logins',
      `pendant → alert, same hub, ${DASHBOARD_LOGINS_PER_S} wrong dashboard logins/s`,
      runs.logins,
      true,
    ),
    ...latencyFigures(
      'latency.review.running',
      `pendant → alert, same hub, while its routine review runs`,
      runs.review,
      true,
    ),
    {
      ...ratioFigure(
        'latency.review.ratio.logins',
        'p99 with dashboard logins / quiet p99, same hub',
        runs.logins,
        runs.quiet,
      ),
      target: { op: '<=', value: NO_SLOWER_RATIO },
    },
    {
      ...ratioFigure(
        'latency.review.ratio.review',
        'p99 while the review runs / quiet p99, same hub',
        runs.review,
        runs.quiet,
      ),
      target: { op: '<=', value: NO_SLOWER_RATIO },
    },
    {
      key: 'review.conditions',
      section: 'latency',
      label: 'routine-review phase: conditions achieved',
      value: detail['homes reviewed during the run'] ?? null,
      unit: 'homes reviewed during the run',
      detail,
      note: 'the review did not start, or had finished, in time',
    },
  ];
}
