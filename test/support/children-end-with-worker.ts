// A vitest setup file (vitest.config.ts): the processes a test file started end with the file's worker.
// vitest ends each file's worker with SIGTERM. A process that the file started and never stopped then outlived it:
// when a set-up hook timed out, the set-up still held what it had started (a PostgreSQL waiting to be ready, seen
// at load 35), and nothing else could stop it. On SIGTERM each direct child of the worker gets SIGKILL, then the
// worker ends as it would have (the signal raised again without this handler).
import fs from 'node:fs';

/** The pids whose parent is `pid` (from /proc/<pid>/stat: the fourth field, after the command's parentheses). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}

const installed = Symbol.for('telecare.children-end-with-worker');
const registry = globalThis as { [installed]?: true };
if (process.platform === 'linux' && !registry[installed]) {
  registry[installed] = true;
  const onTerm = (): void => {
    for (const child of childrenOf(process.pid)) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    process.off('SIGTERM', onTerm);
    process.kill(process.pid, 'SIGTERM');
  };
  process.on('SIGTERM', onTerm);
}
