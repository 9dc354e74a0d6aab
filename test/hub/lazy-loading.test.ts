// What a hub loads only on first use, and lets go of after (issue 13, memory): the API docs, the analytics thread,
// ICU's data (Intl).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ActivityWorker } from '../../analytics/offloop.js';
import { monthThenDrift } from '../analytics/daily.js';
import { utc } from '../analytics/factories.js';
import { FLAT_7, FLAT_7_CONFIG, openTestHubDb } from '../analytics/hub-db.js';
import {
  adminCookie,
  killHub,
  mqttClient,
  nextMessage,
  ONE_HOME_CONFIG,
  projectRoot,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('lazy');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** CommonJS modules the process has loaded so far, as Node's own module debug log names them on stderr. */
function loadedPackage(stderr: string, name: string): boolean {
  return stderr.split('\n').some((line) => line.startsWith('MODULE') && line.includes(`node_modules/${name}/`));
}

describe('the API docs, loaded on first use', () => {
  it('are not loaded at start, and the first request to /docs loads and serves them', async () => {
    // NODE_DEBUG=module: Node itself logs each CommonJS module it loads (Fastify's plugins are CommonJS).
    hub = await spawnHub({
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: writeConfig(dir),
      NODE_DEBUG: 'module',
    });
    const base = `http://127.0.0.1:${hub.httpPort}`;
    expect(loadedPackage(hub.stderr(), 'fastify')).toBe(true);
    expect(loadedPackage(hub.stderr(), '@fastify/swagger')).toBe(false);
    expect(loadedPackage(hub.stderr(), '@fastify/swagger-ui')).toBe(false);
    // mqtt.js comes only with an external broker (HUB_MQTT_URL) or an uplink to a centre (HUB_UPLINK_URL).
    expect(loadedPackage(hub.stderr(), 'mqtt')).toBe(false);

    // Still behind the login, before and after the docs are loaded.
    expect((await fetch(`${base}/docs/json`)).status).toBe(401);
    expect(loadedPackage(hub.stderr(), '@fastify/swagger')).toBe(false);

    const cookie = await adminCookie(hub.httpPort);
    const spec = await fetch(`${base}/docs/json`, { headers: { cookie } });
    expect(spec.status).toBe(200);
    const doc = (await spec.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/alerts/{id}/resolve']));
    expect(Object.keys(doc.paths['/api/alerts/{id}/resolve'] ?? {})).toEqual(['post']);
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/docs'))).toBe(false);
    expect(loadedPackage(hub.stderr(), '@fastify/swagger')).toBe(true);

    const ui = await fetch(`${base}/docs/`, { headers: { cookie } });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
    expect(ui.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const script = await fetch(`${base}/docs/static/swagger-ui-bundle.js`, { headers: { cookie } });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect((await fetch(`${base}/docs/static/swagger-ui-bundle.js`)).status).toBe(401);
    expect((await fetch(`${base}/docs/no-such-file`, { headers: { cookie } })).status).toBe(404);

    // The API itself is unchanged by the docs app beside it.
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
  });
});

describe('ICU, never loaded by a hub whose zones are in the system tz database', () => {
  const reportIntl = pathToFileURL(path.join(projectRoot, 'test/hub/fixtures/report-intl.mjs')).href;

  it('starts, raises alerts in Europe/London and streams them to the dashboard without any Intl object', async () => {
    const second = { id: 'h2', timezone: 'Europe/London', devices: [{ id: 'p2', kind: 'pendant', room: 'living' }] };
    const config = { homes: [...ONE_HOME_CONFIG.homes, second] };
    hub = await spawnHub(
      { HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, config) },
      30_000,
      undefined,
      ['--import', reportIntl],
    );
    const running = hub;
    const watcher = await mqttClient(running.mqttPort);
    await watcher.subscribeAsync('telecare/+/alerts/#', { qos: 1 });
    for (const [home, pendant] of [
      ['h1', 'p1'],
      ['h2', 'p2'],
    ]) {
      const alertArrives = nextMessage(watcher, (t) => new RegExp(`^telecare/${home}/alerts/[^/]+$`).test(t));
      await watcher.publishAsync(`telecare/${home}/devices/${pendant}/events`, '{"type":"pendant","value":true}', {
        qos: 1,
      });
      expect(JSON.parse((await alertArrives).payload.toString())).toMatchObject({ kind: 'pendant' });
    }
    await watcher.endAsync();

    // The dashboard's alert stream lists the open alerts, oldest first, on connecting.
    const cookie = await adminCookie(running.httpPort);
    const abort = new AbortController();
    const stream = await fetch(`http://127.0.0.1:${running.httpPort}/api/alerts/stream`, {
      headers: { cookie },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('event: ready')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    abort.abort();
    expect(text.indexOf('"homeId":"h1"')).toBeLessThan(text.indexOf('"homeId":"h2"'));
    expect(text).toMatch(/event: ready\ndata: \{"open":2/);

    // The preload was there (a check of the check), and reported nothing.
    expect(running.stderr()).toContain('intl watched');
    expect(running.stderr()).not.toMatch(/intl used/);
  });
});

describe('the analytics worker thread', () => {
  /** Threads of this process, as the kernel lists them. */
  const threads = (): number => fs.readdirSync('/proc/self/task').length;

  it('ends about ten seconds after its last job (it used to stay a minute), and a new job starts it again', async () => {
    const hubDb = await openTestHubDb(FLAT_7_CONFIG);
    // Events up to today, whose day is not complete: each request has a day to compute (cached days need no thread).
    await hubDb.append(monthThenDrift(FLAT_7, '2026-12-04T12:00'));
    // The idle timer on a fake clock, moved by the test: the ten seconds are not waited for in real time (session 59:
    // 10.7 s → under 1 s). Only setTimeout is faked; the thread, its messages and vi.waitFor run in real time.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const worker = new ActivityWorker(hubDb.db, FLAT_7_CONFIG);
    try {
      // libuv's pool threads start on first use: started here, so they are in the count before the worker.
      await fs.promises.readFile(path.join(dir, '..'), 'utf8').catch(() => undefined);
      const before = threads();
      const now = utc('2026-12-04T12:00');
      expect(await worker.homeActivity(FLAT_7, '2026-12-01', '2026-12-04', now)).toEqual(expect.any(Array));
      expect(threads()).toBeGreaterThan(before);
      // Ten seconds after the last job, then the thread's own exit. vi.waitFor moves the fake clock on by its interval
      // at each try, so the bound is as before: well under the old minute (with that minute, this fails).
      vi.advanceTimersByTime(10_000);
      await vi.waitFor(() => expect(threads()).toBeLessThanOrEqual(before), { timeout: 40_000, interval: 100 });
      expect(await worker.homeActivity(FLAT_7, '2026-12-01', '2026-12-04', now)).toEqual(expect.any(Array));
      expect(threads()).toBeGreaterThan(before);
    } finally {
      vi.useRealTimers();
      await worker.stop();
      await hubDb.close();
    }
  }, 90_000);
});
