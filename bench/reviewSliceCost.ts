// The routine review's work on the hub's loop per home, timed piece by piece on a history written first:
// `node dist/bench/reviewSliceCost.js [--flats N] [--repeat N]` prints JSON (medians over the flats, ms): the worker's
// answer's structured clone (serialised and parsed again here, as a message is), caching the days, marking the day
// reviewed, and the comparison with the baseline (`reviewDecisions`, first call and warm, repeated on the last flat).
// Since session 31 the review asks the thread for `ActivityWorker.review` (the fresh days' rows as JSON and the
// decisions made there): its answer's clone and caching its rows are timed too, on the same flats (the rows of the
// one written first are deleted, untimed, before the other is written, so both insert).
// The work per flat is the same whatever the number of flats (bench/history.ts copies the first flat's days).
import path from 'node:path';
import v8 from 'node:v8';
import { ActivityWorker } from '../analytics/offloop.js';
import { reviewDecisions, reviewWindow } from '../analytics/review.js';
import { cacheDayRows, cacheDays, markReviewed } from '../analytics/store.js';
import { parseHubConfig } from '../hub/config.js';
import { openHubDatabase } from '../hub/store.js';
import { makeTempDir, removeTempDir } from './children.js';
import { benchConfig } from './configs.js';
import { writeHistory } from './history.js';

const DAYS = 60;

function timed<T>(fn: () => T): [T, number] {
  const from = performance.now();
  const result = fn();
  return [result, performance.now() - from];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (name: string, fallback: number): number => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const flats = value('--flats', 6);
  const repeat = value('--repeat', 40);
  const dir = makeTempDir('telecare-review-cost-');
  try {
    const file = path.join(dir, 'hub.db');
    await writeHistory(file, flats, DAYS, 31);
    const config = parseHubConfig(benchConfig(flats));
    const db = openHubDatabase(file);
    const worker = new ActivityWorker(db, config);
    const rows: Record<string, number>[] = [];
    const warm: number[] = [];
    const now = Date.now();
    try {
      for (const home of config.homes) {
        const { date, from } = reviewWindow(db, home, now);
        // First (nothing cached yet, so the thread computes): the review's answer, and its rows cached.
        const answer = await worker.review(home.id, from, date, now);
        if (answer.cached !== undefined) throw new Error('expected the thread to compute the days');
        const [, reviewCloneMs] = timed(() => v8.deserialize(v8.serialize(answer)) as unknown);
        const [, cacheRowsMs] = timed(() => cacheDayRows(db, answer.rows, now));
        db.prepare('DELETE FROM daily_features WHERE home_id = ?').run(home.id);
        const plan = await worker.plan(home.id, from, date, now);
        const [, cloneMs] = timed(() => v8.deserialize(v8.serialize(plan)) as unknown);
        const [, cacheMs] = timed(() => cacheDays(db, plan.fresh, now));
        const [, markMs] = timed(() => markReviewed(db, home.id, date, now));
        const [, compareMs] = timed(() => reviewDecisions(home, plan.days, date, now));
        rows.push({ days: plan.days.length, cloneMs, cacheMs, markMs, compareMs, reviewCloneMs, cacheRowsMs });
        if (home === config.homes.at(-1))
          for (let r = 0; r < repeat; r++) warm.push(timed(() => reviewDecisions(home, plan.days, date, now))[1]);
      }
    } finally {
      await worker.stop();
      db.close();
    }
    const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
    const of = (key: string): number => Math.round(median(rows.map((r) => r[key] ?? NaN)) * 1000) / 1000;
    process.stdout.write(
      `${JSON.stringify({
        flats,
        days: of('days'),
        cloneMs: of('cloneMs'),
        cacheDaysMs: of('cacheMs'),
        markReviewedMs: of('markMs'),
        compareFirstMs: of('compareMs'),
        compareWarmMs: Math.round(median(warm) * 1000) / 1000,
        reviewAnswerCloneMs: of('reviewCloneMs'),
        cacheReviewRowsMs: of('cacheRowsMs'),
      })}\n`,
    );
  } finally {
    removeTempDir(dir);
  }
}

await main();
