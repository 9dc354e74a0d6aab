// A hub's start-up, counted (docs/performance.md, "Start-up (session 34)"): `node bench/start-cpu.mjs <repo root> <n>
// [--prof <dir>]`, HOMES=1000 for bench/configs.ts's 1,000 homes (from this repo's build). For each of n rounds, in a
// temp folder on free ports: a first start, then a restart on the same data; for each, the process's CPU
// (/proc/<pid>/stat utime+stime, ms) when it logs 'hub started' and when /api/health first answers 200, the time to
// each, and VmRSS (MB) 0.3 s later; stopped by SIGTERM (so --cpu-prof writes its profile). Linux only.
// Run two builds alternately (main's exported and built elsewhere, and this one) to compare them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
const [root, nStr, profFlag, profDir] = process.argv.slice(2);
const HOMES = Number(process.env.HOMES || 0);
const { benchConfig } = HOMES ? await import(new URL('../dist/bench/configs.js', import.meta.url).href) : {};
const TICK = 10; // ms per clock tick (CLK_TCK 100 on Linux)
function cpu(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK;
}
async function one() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-start-cpu-'));
  fs.writeFileSync(
    path.join(dir, 'hub.json'),
    JSON.stringify(
      HOMES
        ? benchConfig(HOMES)
        : {
            homes: [
              {
                id: 'h1',
                timezone: 'Europe/London',
                residents: [{ id: 'r1' }],
                devices: [
                  { id: 'p1', kind: 'pendant', room: 'living' },
                  { id: 'hall-pir', zigbee: 'hall_pir', kind: 'motion', room: 'hall' },
                  { id: 'front', kind: 'exit-door', room: 'entrance' },
                ],
              },
            ],
          },
    ),
  );
  const run = async () => {
    const flags = profFlag === '--prof' ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=200'] : [];
    const t0 = performance.now();
    const child = spawn(process.execPath, [...flags, path.join(root, 'dist/bin/telecare.js'), 'hub'], {
      cwd: root,
      env: {
        ...process.env,
        HUB_MQTT_PORT: '0',
        HUB_HTTP_PORT: '0',
        HUB_HOST: '127.0.0.1',
        HUB_DATA_DIR: path.join(dir, 'data'),
        HUB_CONFIG: path.join(dir, 'hub.json'),
        HUB_ADMIN_PASSWORD: 'correct horse battery staple',
        HUB_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const started = await new Promise((res, rej) => {
      child.stdout.on('data', (d) => {
        out += d;
        for (const l of out.split('\n')) {
          if (l.includes('"hub started"')) {
            res(JSON.parse(l));
            return;
          }
        }
      });
      child.on('exit', (c) => rej(new Error('exit ' + c + err)));
    });
    const tStarted = performance.now() - t0;
    const cpuStarted = cpu(child.pid);
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${started.httpPort}/api/health`);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const tReady = performance.now() - t0;
    const cpuReady = cpu(child.pid);
    await new Promise((r) => setTimeout(r, 300));
    const cpuIdle = cpu(child.pid);
    const rss = Math.round(
      Number(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024,
    );
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
    return { tStarted: Math.round(tStarted), tReady: Math.round(tReady), cpuStarted, cpuReady, cpuIdle, rss };
  };
  const a = await run();
  const b = await run();
  fs.rmSync(dir, { recursive: true, force: true });
  return { first: a, second: b };
}
for (let i = 0; i < Number(nStr); i++) console.log(JSON.stringify(await one()), os.loadavg()[0].toFixed(1));
