// A real hub process for the bench (`node dist/bin/telecare.js hub`): temp data folder, free ports, generated config.
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { makeTempDir, removeTempDir, spawnTracked, stopChild } from './children.js';
import { freePorts } from '../central/nats-cluster.js';
import { waitForHealth } from './net.js';

/** The CLI next to this compiled file (dist/bench → dist/bin). */
export const TELECARE_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/telecare.js');

export interface HubHandle {
  pid: number;
  mqttUrl: string;
  httpUrl: string;
  dataDir: string;
  /** Spawn → `/api/health` answering ok. */
  startupMs: number;
  /** Resident set size now, from /proc/<pid>/status. */
  rssBytes(): number | null;
  /** Used V8 heap from the hub's own /metrics (admin login), or null when not exposed. */
  heapUsedBytes(): Promise<number | null>;
  /** An API request as the admin (logged in on first use). */
  api(method: 'GET' | 'POST', route: string, body?: unknown): Promise<Response>;
  /** Rows in the events table, read through a read-only connection. */
  storedEvents(): number | null;
  /**
   * Resolves true once the hub has logged the end of its start-up's one-off memory releases (hub/main.ts: V8's heap
   * pages, then the file pages only the start-up read; or that it cannot make them), false after `boundMs` without it
   * (e.g. HUB_LOG_LEVEL above info). A resident-set reading before them would count ~30 MB the hub is about to drop.
   */
  startupReleased(boundMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

/** Reads a `/proc/<pid>/status` field in kB and returns bytes (Linux only; null elsewhere). */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The node flags and environment `npm start` runs the hub with (package.json: `NAME=value … node --flag … `), so the
 * bench measures the hub as installed. TELECARE_BENCH_NODE_FLAGS, when set, replaces the flags (space-separated), to
 * measure a flag's memory and latency in one bench run before it goes into `npm start`.
 */
export function hubLaunch(
  start: string,
  override: string | undefined = process.env.TELECARE_BENCH_NODE_FLAGS,
): { flags: string[]; env: Record<string, string> } {
  const words = start.split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length; i++) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(words[i] ?? '');
    if (!m) break;
    env[m[1] ?? ''] = m[2] ?? '';
  }
  // `exec`: the shell npm runs the script under becomes node, so the signal npm passes on reaches the hub (session 36).
  if (words[i] === 'exec') i++;
  // The node flags: the words after `node` up to the script (the hub's own options after it are not node's).
  const nodeFlags: string[] = [];
  for (const word of words.slice(i + 1)) {
    if (!word.startsWith('--')) break;
    nodeFlags.push(word);
  }
  const flags = override === undefined ? nodeFlags : override.split(/\s+/).filter((word) => word.startsWith('--'));
  return { flags, env };
}

