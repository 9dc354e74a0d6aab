// What keeps the hub's memory small: the configuration's shared parts, and the modules a hub process does not load.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceIndex, parseHubConfig } from '../../hub/config.js';
import { cliPath, tempDir, writeConfig } from './helpers.js';

const run = promisify(execFile);

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A council scheme's standard flat: the same devices in every home. */
function flat(id: string, extra: object[] = []): object {
  return {
    id,
    timezone: 'Europe/London',
    devices: [
      { id: 'p1', kind: 'pendant', room: 'living' },
      { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
      ...extra,
    ],
  };
}

describe('configuration memory', () => {
  it('shares the equal parts of different homes as one frozen object, and keeps every value', () => {
    const raw = { homes: [flat('h1'), flat('h2', [{ id: 'door', kind: 'exit-door', room: 'hall' }])] };
    const before = JSON.stringify(raw);
    const config = parseHubConfig(JSON.parse(before));
    const [h1, h2] = config.homes;
    if (!h1 || !h2) throw new Error('two homes expected');
    // Same device in both flats: one object; filled-in defaults: one object.
    expect(h2.devices[0]).toBe(h1.devices[0]);
    expect(h2.devices[1]).toBe(h1.devices[1]);
    expect(h2.nightWindow).toBe(h1.nightWindow);
    expect(h2.rules).toBe(h1.rules);
    // Different parts stay apart, and each home keeps its own identity and devices.
    expect(h2).not.toBe(h1);
    expect(h2.devices).not.toBe(h1.devices);
    expect(h2.devices.map((d) => d.id)).toEqual(['p1', 'kitchen-pir', 'door']);
    expect(Object.isFrozen(h1.devices[0])).toBe(true);
    expect(Object.isFrozen(config.homes)).toBe(true);
    // Nothing lost or changed: the same configuration as a plain parse, field for field.
    expect(JSON.parse(JSON.stringify(config))).toMatchObject(JSON.parse(before) as object);
    const index = new DeviceIndex(config);
    expect(index.device('h2', 'door')?.home).toBe(h2);
    expect(index.device('h1', 'p1')?.home).toBe(h1);
    expect(index.device('h1', 'door')).toBeUndefined();
  });

  it("leaves the caller's object as it was (no defaults written into it, not frozen)", () => {
    const raw = { homes: [flat('h1')] };
    const before = JSON.stringify(raw);
    parseHubConfig(raw);
    expect(JSON.stringify(raw)).toBe(before);
    expect(Object.isFrozen(raw.homes[0])).toBe(false);
  });

  it('keeps a "__proto__" key in the file a key (refused as unknown), never a prototype', () => {
    const text = '{"homes":[{"id":"h1","devices":[{"id":"p1","kind":"pendant","__proto__":{"room":"x"}}]}]}';
    expect(() => parseHubConfig(JSON.parse(text))).toThrow(/homes\[0\]\.devices\[0\]\.__proto__: unknown field/);
  });

  it('parts that differ in one value (even only in case) stay apart', () => {
    const config = parseHubConfig({
      homes: [
        { id: 'h1', devices: [{ id: 'p1', kind: 'pendant', room: 'true' }] },
        { id: 'h2', devices: [{ id: 'p1', kind: 'pendant', room: 'True' }] },
      ],
    });
    expect(config.homes[1]?.devices[0]).not.toBe(config.homes[0]?.devices[0]);
    expect(config.homes[1]?.devices[0]?.room).toBe('True');
  });
});

describe('what a hub process loads', () => {
  /** The project's own modules (dist/…) a `telecare` command loads, recorded by a module hook. */
  async function modulesLoadedBy(args: string[]): Promise<string[]> {
    dir ??= tempDir('modules');
    const out = path.join(dir, 'loaded.txt');
    const hook = path.join(dir, 'hook.mjs');
    const loader = path.join(dir, 'loader.mjs');
    fs.writeFileSync(
      loader,
      `import fs from 'node:fs';\nexport async function load(url, context, next) {\n` +
        `  if (url.startsWith('file:')) fs.appendFileSync(${JSON.stringify(out)}, url + '\\n');\n` +
        `  return next(url, context);\n}\n`,
    );
    fs.writeFileSync(
      hook,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(loader).href)});\n`,
    );
    await run(process.execPath, ['--import', pathToFileURL(hook).href, cliPath, ...args], { cwd: dir });
    const dist = pathToFileURL(path.dirname(path.dirname(cliPath))).href;
    return fs
      .readFileSync(out, 'utf8')
      .split('\n')
      .filter((url) => url.startsWith(dist))
      .map((url) => url.slice(dist.length + 1));
  }

  it('`telecare hub` loads neither the bench, the simulator, the replay nor the serial bridge', async () => {
    dir = tempDir('modules');
    const config = writeConfig(dir);
    const loaded = await modulesLoadedBy(['hub', '--check-config', '--config', config]);
    expect(loaded).toContain('hub/command.js');
    expect(loaded).toContain('hub/config.js');
    for (const area of ['bench/', 'simulate/', 'replay/', 'firmware-bridge/']) {
      expect(loaded.filter((file) => file.startsWith(area))).toEqual([]);
    }
  });

  it('help still lists every subcommand, and each one still runs', async () => {
    dir = tempDir('modules');
    const { stdout } = await run(process.execPath, [cliPath, '--help']);
    for (const name of ['hub', 'bridge', 'simulate', 'replay', 'report', 'bench']) {
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    const replayHelp = await run(process.execPath, [cliPath, 'replay', '--help']);
    expect(replayHelp.stdout).toMatch(/^Usage: telecare replay/);
    await expect(run(process.execPath, [cliPath, 'hbu'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/unknown command 'hbu'[\s\S]*Did you mean hub\?/) as unknown,
    });
  });
});
