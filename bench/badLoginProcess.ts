// The bench's password-guessing floods in a process of their own, as a guessing script is: not in the measuring client.
//
// A flood's connections (100 a second, each a new MQTT client or HTTP request) cost its process's loop a few hundred
// microseconds each. In the measuring client's process they delay its reading of the alerts it times, which is the
// bench's own cost, not the hub's; an attacker's script runs elsewhere. `node dist/bench/badLoginProcess.js
// mqtt|dashboard <url> <rate>` is the child (started by `startBadLoginProcess`); it reports its counts every 100 ms.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBadDashboardLogins, startBadLogins, type BadLoginHandle } from './badLogins.js';
import { spawnTracked, stopChild } from './children.js';

export type BadLoginKind = 'mqtt' | 'dashboard';

interface Counts {
  attempts: number;
  refused: number;
  final?: boolean;
}

const REPORT_EVERY_MS = 100;
const thisFile = fileURLToPath(import.meta.url);

/**
 * Starts `ratePerS` wrong-password logins a second against `url` (an MQTT URL, or the hub's HTTP URL for the
 * dashboard's `POST /api/login`) in a child process; resolves once it is sending. `attempts` and `refused` are
 * its latest report (at most 100 ms old); `stop` ends the flood and the process and takes its last counts.
 */
export async function startBadLoginProcess(kind: BadLoginKind, url: string, ratePerS: number): Promise<BadLoginHandle> {
  // Tracked: the bench's exit kills it by its pid whatever happens (bench/children.ts).
  const child: ChildProcess = spawnTracked(process.execPath, [thisFile, kind, url, String(ratePerS)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let counts: Counts = { attempts: 0, refused: 0 };
  child.on('message', (m: Counts) => {
    counts = m;
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`bad-login process exited (${code})`)));
  });
  return {
    attempts: () => counts.attempts,
    refused: () => counts.refused,
    async stop() {
      if (child.connected) {
        const last = new Promise<void>((resolve) => {
          const onMessage = (m: Counts): void => {
            if (!m.final) return;
            child.off('message', onMessage);
            resolve();
          };
          child.on('message', onMessage);
          child.once('exit', () => resolve());
        });
        child.send({ end: true });
        await last;
      }
      await stopChild(child);
    },
  };
}

function childMain(kind: string, url: string, rate: number): void {
  const flood = kind === 'dashboard' ? startBadDashboardLogins(url, rate) : startBadLogins(url, rate);
  const report = (final = false): void => {
    process.send?.({ attempts: flood.attempts(), refused: flood.refused(), final } satisfies Counts);
  };
  const timer = setInterval(() => report(), REPORT_EVERY_MS);
  process.on('message', (m: { end?: boolean }) => {
    if (!m.end) return;
    clearInterval(timer);
    void flood.stop().then(() => {
      process.send?.({ attempts: flood.attempts(), refused: flood.refused(), final: true } satisfies Counts, () =>
        process.exit(0),
      );
    });
  });
  // The parent gone (the bench killed): end too, whatever the flood was doing.
  process.on('disconnect', () => process.exit(0));
  report();
}

if (process.argv[1] === thisFile) {
  const [kind = '', url = '', rate = ''] = process.argv.slice(2);
  if ((kind !== 'mqtt' && kind !== 'dashboard') || url === '' || !(Number(rate) > 0)) {
    process.stderr.write('usage: badLoginProcess.js mqtt|dashboard <url> <rate per s>\n');
    process.exit(2);
  }
  childMain(kind, url, Number(rate));
}
