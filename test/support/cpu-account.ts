// A vitest setup file (vitest.config.ts), idle unless TELECARE_TEST_CPU_LOG names a file: then each test file appends
// one line to it, {"file", "cpuS", "wallS"}, with the CPU time its worker used while the file ran, the processes
// it started and waited for included (hubs, brokers, chromium, PostgreSQL: a child's time is added to its parent's
// when it is reaped). CPU time hardly depends on the machine's load, unlike the wall time; the sum over the files
// says how much of two cores the suite could use at best (docs/testing.md, session 30).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';

const logFile = process.env.TELECARE_TEST_CPU_LOG;

/** utime + stime + cutime + cstime of this process, in seconds (/proc/self/stat fields 14 to 17). */
function cpuSeconds(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (field 3), so field n is fields[n - 3].
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / 100;
}

if (logFile !== undefined && process.platform === 'linux') {
  // From before the test file is imported (its imports count) to after its own afterAll hooks (run before this one).
  const cpuAtStart = cpuSeconds();
  const wallAtStart = performance.now();
  let testPath = '';
  beforeAll(() => {
    testPath = expect.getState().testPath ?? '';
  });
  afterAll(() => {
    const file = path.relative(process.cwd(), testPath);
    const line = {
      file,
      cpuS: Math.round((cpuSeconds() - cpuAtStart) * 100) / 100,
      wallS: Math.round(performance.now() - wallAtStart) / 1000,
    };
    fs.appendFileSync(logFile, `${JSON.stringify(line)}\n`);
  });
}
