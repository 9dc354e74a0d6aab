import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * Files that take minutes on their own (the bench runs `telecare bench --quick`: about 160 s of the suite's 280 s on a
 * quiet 2-core machine). Started first, so that the other worker runs the rest meanwhile: on a fresh CI machine
 * vitest has no durations cached and would order by file size, which can leave the bench to start last.
 */
const LONGEST_FIRST = ['test/bench/'];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number =>
      LONGEST_FIRST.some((prefix) => file.moduleId.includes(`/${prefix}`)) ? 0 : 1;
    // Array.prototype.sort is stable: vitest's own order (failed first, then longest cached) holds within each rank.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * Files run at once: 2 (one per core on the 2-core CI machine), or TELECARE_TEST_WORKERS. The files mostly wait for
 * the processes they start: measured with test/support/cpu-account.ts, a file's worker and its processes use 0.3 to
 * 0.6 of a core while it runs on an idle machine, so a third worker may shorten the run (docs/testing.md, session 30:
 * to be measured on an idle machine, in alternating pairs, before it becomes the default).
 */
function testWorkers(): number {
  const raw = process.env.TELECARE_TEST_WORKERS;
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) {
    throw new Error(`TELECARE_TEST_WORKERS must be a whole number from 1 to 16, not "${raw}"`);
  }
  return n;
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous for a loaded 2-core CI machine; a test that waits waits for its condition, never for a time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real brokers, hubs and serial pairs; two cores on CI, one file per core. Each file in a
    // process of its own (native SQLite, signals, patched globals in some tests).
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: testWorkers(),
    sequence: { sequencer: LongestFirstSequencer },
    // What a file started and never stopped (a set-up whose hook timed out) ends with the file's worker.
    setupFiles: ['test/support/children-end-with-worker.ts', 'test/support/cpu-account.ts'],
  },
});
