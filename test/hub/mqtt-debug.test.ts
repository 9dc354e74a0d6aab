// mqtt-packet's debug loggers (hub/mqtt-debug.ts): free while off in the hub as it starts, the library's own output with DEBUG.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, killHub, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

const dist = path.join(path.dirname(cliPath), '..');
const url = (file: string): string => pathToFileURL(path.join(dist, file)).href;

/** Runs an ES module script in a fresh node (a module cache of its own), as the compiled hub runs. */
function runScript(script: string, env: Record<string, string | undefined> = {}): { out: string; err: string } {
  // A young generation far larger than what a measurement allocates, emptied before it (`gc()`): no scavenge can
  // fall inside a measurement and make the bytes it counts negative.
  const flags = ['--expose-gc', '--max-semi-space-size=64'];
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, DEBUG: undefined, ...env },
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return { out: r.stdout, err: r.stderr };
}

let hub: HubProcess | undefined;
let dir: string | undefined;

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("mqtt-packet's debug loggers", () => {
  it("are the quiet ones in the hub's own module graph, and allocate nothing per call while off", () => {
    // `telecare hub` loads hub/command.js, then, to start, hub/hub.js (session 74: not before): the wrapper must be
    // in place before either graph loads mqtt-packet.
    const { out } = runScript(`
      import v8 from 'node:v8';
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(url('hub/command.js'))});
      await import(${JSON.stringify(url('hub/hub.js'))});
      const { mqttDebugState } = await import(${JSON.stringify(url('hub/mqtt-debug.js'))});
      const require = createRequire(${JSON.stringify(url('hub/hub.js'))});
      const createDebug = createRequire(require.resolve('mqtt-packet'))('debug');
      const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_used_size;
      // Bytes allocated by 20,000 calls of a logger, as mqtt-packet calls it (a format and three values).
      const allocated = (log) => {
        const packet = { cmd: 'publish', length: 42 };
        gc();
        const before = newSpace();
        for (let i = 0; i < 20000; i++) log('_newPacket: %s, %s, %d', packet.cmd, packet, packet.length);
        return newSpace() - before;
      };
      const quiet = createDebug('mqtt-packet:test-quiet');
      const plain = createDebug('another-library');
      console.log(JSON.stringify({ state: mqttDebugState(), quiet: allocated(quiet), plain: allocated(plain) }));
    `);
    const { state, quiet, plain } = JSON.parse(out) as {
      state: { installed: string; quieted: string[] };
      quiet: number;
      plain: number;
    };
    expect(state.installed).toBe('wrapped');
    expect(state.quieted).toEqual(
      expect.arrayContaining(['mqtt-packet:parser', 'mqtt-packet:writeToStream', 'mqtt-packet:test-quiet']),
    );
    expect(state.quieted).not.toContain('another-library');
    // debug's own logger allocates its rest-argument array on every call (tens of bytes); the quiet one nothing.
    expect(plain).toBeGreaterThan(20_000 * 16);
    expect(quiet).toBeLessThan(plain / 20);
  });

  it('forwards to the real logger when its namespace is turned on after start (debug.enable)', () => {
    const { err } = runScript(`
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(url('hub/mqtt-debug.js'))});
      const require = createRequire(${JSON.stringify(url('hub/hub.js'))});
      const createDebug = createRequire(require.resolve('mqtt-packet'))('debug');
      const log = createDebug('mqtt-packet:test-later');
      log('before enable %s', 'hidden');
      createDebug.enable('mqtt-packet:test-later');
      log('after enable %s and %d', 'shown', 7);
    `);
    expect(err).not.toContain('hidden');
    expect(err).toMatch(/mqtt-packet:test-later after enable shown and 7/);
  });

  it("DEBUG=mqtt-packet:* at start: the hub prints the library's own parser output for a client's packets", async () => {
    dir = tempDir('mqttdebug');
    hub = await spawnHub({
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: writeConfig(dir),
      DEBUG: 'mqtt-packet:parser',
    });
    const r = spawnSync(
      'mosquitto_pub',
      [
        '-p',
        String(hub.mqttPort),
        '-t',
        'telecare/h1/devices/p1/events',
        '-q',
        '1',
        '-m',
        '{"type":"pendant","value":true}',
      ],
      {
        encoding: 'utf8',
        timeout: 15_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const stderr = (): string => hub?.stderr() ?? '';
    await expect.poll(stderr, { timeout: 15_000, interval: 50 }).toMatch(/mqtt-packet:parser _parsePublish/);
  });
});
