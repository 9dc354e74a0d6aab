// Load for the ingest phase: several publisher processes (bench/ingestPublisher.js) started together once all are ready.
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PublishSummary } from '../simulate/publish.js';
import { spawnTracked, stopChild } from './children.js';
import type { IngestPublisherArgs } from './ingestPublisher.js';
import type { LoadHandle } from './load.js';

/** A publisher's summary: its counts, and the CPU it used (whole life, and within the timed window), µs. */
export interface IngestPublisherSummary extends PublishSummary {
  cpuUs: number;
  cpuWindowUs: number;
}

export interface IngestLoadHandle extends LoadHandle {
  done: Promise<IngestPublisherSummary | null>;
  /** The publisher's process id. */
  pid: number | undefined;
}

/**
 * Starts `publishers` processes, each serving `homes / publishers` of the flats with its own packets; resolves once
 * every one is connected with its packets made, after telling them all to start at the same moment.
 */
export async function startIngestLoad(plan: {
  mqttUrl: string;
  homes: number;
  publishers: number;
  durationS: number;
  maxInFlight: number;
}): Promise<IngestLoadHandle[]> {
  const url = new URL(plan.mqttUrl);
  const script = fileURLToPath(new URL('./ingestPublisher.js', import.meta.url));
  const perPublisher = Math.max(1, Math.floor(plan.homes / plan.publishers));
  const starting = Array.from({ length: plan.publishers }, (_, i) => {
    const args: IngestPublisherArgs = {
      host: url.hostname || '127.0.0.1',
      port: Number(url.port || 1883),
      firstHome: i * perPublisher + 1,
      homes: perPublisher,
      seed: 100 + i,
      durationS: plan.durationS,
      maxInFlight: plan.maxInFlight,
    };
    const child = spawnTracked(process.execPath, [script, JSON.stringify(args)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let counts = { published: 0, acknowledged: 0 };
    let summary: IngestPublisherSummary | null = null;
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      errors = (errors + chunk.toString()).slice(-2000);
    });
    const ready = new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        let parsed: { ready?: boolean; published?: number; acknowledged?: number; elapsedS?: number };
        try {
          parsed = JSON.parse(line) as typeof parsed;
        } catch {
          return; // Not a line of ours.
        }
        if (parsed.ready) resolve();
        else if (parsed.published !== undefined && parsed.acknowledged !== undefined) {
          counts = { published: parsed.published, acknowledged: parsed.acknowledged };
          if (parsed.elapsedS !== undefined) summary = parsed as IngestPublisherSummary;
        }
      });
      child.once('exit', (code) => reject(new Error(`ingest publisher exited (${code}): ${errors.slice(-400)}`)));
    });
    const done = new Promise<IngestPublisherSummary | null>((resolve, reject) => {
      child.once('exit', (code, signal) => {
        if (code !== 0 && signal === null && summary === null)
          reject(new Error(`ingest publisher failed (${code}): ${errors.slice(-400)}`));
        else resolve(summary);
      });
    });
    done.catch(() => undefined);
    const handle: IngestLoadHandle = { counts: () => counts, done, stop: () => stopChild(child), pid: child.pid };
    return { child, ready, handle };
  });
  try {
    await Promise.all(starting.map((s) => s.ready));
  } catch (err) {
    await Promise.all(starting.map((s) => s.handle.stop()));
    throw err;
  }
  for (const { child } of starting) child.stdin?.write('go\n');
  return starting.map((s) => s.handle);
}
