// The bridge's counters and the retained status document built from them (telecare/bridge/<name>/status).
import type { PortState } from './serial-link.js';

export type Framing = 'ndjson' | 'cobs';

export class BridgeStats {
  framesOk = 0;
  duplicates = 0;
  /** Frames lost in the radio link, from gaps in sequence numbers. */
  gaps = 0;
  /** Times a device's sequence number went backwards (device restart). */
  sequenceRestarts = 0;
  /** Events stamped before any this version can receive (a receiver's clock never set): stamped on reading instead. */
  clockNotSet = 0;
  readonly badFrames: Record<string, number> = {};

  countBad(reason: string): void {
    this.badFrames[reason] = (this.badFrames[reason] ?? 0) + 1;
  }

  get badFramesTotal(): number {
    return Object.values(this.badFrames).reduce((sum, n) => sum + n, 0);
  }
}

export interface StatusContext {
  name: string;
  framing: Framing;
  homeId: string | undefined;
  portPath: string;
  portState: PortState;
  portError: string | undefined;
  eventsPublished: number;
  eventsQueued: number;
  eventsDropped: number;
  /** The spool in use (none: events held in memory only). */
  spoolPath: string | undefined;
  /** Where a spool the last run kept and this one could not read was moved, whole (see FirmwareBridge). */
  spoolKeptAs: string | undefined;
  startedAtMs: number;
  nowMs: number;
}

export type BridgeState = 'online' | 'offline';

/** `online` means the receiver's port is open and frames can flow; the last will says `offline`. */
export function bridgeStatus(stats: BridgeStats, context: StatusContext, stateOverride?: BridgeState) {
  return {
    state: stateOverride ?? (context.portState === 'open' ? 'online' : 'offline'),
    name: context.name,
    framing: context.framing,
    homeId: context.homeId ?? null,
    port: { path: context.portPath, state: context.portState, lastError: context.portError ?? null },
    framesOk: stats.framesOk,
    duplicates: stats.duplicates,
    gaps: stats.gaps,
    sequenceRestarts: stats.sequenceRestarts,
    clockNotSet: stats.clockNotSet,
    badFrames: { ...stats.badFrames },
    badFramesTotal: stats.badFramesTotal,
    events: { published: context.eventsPublished, queued: context.eventsQueued, dropped: context.eventsDropped },
    spool: { path: context.spoolPath ?? null, unreadableKeptAs: context.spoolKeptAs ?? null },
    since: new Date(context.startedAtMs).toISOString(),
    ts: new Date(context.nowMs).toISOString(),
  };
}

export type BridgeStatus = ReturnType<typeof bridgeStatus>;
