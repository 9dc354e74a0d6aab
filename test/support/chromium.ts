// Debian's chromium for browser tests: whether it is here (tests skip with a clear message when not), and one way to
// reach it. Under vitest's config the run has one chromium (docs/testing.md, session 36): the first browser file
// that asks starts it (test/support/chromium-server.mjs, a process of its own), every browser file connects to it
// and works in contexts of its own (`browser.newContext()`/`newPage()`; `browser.close()` closes them and
// disconnects), and the run's global teardown (test/support/chromium-global.ts) stops it. Elsewhere (a config
// without that global set-up) each caller launches a chromium of its own, as before.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { inject } from 'vitest';
import { processAlive, type ServerInfo } from './chromium-global.js';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * The features playwright-core (1.65) turns off with a --disable-features of its own (its
 * server/chromium/chromiumSwitches.ts). Chromium reads only the last --disable-features, so CHROMIUM_ARGS's repeats
 * these; test/shared-chromium.test.ts fails if chromium is started with one that is not here.
 */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

/**
 * Work chromium does for each context that no page of a test sees (session 52). Each context's first page is a
 * window of its own, and Debian's chromium 156 draws each window's address-bar popups as pages of their own
 * (chrome://omnibox-popup.top-chrome, a renderer each, never shown headless); and, sites being isolated, it starts a
 * spare renderer ahead of each page's next one, which a page loaded in its own context never uses. 10 contexts each
 * loading a page: 17.4 s of chromium's CPU, 8.5 without the popups, 6.5 without the spare renderers too.
 */
export const DISABLED_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'SpareRendererForSitePerProcess'];

/** Headless chromium without a sandbox (containers), a GPU or any background traffic of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...DISABLED_FEATURES].join(',')}`,
];

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's folder for its shared chromium (test/support/chromium-global.ts); absent: no shared chromium. */
    sharedChromiumDir?: string;
    /** vitest's own process: the shared chromium ends if it is gone without a teardown. */
    sharedChromiumWatchPid?: number;
  }
}

const SERVER_SCRIPT = fileURLToPath(new URL('./chromium-server.mjs', import.meta.url));
/** A shared chromium that dies is replaced; this many in one run means something is wrong with chromium itself. */
const MAX_GENERATIONS = 5;
/** As long as playwright's own launch waits by default. */
const START_TIMEOUT_MS = 180_000;

/** Whether Debian's chromium is installed; warns, naming `what` is skipped, when it is not. */
export function chromiumAvailable(what: string): boolean {
  const found = fs.existsSync(CHROMIUM);
  if (!found) console.warn(`skipping ${what}: no ${CHROMIUM}`);
  return found;
}

/** The run's chromium (connected), or one of the caller's own where the config shares none. */
export async function launchChromium(): Promise<Browser> {
  const dir = inject('sharedChromiumDir');
  const watchPid = inject('sharedChromiumWatchPid');
  if (dir === undefined || watchPid === undefined)
    return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return connectSharedChromium(dir, watchPid);
}

/**
 * A connection to the chromium shared through `dir`, started (as generation 1, 2, …) if none is running there: the
 * first caller to claim a generation starts it, the others wait for it. `watchPid`: the server ends if it is gone.
 */
export async function connectSharedChromium(dir: string, watchPid: number): Promise<Browser> {
  for (let generation = 1; generation <= MAX_GENERATIONS; generation++) {
    const file = path.join(dir, `server-${generation}.json`);
    if (!fs.existsSync(file)) {
      if (claim(dir, generation)) await startServer(dir, generation, watchPid);
      await waitForServer(dir, generation);
    }
    const server = JSON.parse(fs.readFileSync(file, 'utf8')) as ServerInfo;
    // Gone (chromium crashed, or was stopped): the next generation.
    if (!processAlive(server.pid)) continue;
    try {
      return await chromium.connect(server.wsEndpoint);
    } catch (err) {
      if (processAlive(server.pid)) throw err;
    }
  }
  throw new Error(`the shared chromium stopped ${MAX_GENERATIONS} times in this run (logs in ${dir})`);
}

/** Whether this caller is the one to start generation `generation` (mkdir is atomic: one caller wins). */
function claim(dir: string, generation: number): boolean {
  try {
    fs.mkdirSync(path.join(dir, `server-${generation}.lock`));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Starts the server detached and not as this worker's child (`sh` starts it in the background and exits), so that
 * neither the worker's end nor test/support/children-end-with-worker.ts takes it along; its pid goes to
 * server-<generation>.pid for the teardown. Chromium's profile goes under the run's folder (TMPDIR, one per generation).
 */
async function startServer(dir: string, generation: number, watchPid: number): Promise<void> {
  const tmp = path.join(dir, `tmp-${generation}`);
  fs.mkdirSync(tmp, { recursive: true });
  const log = path.join(dir, `server-${generation}.log`);
  const sh = spawn(
    'sh',
    [
      '-c',
      '"$0" "$@" </dev/null >>"$CHROMIUM_SERVER_LOG" 2>&1 & echo $!',
      process.execPath,
      SERVER_SCRIPT,
      dir,
      String(generation),
      String(watchPid),
      CHROMIUM,
      JSON.stringify(CHROMIUM_ARGS),
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TMPDIR: tmp, CHROMIUM_SERVER_LOG: log },
    },
  );
  let out = '';
  sh.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    sh.on('error', reject);
    sh.on('close', resolve);
  });
  const pid = Number(out.trim());
  if (code !== 0 || !Number.isInteger(pid) || pid <= 0) {
    throw new Error(`could not start the shared chromium (sh exited ${code}, printed "${out.trim()}")`);
  }
  fs.writeFileSync(path.join(dir, `server-${generation}.pid`), String(pid));
}

/** Until server-<generation>.json is there; an error with the server's log if it ended before or never wrote it. */
async function waitForServer(dir: string, generation: number): Promise<void> {
  const file = path.join(dir, `server-${generation}.json`);
  const pidFile = path.join(dir, `server-${generation}.pid`);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (fs.existsSync(file)) return;
    const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : undefined;
    if ((pid !== undefined && !processAlive(pid)) || Date.now() > deadline) {
      if (fs.existsSync(file)) return;
      let log = '';
      try {
        log = fs.readFileSync(path.join(dir, `server-${generation}.log`), 'utf8');
      } catch {
        // No log yet.
      }
      throw new Error(
        `the shared chromium did not start${pid === undefined ? '' : ` (pid ${pid})`}: ${log.slice(-2000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
