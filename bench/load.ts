// Load for the bench: `telecare simulate` in its own process publishing simulated flats at a set rate.
import readline from 'node:readline';
import type { PublishSummary } from '../simulate/publish.js';
import { spawnTracked, stopChild } from './children.js';
import { TELECARE_CLI } from './hubProcess.js';

export interface LoadPlan {
  mqttUrl: string;
  homes: number;
  days: number;
  /** Events per second, or 'max' (as fast as PUBACKs allow). */
  rate: number | 'max';
  durationS: number;
  seed: number;
  maxInFlight?: number;
}

export interface LoadHandle {
  /** Latest counts the publisher reported (every second). */
  counts(): { published: number; acknowledged: number };
  /** Resolves with the publisher's own summary once it has finished (or was stopped). */
  done: Promise<PublishSummary | null>;
  stop(): Promise<void>;
}

export function startLoad(plan: LoadPlan): LoadHandle {
  const child = spawnTracked(process.execPath, [
    TELECARE_CLI,
    'simulate',
    '--mqtt',
    plan.mqttUrl,
    '--homes',
    String(plan.homes),
    '--days',
    String(plan.days),
    '--start',
    '2026-01-05',
    '--seed',
    String(plan.seed),
    '--rate',
    String(plan.rate),
    '--timestamps',
    'wall',
    '--duration',
    String(plan.durationS),
    '--max-in-flight',
    String(plan.maxInFlight ?? 1000),
    '--progress-json',
    '--summary-json',
  ]);
  let counts = { published: 0, acknowledged: 0 };
  let summary: PublishSummary | null = null;
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-2000);
  });
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const parsed = JSON.parse(line) as Partial<PublishSummary> & { published: number; acknowledged: number };
      counts = { published: parsed.published, acknowledged: parsed.acknowledged };
      if (parsed.elapsedS !== undefined) summary = parsed as PublishSummary;
    } catch {
      // Not a line of ours.
    }
  });
  const done = new Promise<PublishSummary | null>((resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal === null && summary === null)
        reject(new Error(`load generator failed (${code}): ${errors.slice(-400)}`));
      else resolve(summary);
    });
  });
  done.catch(() => undefined);
  return { counts: () => counts, done, stop: () => stopChild(child) };
}
