// The vitest run's one chromium (docs/testing.md, session 36): a process of its own, started by the first browser
// file that asks for it (test/support/chromium.ts) and stopped by the run's global teardown
// (test/support/chromium-global.ts), so that no test file's worker ending takes it along.
//   node chromium-server.mjs <dir> <generation> <vitest's pid> <executable> <chromium's args as JSON>
// It writes <dir>/server-<generation>.json ({ wsEndpoint, pid, chromiumPid }) once chromium listens, then serves
// until SIGTERM (the teardown), until vitest's process is gone (vitest killed: it then removes <dir> itself), or until
// chromium exits on its own (a crash: it exits too, so the next browser file sees it gone and starts another).
// Each test file connects with chromium.connect() and works in contexts of its own, closed when it disconnects.
// Chromium's profile is under its own TMPDIR (<dir>/tmp-<generation>), removed when it ends.
// With TELECARE_TEST_CPU_LOG set, it appends its CPU time (chromium's included, reaped by this process) on exit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [dir, generation, watchPidText, executablePath, argsJson] = process.argv.slice(2);
const watchPid = Number(watchPidText);
const startedAt = performance.now();

/** utime + stime + cutime + cstime of this process, in seconds (as test/support/cpu-account.ts). */
function cpuSeconds(which = [11, 12, 13, 14]) {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return which.reduce((sum, i) => sum + Number(fields[i]), 0) / 100;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const server = await chromium.launchServer({
  executablePath,
  args: JSON.parse(argsJson),
  // This script decides when chromium stops (below), not playwright's own signal handlers.
  handleSIGINT: false,
  handleSIGTERM: false,
  handleSIGHUP: false,
});

let stopping = false;
async function stop(code, removeDir) {
  if (stopping) return;
  stopping = true;
  await server.close().catch(() => undefined);
  // Chromium's profile (this generation's TMPDIR): playwright leaves it behind when chromium crashed.
  // Only that folder (test/support/chromium.ts sets TMPDIR to it), never another TMPDIR.
  if (os.tmpdir() === path.join(dir, `tmp-${generation}`)) fs.rmSync(os.tmpdir(), { recursive: true, force: true });
  const log = process.env.TELECARE_TEST_CPU_LOG;
  if (log) {
    const line = {
      file: `(shared chromium ${generation})`,
      cpuS: Math.round(cpuSeconds() * 100) / 100,
      // This node process alone (playwright's server side); the rest is chromium's.
      serverS: Math.round(cpuSeconds([11, 12]) * 100) / 100,
      wallS: Math.round(performance.now() - startedAt) / 1000,
    };
    try {
      fs.appendFileSync(log, `${JSON.stringify(line)}\n`);
    } catch {
      // The log is for the account only.
    }
  }
  if (removeDir) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

process.on('SIGTERM', () => void stop(0, false));
process.on('SIGINT', () => void stop(0, false));
// Chromium gone on its own (a crash): exit, so that the next browser file starts another.
server.process().on('exit', () => {
  if (!stopping) void stop(1, false);
});
// vitest gone without its teardown (killed): chromium and the run's folder go too.
setInterval(() => {
  if (!alive(watchPid)) void stop(0, true);
}, 1000);

const file = path.join(dir, `server-${generation}.json`);
const body = JSON.stringify({ wsEndpoint: server.wsEndpoint(), pid: process.pid, chromiumPid: server.process().pid });
fs.writeFileSync(`${file}.tmp`, body);
fs.renameSync(`${file}.tmp`, file);
