// `hotPathTrace --alloc-account`: what the hub allocates on the V8 heap per ingested event and per pendant press, by
// stage of the path, and how often a scavenge lands inside a press's path. Presses as `telecare bench` does (resolved
// at once, the next 1-5 ms later), with `--load N` background events/s meanwhile; no per-step marks or wrappers
// around the hub's methods (the full trace's own allocations were half of the process's). Three independent counts:
// - bytes allocated in all: the used heap's growth between collections (V8's GC profiler gives the used size before
//   and after each one), exact, whatever the load;
// - bytes by stage: V8's sampling heap profiler (every allocation, collected ones included, one sample per 1 KB on
//   average), each sample given to the innermost frame of the stack that belongs to a stage (the hub's modules by
//   file, the MQTT libraries by package); Node's own frames (streams, sockets, timers) go to whoever called them;
// - scavenges, and the presses with one between the hub's read of the press and its alert written.
import net from 'node:net';
import v8 from 'node:v8';
import { Session } from 'node:inspector/promises';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { RunningHub } from '../hub/hub.js';
import { pressSequence } from './configs.js';

export interface AllocAccountOptions {
  homes: number;
  presses: number;
  /** Sample allocations by stack (V8's sampling heap profiler); without it only the exact totals and the GCs. */
  sample: boolean;
}

export interface PressClient {
  fromChild: () => Promise<{ alert?: string }>;
  send: (homeId: string) => void;
  /** The MQTT topic of a home's press (the hub's read of it is the chunk that holds it). */
  topic: (homeId: string) => string;
}

interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: HeapProfileNode[];
}

/** The stage a frame's file belongs to, or undefined for a frame that is nobody's (Node's internals, V8's builtins). */
export function stageOf(url: string, functionName: string): string | undefined {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg !== undefined) {
    if (pkg === 'mqtt-packet' || pkg === 'bl' || pkg === 'process-nextick-args') return 'mqtt-packet: parse, write';
    if (pkg.startsWith('aedes') || pkg === 'mqemitter' || pkg === 'fastfall' || pkg === 'fastparallel') return 'aedes';
    if (pkg === 'fastseries' || pkg === 'reusify' || pkg === 'retimer' || pkg === 'qlobber') return 'aedes';
    if (pkg === 'pino' || pkg === 'sonic-boom' || pkg === 'thread-stream' || pkg.startsWith('@pinojs')) return 'log';
    if (pkg === 'better-sqlite3') return 'store';
    if (pkg === 'mqtt') return 'tool: client';
    return `package ${pkg}`;
  }
  const own = /\/dist\/(.*)\.js$/.exec(url)?.[1];
  if (own === undefined) return undefined;
  if (own.startsWith('bench/')) return 'tool';
  if (own === 'hub/ingest' || own === 'hub/topics' || own.startsWith('rules/event-value') || own === 'rules/iso-time')
    return functionName === 'parseJson' ? 'ingest: JSON.parse' : 'ingest: topic, validation, event';
  if (own === 'hub/store' || own === 'hub/ack-watermark' || own.startsWith('hub/store-'))
    return 'store: append, bind, group commit, ack';
  if (own === 'hub/hub') return 'hub: event hand-off (storeAndRun)';
  if (own === 'hub/rules-runner' || own === 'hub/clock') return 'rules: runner, timer';
  if (own.startsWith('rules/')) return 'rules: engine';
  if (own.startsWith('hub/alerts/')) return `alert: ${own.slice('hub/alerts/'.length)}`;
  if (own.startsWith('hub/mqtt') || own === 'hub/broker' || own === 'hub/mqtt-auth') return 'broker: hooks, delivery';
  return own;
}

