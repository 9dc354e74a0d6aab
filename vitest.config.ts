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
    maxWorkers: 2,
    sequence: { sequencer: LongestFirstSequencer },
    // What a file started and never stopped (a set-up whose hook timed out) ends with the file's worker.
    setupFiles: ['test/support/children-end-with-worker.ts', 'test/support/cpu-account.ts'],
  },
});