function installedLaunch(): { flags: string[]; env: Record<string, string> } {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(path.dirname(TELECARE_CLI), '../../package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  return hubLaunch(pkg.scripts?.start ?? '');
}

/** The node flags of `installedLaunch` alone (a hub started by hand with the installed flags). */
export function hubNodeFlags(): string[] {
  return installedLaunch().flags;
}

/**
 * hub/main.ts's last word on its start-up releases: the file pages dropped, or could not be, or stay (no addon); or,
 * without the V8 release addon, that nothing is released at all (the file pages follow the V8 release).
 */
const STARTUP_RELEASES_ENDED =
  /file pages read at start (?:dropped|could not be dropped|stay resident)|V8's heap pages are given back only when/;

/** `env` adds to the hub's environment (e.g. HUB_MQTT_URL: the hub then uses that broker, and `mqttUrl` is it). */
/** `prepare` runs on the new data folder before the hub starts (e.g. writes a history into its hub.db). */
export async function spawnHub(
  config: unknown,
  label: string,
  env: Record<string, string> = {},
  prepare?: (hubDataDir: string) => Promise<void>,
): Promise<HubHandle> {
  const dataDir = makeTempDir(`telecare-bench-${label}-`);
  try {
    await prepare?.(path.join(dataDir, 'data'));
  } catch (err) {
    removeTempDir(dataDir);
    throw err;
  }
  const configFile = path.join(dataDir, 'telecare.config.json');
  fs.writeFileSync(configFile, JSON.stringify(config));
  const adminPassword = crypto.randomBytes(18).toString('base64url');
  const launch = installedLaunch();
  // Kept only the tail of the hub's output (for error messages); a full pipe would stall the hub.
  // TELECARE_BENCH_HUB_LOG=<file> also appends all of it to that file (e.g. `--trace-gc` lines of a flag trial).
  let tail = '';
  const logFile = process.env.TELECARE_BENCH_HUB_LOG || undefined;
  let released = false;
  let onReleased: (() => void) | undefined;
  const keep = (chunk: Buffer): void => {
    // Searched in the tail (a line may span two chunks).
    tail = (tail + chunk.toString()).slice(-4000);
    if (logFile) fs.appendFileSync(logFile, chunk);
    if (!released && STARTUP_RELEASES_ENDED.test(tail)) {
      released = true;
      onReleased?.();
    }
  };
  let child: ChildProcess;
  let mqttPort: number;
  let httpPort: number;
  let httpUrl: string;
  let startupMs: number;
  // A port found free can be taken by another program before the hub binds it (tests run beside the bench): the hub
  // then exits saying the port is in use, and is started again on other ports (three tries).
  for (let attempt = 1; ; attempt++) {
    // Both at once: one free port after another can be the same port twice, and the hub would exit at start.
    [mqttPort, httpPort] = (await freePorts(2)) as [number, number];
    tail = '';
    const spawnedAt = performance.now();
    child = spawnTracked(process.execPath, [...launch.flags, TELECARE_CLI, 'hub'], {
      env: {
        ...process.env,
        ...launch.env,
        HUB_MQTT_PORT: String(mqttPort),
        HUB_HTTP_PORT: String(httpPort),
        HUB_DATA_DIR: path.join(dataDir, 'data'),
        HUB_CONFIG: configFile,
        HUB_ADMIN_PASSWORD: adminPassword,
        HUB_HOST: '127.0.0.1',
        // The load replays simulated days at tens of thousands of events a second, far past any one sensor's rate: the
        // chattering-device bound (hub/chatter.ts) would store its repeats as counts, not rows, and SPEC 11's ingest
        // target (and every earlier round's figure) is a row per event, fsynced; counts are far cheaper than rows, so
        // the bound on would flatter the figure. The per-report check costs little (docs/reliability.md, session 36).
        HUB_CHATTER_MAX_PER_MINUTE: '0',
        ...env,
      },
    });
    const started = child;
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    httpUrl = `http://127.0.0.1:${httpPort}`;
    try {
      await waitForHealth(`${httpUrl}/api/health`, 120_000, () => started.exitCode === null);
      startupMs = performance.now() - spawnedAt;
      break;
    } catch (err) {
      await stopChild(started);
      if (attempt < 3 && started.exitCode !== null && /already in use/.test(tail)) continue;
      removeTempDir(dataDir);
      throw new Error(`${(err as Error).message}; hub output: ${tail.slice(-800)}`, { cause: err });
    }
  }

  let cookie: string | undefined;
  let reader: Database.Database | undefined;
  const pid = child.pid!;
  const api = async (method: 'GET' | 'POST', route: string, body?: unknown): Promise<Response> => {
    if (!cookie) {
      const login = await fetch(`${httpUrl}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: adminPassword }),
      });
      cookie = login.headers.get('set-cookie')?.split(';')[0];
      if (!login.ok || !cookie) throw new Error(`admin login refused (${login.status})`);
    }
    return fetch(`${httpUrl}${route}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
  return {
    pid,
    mqttUrl: env.HUB_MQTT_URL ?? `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl,
    dataDir,
    startupMs,
    rssBytes: () => procStatusBytes(pid, 'VmRSS'),
    api,
    async heapUsedBytes() {
      try {
        const res = await api('GET', '/metrics');
        if (!res.ok) return null;
        const m = /^\w*nodejs_heap_size_used_bytes\s+([\d.e+]+)/m.exec(await res.text());
        return m ? Number(m[1]) : null;
      } catch {
        return null;
      }
    },
    storedEvents() {
      try {
        reader ??= new Database(path.join(dataDir, 'data', 'hub.db'), { readonly: true, fileMustExist: true });
        const row = reader.prepare('SELECT max(id) AS n FROM events').get() as { n: number | null };
        return row.n ?? 0;
      } catch {
        return null;
      }
    },
    startupReleased(boundMs) {
      if (released) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(released), boundMs);
        onReleased = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
    async stop() {
      reader?.close();
      await stopChild(child, 10_000);
      removeTempDir(dataDir);
    },
  };
}