/** Bytes of a heap profile by stage (see stageOf); samples with no stage on their stack under Node's part. */
export function bytesByStage(head: HeapProfileNode): { stages: Map<string, number>; sites: Map<string, number> } {
  const stages = new Map<string, number>();
  const sites = new Map<string, number>();
  const walk = (node: HeapProfileNode, owner: string, site: string): void => {
    const { url, functionName, lineNumber } = node.callFrame;
    const stage = stageOf(url, functionName);
    const here = stage ?? owner;
    const at =
      stage === undefined ? site : `${url.replace(/^.*\/(dist|node_modules)\//, '')}:${lineNumber + 1} ${functionName}`;
    if (node.selfSize > 0) {
      stages.set(here, (stages.get(here) ?? 0) + node.selfSize);
      sites.set(at, (sites.get(at) ?? 0) + node.selfSize);
    }
    for (const child of node.children ?? []) walk(child, here, at);
  };
  walk(head, 'node: sockets, streams, timers (no caller of ours)', '(node)');
  return { stages, sites };
}

/** Bytes allocated between the first and the last collection a GC profile saw (used size growth between them). */
export function allocatedBetweenCollections(stats: readonly { beforeGC: Used; afterGC: Used }[]): number {
  let bytes = 0;
  for (let i = 1; i < stats.length; i++) {
    const before = stats[i]?.beforeGC.heapStatistics.usedHeapSize ?? 0;
    const after = stats[i - 1]?.afterGC.heapStatistics.usedHeapSize ?? 0;
    bytes += Math.max(0, before - after);
  }
  return bytes;
}
interface Used {
  heapStatistics: { usedHeapSize: number };
}

/** A press's path on the hub's sockets: its read, and its alert written. */
export interface PathWatch {
  /** From now, watch for the press on `topic`; `end` gives its read → alert written window, if both were seen. */
  begin(topic: string): void;
  end(): { readAt: number; writtenAt: number } | undefined;
  restore(): void;
}

/**
 * Watches the hub's sockets for a press's read and its alert's write. Installed before the client connects: a
 * connection's writes are bound when it is accepted.
 */
export function watchPressPath(hubSide: (socket: net.Socket) => boolean): PathWatch {
  let press: { topic: string; readAt?: number; writtenAt?: number } | undefined;
  const socketProto = net.Socket.prototype as unknown as Record<string, unknown>;
  const originalWrite = socketProto.write as (this: net.Socket, ...a: unknown[]) => boolean;
  const originalPush = socketProto.push as (this: net.Socket, ...a: unknown[]) => boolean;
  socketProto.push = function (this: net.Socket, chunk: unknown, encoding?: unknown): boolean {
    if (press && press.readAt === undefined && Buffer.isBuffer(chunk) && hubSide(this) && chunk.includes(press.topic))
      press.readAt = performance.now();
    return originalPush.call(this, chunk, encoding);
  };
  socketProto.write = function (this: net.Socket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (press?.readAt !== undefined && press.writtenAt === undefined && Buffer.isBuffer(chunk) && hubSide(this)) {
      // 0x3x: a PUBLISH from the hub's side, the alert (the press's PUBACK is 0x40).
      if ((chunk[0] ?? 0) >> 4 === 3) press.writtenAt = performance.now();
    }
    return originalWrite.call(this, chunk, encoding, cb);
  };
  return {
    begin(topic) {
      press = { topic };
    },
    end() {
      const seen = press;
      press = undefined;
      return seen?.readAt !== undefined && seen.writtenAt !== undefined
        ? { readAt: seen.readAt, writtenAt: seen.writtenAt }
        : undefined;
    },
    restore() {
      socketProto.push = originalPush;
      socketProto.write = originalWrite;
    },
  };
}

/**
 * Presses (and whatever load runs meanwhile) with the allocation account. `hubSide` says which sockets are the hub's
 * MQTT side; `ingested` reads the hub's count of accepted events.
 */
