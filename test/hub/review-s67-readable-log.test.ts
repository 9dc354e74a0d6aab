// Review, session 67: `npm start` at a Pi's console printed pino's JSON lines, `"msg":...` among the fields. On a
// terminal the hub now prints readable lines (time, level, pid, message, fields); a pipe, a file or a service's
// journal still gets JSON, and HUB_LOG_FORMAT forces either. The terminal is a real pseudo-terminal: util-linux's
// `script` runs the real hub on one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../bridge/helpers.js';
import { cliPath, projectRoot, tempDir } from './helpers.js';

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const READABLE_START = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO \((\d+)\): hub started \{.*"httpPort":\d+/m;

let dir: string;
let running: { child: ChildProcess; out: () => string; closed: Promise<number | null> } | undefined;
let hubPid: number | undefined;

beforeEach(() => {
  dir = tempDir('review-s67-readable-log');
});

/** The hub `script` started (its only child, which exec'd node), when its lines never gave the pid. */
function childOf(pid: number | undefined): number | undefined {
  try {
    const children = fs.readFileSync(`/proc/${String(pid)}/task/${String(pid)}/children`, 'utf8').trim();
    return children ? Number(children.split(' ')[0]) : undefined;
  } catch {
    return undefined;
  }
}

afterEach(async () => {
  hubPid ??= childOf(running?.child.pid);
  if (hubPid !== undefined) {
    try {
      process.kill(hubPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  hubPid = undefined;
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGKILL');
    await running.closed;
  }
  running = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** The real hub on a pseudo-terminal (`script`), as an installer's `npm start` at the console, or on a pipe. */
function runHub(env: Record<string, string>, terminal = true): typeof running & object {
  const [program, args] = terminal
    ? ['script', ['-qfec', `exec ${quote(process.execPath)} ${quote(cliPath)} hub`, '/dev/null']]
    : [process.execPath, [cliPath, 'hub']];
  const child = spawn(program, args, {
    cwd: projectRoot,
    env: {
      ...process.env,
      HUB_MQTT_PORT: '0',
      HUB_HTTP_PORT: '0',
      HUB_HOST: '127.0.0.1',
      HUB_LOG_LEVEL: 'info',
      HUB_ADMIN_PASSWORD: 'correct horse battery staple',
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: path.join(dir, 'none.json'),
      TERM: 'xterm',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, out: () => out.replace(ANSI, '').replaceAll('\r', ''), closed };
}

describe('the log on a terminal and elsewhere', () => {
  it('is readable on a terminal: time, level, pid, message and fields, no JSON line', async () => {
    fs.writeFileSync(path.join(dir, 'none.json'), JSON.stringify({ homes: [] }));
    running = runHub({});
    const started = await waitFor('hub started', () => READABLE_START.exec(running!.out()) ?? undefined, 30_000);
    hubPid = Number(started[1]);
    expect(running.out()).toMatch(/\] INFO \(\d+\): mqtt broker listening \{"ns":"broker","port":\d+\}/);
    expect(running.out()).not.toMatch(/^\{"level"/m);
    // Stopped by the pid its lines give, as an installer would.
    process.kill(hubPid, 'SIGTERM');
    expect(await running.closed).toBe(0);
    hubPid = undefined;
    expect(running.out()).toMatch(/\] INFO \(\d+\): hub stopped/);
  }, 60_000);

  it('stays JSON on a terminal with HUB_LOG_FORMAT=json, and through a pipe unless HUB_LOG_FORMAT=pretty', async () => {
    fs.writeFileSync(path.join(dir, 'none.json'), JSON.stringify({ homes: [] }));
    const jsonStart = (out: string): number | undefined => {
      const line = out.split('\n').find((l) => l.startsWith('{') && l.includes('"msg":"hub started"'));
      return line === undefined ? undefined : (JSON.parse(line) as { pid: number }).pid;
    };
    const readableStart = (out: string): number | undefined => {
      const match = READABLE_START.exec(out);
      return match ? Number(match[1]) : undefined;
    };
    for (const [env, terminal, started] of [
      [{ HUB_LOG_FORMAT: 'json' }, true, jsonStart],
      // A pipe (a service's journal, `| tee`): JSON as before, readable only when asked for.
      [{}, false, jsonStart],
      [{ HUB_LOG_FORMAT: 'pretty' }, false, readableStart],
    ] as const) {
      running = runHub(env, terminal);
      hubPid = await waitFor(`hub started (${JSON.stringify(env)})`, () => started(running!.out()), 30_000);
      process.kill(hubPid, 'SIGTERM');
      expect(await running.closed).toBe(0);
      hubPid = undefined;
    }

    // A value it does not know is refused, naming the variable.
    const refused = spawnSync(process.execPath, [cliPath, 'hub'], {
      cwd: projectRoot,
      env: {
        ...process.env,
        HUB_CONFIG: path.join(dir, 'none.json'),
        HUB_DATA_DIR: path.join(dir, 'data'),
        HUB_LOG_FORMAT: 'text',
      },
      encoding: 'utf8',
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("unknown log format 'text' in HUB_LOG_FORMAT (use one of json, pretty)");
  }, 90_000);
});
