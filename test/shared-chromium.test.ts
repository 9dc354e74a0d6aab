// The run's one chromium (test/support/chromium.ts, docs/testing.md session 36), in a folder of this file's own: the
// browser files connect to one server, each in contexts of its own; a chromium that crashes is replaced; the
// teardown stops it by its pid and leaves no process or profile; a vitest killed without its teardown takes it along.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DISABLED_FEATURES,
  PLAYWRIGHT_DISABLED_FEATURES,
  chromiumAvailable,
  connectSharedChromium,
} from './support/chromium.js';
import { processAlive, stopSharedChromium, type ServerInfo } from './support/chromium-global.js';

const haveChromium = chromiumAvailable('the shared chromium tests');

const dirs: string[] = [];
function runFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-chromium-test-'));
  dirs.push(dir);
  return dir;
}

let dir: string;
beforeAll(() => {
  dir = runFolder();
});
afterAll(async () => {
  for (const d of dirs) {
    await stopSharedChromium(d);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

function servers(d: string): string[] {
  return fs.readdirSync(d).filter((name) => /^server-\d+\.json$/.test(name));
}
function serverInfo(d: string, generation: number): ServerInfo {
  return JSON.parse(fs.readFileSync(path.join(d, `server-${generation}.json`), 'utf8')) as ServerInfo;
}
/** The pids of chromium-server.mjs processes serving `d` (from /proc/<pid>/cmdline). */
function serverProcesses(d: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((arg) => arg.endsWith('chromium-server.mjs')) && argv.includes(d)) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
/** Waits for a condition (vitest's test timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe.skipIf(!haveChromium)('the shared chromium', () => {
  it('is started once for callers arriving together, not as their child, and gives each contexts of its own', async () => {
    const [a, b] = await Promise.all([
      connectSharedChromium(dir, process.pid),
      connectSharedChromium(dir, process.pid),
    ]);
    expect(servers(dir)).toEqual(['server-1.json']);
    const server = serverInfo(dir, 1);
    expect(serverProcesses(dir)).toEqual([server.pid]);
    expect(processAlive(server.pid)).toBe(true);
    // Not this worker's child: the worker's end (children-end-with-worker.ts) does not take it along.
    expect(parentOf(server.pid)).not.toBe(process.pid);

    const inA = await a.newContext();
    await inA.addCookies([{ name: 'who', value: 'a', url: 'http://127.0.0.1/' }]);
    const inB = await b.newContext();
    expect(await inB.cookies()).toEqual([]);
    expect(await inA.cookies()).toHaveLength(1);

    // One file closing its connection leaves the other's working.
    await a.close();
    const page = await inB.newPage();
    await page.setContent('<p>still here</p>');
    expect(await page.textContent('p')).toBe('still here');
    await b.close();
    expect(processAlive(server.pid)).toBe(true);
  });

  it('after chromium crashes, the next caller starts another', async () => {
    const first = serverInfo(dir, 1);
    process.kill(first.chromiumPid, 'SIGKILL');
    await until(() => !processAlive(first.pid));

    // The crashed one's profile is gone with it.
    expect(fs.existsSync(path.join(dir, 'tmp-1'))).toBe(false);
    const browser = await connectSharedChromium(dir, process.pid);
    expect(servers(dir).sort()).toEqual(['server-1.json', 'server-2.json']);
    const page = await browser.newPage();
    await page.setContent('<p>again</p>');
    expect(await page.textContent('p')).toBe('again');
    await browser.close();
  });

  it("the run's teardown stops it by its pid: no server, no chromium, no profile left", async () => {
    const second = serverInfo(dir, 2);
    expect(processAlive(second.pid)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'tmp-2'))).not.toEqual([]);
    await stopSharedChromium(dir);
    expect(processAlive(second.pid)).toBe(false);
    expect(processAlive(second.chromiumPid)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'tmp-2'))).toBe(false);
  });

  it('ends with its folder when vitest is gone without a teardown', async () => {
    const own = runFolder();
    const vitest = spawn('sleep', ['600'], { stdio: 'ignore' });
    const browser = await connectSharedChromium(own, vitest.pid!);
    await browser.close();
    const server = serverInfo(own, 1);
    vitest.kill('SIGKILL');
    await until(() => !fs.existsSync(own));
    await until(() => !processAlive(server.pid));
    expect(processAlive(server.chromiumPid)).toBe(false);
  });
});

describe.skipIf(!haveChromium)("the shared chromium's features", () => {
  it("keeps every feature playwright turns off off, and draws no page of its own for a context's window", async () => {
    const own = runFolder();
    const browser = await connectSharedChromium(own, process.pid);
    const { chromiumPid } = serverInfo(own, 1);
    const argv = fs.readFileSync(`/proc/${chromiumPid}/cmdline`, 'utf8').split('\0');
    const lists = argv
      .filter((arg) => arg.startsWith('--disable-features='))
      .map((arg) => arg.slice('--disable-features='.length).split(','));
    // Chromium reads the last one only: playwright's own (the first) must be in it, as must ours.
    expect(lists.length).toBeGreaterThan(0);
    const last = lists[lists.length - 1];
    for (const list of lists) expect(last).toEqual(expect.arrayContaining(list));
    expect(last).toEqual(expect.arrayContaining([...PLAYWRIGHT_DISABLED_FEATURES, ...DISABLED_FEATURES]));

    // A context's page: its renderer only, no address-bar popup (a renderer marked --top-chrome-webui).
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.setContent('<p>one page</p>');
    expect(await page.textContent('p')).toBe('one page');
    const profile = path.join(own, 'tmp-1');
    const renderers: string[] = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
        if (cmdline.includes(profile) && cmdline.includes('--type=renderer')) renderers.push(cmdline);
      } catch {
        // Gone meanwhile.
      }
    }
    expect(renderers.length).toBeGreaterThan(0);
    expect(renderers.filter((cmdline) => cmdline.includes('--top-chrome-webui'))).toEqual([]);
    await browser.close();
  });
});