export async function allocAccount(
  hub: RunningHub,
  client: PressClient,
  opts: AllocAccountOptions,
  watch: PathWatch,
  ingested: () => Promise<number>,
): Promise<Record<string, unknown>> {
  const windows: { readAt: number; writtenAt: number }[] = [];
  const sequence = pressSequence(opts.homes, opts.presses);
  const warmUp = Math.floor(sequence.length / 5);
  const scavenges: { start: number; end: number }[] = [];
  let majors = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR)
        scavenges.push({ start: entry.startTime, end: entry.startTime + entry.duration });
      else majors++;
    }
  });
  // Warm up first (V8's code, SQLite's caches), then count.
  for (const homeId of sequence.slice(0, warmUp)) await pressOnce(hub, client, homeId);
  gcObserver.observe({ entryTypes: ['gc'] });
  const session = new Session();
  if (opts.sample) {
    session.connect();
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const gcProfiler = new v8.GCProfiler();
  const ingestedFrom = await ingested();
  const from = performance.now();
  gcProfiler.start();
  for (const homeId of sequence.slice(warmUp)) {
    watch.begin(client.topic(homeId));
    await pressOnce(hub, client, homeId);
    const window = watch.end();
    if (window) windows.push(window);
  }
  const gcStats = gcProfiler.stop();
  const seconds = (performance.now() - from) / 1000;
  const events = (await ingested()) - ingestedFrom;
  watch.restore();
  let byStage: Map<string, number> | undefined;
  let bySite: Map<string, number> | undefined;
  if (opts.sample) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    ({ stages: byStage, sites: bySite } = bytesByStage(profile.head));
    session.disconnect();
  }
  gcObserver.disconnect();
  // Resident memory with the presses and the load just done (the young generation's semi-spaces are part of it).
  const rssMb = Math.round((process.memoryUsage().rss / 1048576) * 10) / 10;
  const presses = sequence.length - warmUp;
  const stats = gcStats?.statistics ?? [];
  const allocated = allocatedBetweenCollections(stats);
  const inPath = windows.filter((w) => scavenges.some((s) => s.end > w.readAt && s.start < w.writtenAt)).length;
  const sampled = byStage ? [...byStage.values()].reduce((a, b) => a + b, 0) : 0;
  return {
    presses,
    /** Events the hub accepted during the counted presses, the presses' own included. */
    eventsIngested: events,
    eventsPerS: Math.round(events / seconds),
    seconds: Math.round(seconds * 10) / 10,
    /** The used heap's growth between the first and the last collection of the counted part: bytes allocated. */
    allocatedBytes: allocated,
    allocatedBytesPerEvent: Math.round(allocated / Math.max(1, events)),
    scavenges: scavenges.length,
    majorCollections: majors,
    scavengesPer1000Presses: Math.round((scavenges.length / presses) * 1000),
    scavengesPer1000Events: Math.round((scavenges.length / Math.max(1, events)) * 10000) / 10,
    /** Presses with a scavenge between the hub's read of the press and its alert written to the subscriber. */
    pressesWithScavengeInPath: `${inPath} of ${windows.length}`,
    rssMb,
    ...(byStage
      ? {
          sampledBytes: sampled,
          /** Sampled bytes by stage: per event ingested (all events, presses included) and share of the total. */
          byStage: Object.fromEntries(
            [...byStage]
              .sort((a, b) => b[1] - a[1])
              .map(([stage, bytes]) => [
                stage,
                `${Math.round(bytes / Math.max(1, events))} B/event, ${((bytes / sampled) * 100).toFixed(1)} %`,
              ]),
          ),
          /** The 30 largest sites: the innermost frame of a stage on the allocation's stack. */
          bySite: Object.fromEntries(
            [...(bySite ?? [])]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 30)
              .map(([site, bytes]) => [site, Math.round(bytes / Math.max(1, events))]),
          ),
        }
      : {}),
  };
}

async function pressOnce(hub: RunningHub, client: PressClient, homeId: string): Promise<void> {
  const alerted = client.fromChild();
  client.send(homeId);
  const { alert } = await alerted;
  if (alert) hub.alerts.resolve(alert, 'false-alarm', null, 'trace');
  await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 4));
}
