// vitest's global set-up for the browser files (vitest.config.ts): a folder for the run's one chromium, which the
// first browser file starts (test/support/chromium.ts; a run without browser files starts none), and the teardown
// that stops it by its pid and removes the folder (chromium's profile is inside it). docs/testing.md, session 36.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-chromium-'));
  project.provide('sharedChromiumDir', dir);
  project.provide('sharedChromiumWatchPid', process.pid);
  return async () => {
    await stopSharedChromium(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

/** What test/support/chromium-server.mjs writes to server-<generation>.json once chromium listens. */
export interface ServerInfo {
  wsEndpoint: string;
  pid: number;
  chromiumPid: number;
}

/** Alive and not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Stops every server the run started (SIGTERM: chromium closed, its profile removed), then whatever is left. */
export async function stopSharedChromium(dir: string): Promise<void> {
  if (!fs.existsSync(dir)) return;
  const entries = fs.readdirSync(dir);
  for (const entry of entries.filter((name) => /^server-\d+\.pid$/.test(name))) {
    const pid = Number(fs.readFileSync(path.join(dir, entry), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (processAlive(pid)) process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (processAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    const info = path.join(dir, entry.replace(/\.pid$/, '.json'));
    if (fs.existsSync(info)) {
      const { chromiumPid } = JSON.parse(fs.readFileSync(info, 'utf8')) as ServerInfo;
      // Playwright starts chromium as a process group of its own: the group, then the process.
      for (const target of [-chromiumPid, chromiumPid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // Already gone (the usual case: the server closed it).
        }
      }
    }
  }
}
