// The bench starts the hub as `npm start` does: the start script's environment and node flags, or the flags under test.
import { describe, expect, it } from 'vitest';
import { hubLaunch } from '../../bench/hubProcess.js';

describe('hubLaunch', () => {
  it("takes the start script's leading NAME=value words as environment and the --words before the script as node flags", () => {
    expect(hubLaunch('MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 dist/bin/telecare.js hub', undefined)).toEqual({
      flags: ['--max-semi-space-size=1'],
      env: { MALLOC_ARENA_MAX: '2' },
    });
    expect(hubLaunch('node --a --b=2 dist/bin/telecare.js hub --not-env=1', undefined)).toEqual({
      flags: ['--a', '--b=2'],
      env: {},
    });
  });

  it('replaces the flags, not the environment, with TELECARE_BENCH_NODE_FLAGS when it is set', () => {
    expect(hubLaunch('MALLOC_ARENA_MAX=2 node --a dist/bin/telecare.js hub', ' --no-opt  --b ')).toEqual({
      flags: ['--no-opt', '--b'],
      env: { MALLOC_ARENA_MAX: '2' },
    });
    expect(hubLaunch('node --a dist/bin/telecare.js hub', '')).toEqual({ flags: [], env: {} });
  });
});
