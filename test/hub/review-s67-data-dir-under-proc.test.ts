// Review, session 67: an installer gives HUB_DATA_DIR a folder the kernel will not let be made where its parent exists
// (a slip of the keyboard into /proc, a path under a pseudo-filesystem). Node 20's `mkdirSync(dir, { recursive: true })`
// loops for ever there (each mkdir answers ENOENT, so it makes the parent, which exists, and tries again): the hub hung
// at its start, printing nothing, taking one core, and Ctrl-C did nothing. It now stops with exit code 1 and says which
// folder could not be made and why. A real hub process (test/hub/helpers.ts spawnHub, killed by pid if it hangs).
import { afterAll, expect, it } from 'vitest';
import { killHub, spawnHub, type HubProcess } from './helpers.js';

let hub: HubProcess | undefined;

afterAll(() => killHub(hub));

it('refuses a data folder under /proc with a message and exit code 1, never hanging', async () => {
  const dataDir = `/proc/telecare-test-${process.pid}/data`;
  const start = spawnHub({ HUB_DATA_DIR: dataDir }, 15_000);
  const failure = await start.then(
    (started) => {
      hub = started;
      return undefined;
    },
    (err: unknown) => (err as Error).message,
  );
  // Before: "hub did not start in time" after the whole wait, the hub killed by the helper.
  expect(failure).toMatch(/^hub exited with 1:/);
  expect(failure).toContain(`cannot make the data folder ${dataDir} (HUB_DATA_DIR)`);
  expect(failure).toContain('ENOENT');
});
