// Alerts stamped while the hub's clock read behind (a Raspberry Pi has no real-time clock: after a power cut it starts
// at the time it last saved, until network time steps it forward) get their times moved once the clock is corrected.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { StorageHealth } from '../storage-health.js';
import { movedIsoTimes } from './detail-times.js';
import { groupsToldSoFar, type AlertChanges, type Change } from './changes.js';
import { HELD, type AlertStore, type HeldAlerts } from './held.js';
import { rowLadder, type AlertRow } from './rows.js';
import { HUB_ACTOR, returned } from './statements.js';

/**
 * A step smaller than this corrects no alert (network time correcting a drift of seconds): a new version of every
 * alert followed, told to every responder's webhook, is not worth a few seconds; the next step counts from the start.
 */
export const MIN_CORRECTION_MS = 60_000;
/** Alerts followed while the clock reads behind; past it, the rest keep the times they were stamped with. */
const MAX_FOLLOWED = 10_000;

export interface ClockCorrectionDeps {
  clock: Clock;
  log: Logger;
  storage: StorageHealth;
  stored(): AlertStore;
  held: HeldAlerts;
  changes: AlertChanges;
  /** Be told of every alert change (`AlertService.subscribe`); returns the way to stop. */
  subscribe(listener: (alert: { id: string }) => void): () => void;
}

interface Behind {
  /** The wall clock less the monotonic clock when it was found behind: a step moves the one, not the other. */
  offsetMs: number;
  /** The clock's reading when it was found behind: a time of a detail before it was stamped before the cut. */
  since: number;
  /** How far behind the rules' last time it started (their lead on it): a time from before the cut reads that early. */
  leadMs: number;
  /** The open alerts then (those a change made while behind can find with times from before the cut). */
  before: Map<string, AlertRow>;
  /** Alerts changed since (raised, merged, escalated, acknowledged, resolved, cancelled). */
  changed: Set<string>;
  stop(): void;
}

/**
 * Follows the alerts changed while the clock reads behind (`behind`); once it has stepped forward (the clock tells of
 * each step: `check`), each gets a new version with every time it was stamped with meanwhile moved by the step that
 * corrected the clock (`raisedAt` of one raised then, its last repeat, acknowledgement and resolution, its level's due
 * time) and its audit entries since with them, told on MQTT, to the dashboard, the uplink and the webhooks of the groups
 * told so far, the times of its detail too (`detailCorrected`, session 67). A time kept from before the cut stays as it
 * is. Before, a press
 * while the clock read three hours behind showed on a responder's screen as three hours old (docs/time.md).
 */
export class ClockCorrection {
  private current: Behind | undefined;

  constructor(private readonly d: ClockCorrectionDeps) {}

  /** The clock reads behind (the rules runner found it before its last time at a start). Idempotent. */
  behind(leadMs = 0): void {
    if (this.current) return;
    const { clock } = this.d;
    let open: AlertRow[];
    try {
      open = this.d.stored().sql.open.all();
    } catch (err) {
      this.d.log.warn({ err }, 'could not read the open alerts: times stamped while the clock reads behind stay');
      return;
    }
    const changed = new Set<string>();
    const stopChanges = this.d.subscribe((alert) => {
      if (changed.size < MAX_FOLLOWED) changed.add(alert.id);
    });
    // Network time steps the clock: the correction at once, not at the next report.
    const stopSteps = clock.onStep(() => this.check());
    this.current = {
      offsetMs: clock.now() - clock.monotonicNow(),
      since: clock.now(),
      leadMs: Math.max(0, leadMs),
      before: new Map(open.map((row) => [row.id, row])),
      changed,
      stop: () => {
        stopChanges();
        stopSteps();
      },
    };
  }

  /** Forget without correcting (the service stops). */
  forget(): void {
    this.current?.stop();
    this.current = undefined;
  }

  /**
   * If the clock has stepped forward by a minute or more since it was found behind, the alerts changed meanwhile get
   * the step, and following ends; otherwise (a step back, or one of less than a minute) following goes on.
   */
  private check(): void {
    const behind = this.current;
    if (!behind) return;
    const { clock } = this.d;
    const now = clock.now();
    const stepMs = Math.round(now - clock.monotonicNow() - behind.offsetMs);
    if (stepMs < MIN_CORRECTION_MS) return;
    this.forget();
    // On the clock before the step, every time stamped meanwhile reads before this; every one since, after.
    const readBefore = now - stepMs;
    let corrected = 0;
    for (const id of behind.changed)
      this.d.storage.guard('alert-clock-correction', () => {
        if (this.correct(id, behind, stepMs, readBefore)) corrected++;
      });
    this.d.log.info(
      { alerts: corrected, correctedByMs: stepMs },
      'the clock stepped forward: alerts stamped while it read behind have their times corrected',
    );
  }

  /** One alert's new version with its times corrected; false when nothing of it was stamped while behind. */
  private correct(id: string, behind: Behind, stepMs: number, readBefore: number): boolean {
    const { changes } = this.d;
    const before = behind.before.get(id);
    const change = this.d.held.storeOrHold('alert-clock-correction', (): Change | undefined => {
      const { sql } = this.d.stored();
      const row = sql.byId.get(id);
      if (!row) return undefined;
      // A time stamped while behind: changed since (or the alert raised since) and read before the step.
      const moved = (value: number | null, was: number | null | undefined): number | null =>
        value !== null && (before === undefined || value !== was) && value < readBefore ? value + stepMs : value;
      const dueFixedBehind =
        row.escalation_due_at !== null &&
        (before === undefined || row.escalation_due_at !== before.escalation_due_at) &&
        row.escalation_due_at - (rowLadder(row)[row.escalation_level]?.timeoutSeconds ?? 0) * 1000 < readBefore;
      const raisedBehind = before === undefined && row.raised_at < readBefore;
      const next = {
        id,
        raised_at: raisedBehind ? row.raised_at + stepMs : row.raised_at,
        acknowledged_at: moved(row.acknowledged_at, before?.acknowledged_at),
        resolved_at: moved(row.resolved_at, before?.resolved_at),
        last_seen_at: moved(row.last_seen_at, before?.last_seen_at)!,
        escalation_due_at: dueFixedBehind ? row.escalation_due_at! + stepMs : row.escalation_due_at,
        detail: detailCorrected(row.detail, before?.detail, {
          stepMs,
          readBefore,
          since: behind.since,
          leadMs: behind.leadMs,
          raisedAt: raisedBehind ? row.raised_at + stepMs : undefined,
        }),
      };
      if (
        next.raised_at === row.raised_at &&
        next.acknowledged_at === row.acknowledged_at &&
        next.resolved_at === row.resolved_at &&
        next.last_seen_at === row.last_seen_at &&
        next.escalation_due_at === row.escalation_due_at &&
        next.detail === row.detail
      )
        return undefined;
      sql.shiftAudit.run(stepMs, id, before?.version ?? 0, readBefore);
      const updated = returned(sql.correctTimes.get(next), 'clock correction');
      changes.audit(id, updated.version, HUB_ACTOR, 'clock-corrected', { correctedByMs: stepMs });
      return { row: updated, outbox: changes.enqueue(updated, groupsToldSoFar(updated)) };
    });
    if (change === HELD) {
      this.d.log.warn({ alertId: id }, 'storage failed: the alert keeps the times stamped while the clock read behind');
      return false;
    }
    if (!change) return false;
    changes.publish(change);
    return true;
  }
}

interface DetailCorrection {
  stepMs: number;
  /** On the clock before the step, every time stamped meanwhile reads before this. */
  readBefore: number;
  /** The clock's reading when it was found behind. */
  since: number;
  /** The rules' lead on the clock at the start behind (0 when not seen behind). */
  leadMs: number;
  /** The corrected `raisedAt` of an alert raised while behind; undefined for one raised before. */
  raisedAt: number | undefined;
}

/**
 * The detail (JSON) with every time in it stamped while the clock read behind moved as the alert's own are, at any
 * depth: a silence's `lastActivityAt`, `arrivedAt`, `enteredAt`, `gotUpAt`, `watchedSince`, `outingUnended.since`, a
 * device's `lastSeenAt`, `deadDevices[].silentSince`, a climate alert's `sinceAt`; a fall's `laterSilence` (its
 * `eventAt`, `seenAt`, `lastActivityAt`, `endedAt`), `laterFlags[]` and `otherDevices[]` entries told meanwhile
 * (review, session 67: `eventAt` alone moved, and the card said "possible fall called Sun 10:45" under a fall of Monday).
 * A time unchanged since the alert was found open (`wasDetail`) stays: stamped before the cut, on a clock that was
 * right. The others were put on the hub's clock as it read (the rules runner takes its lead off each, `toHubTime`): one
 * from the clock's reading when found behind on moves by the step; one before it lies before the cut (a silence's
 * last movement before the power went) and moves by the lead alone (none when the clock was not seen behind: a time
 * from a clock that was right). A time read at or after the step is the corrected clock's. The top `eventAt` of an alert
 * raised while behind keeps session 58's rule: moved by the step and never past the corrected raise (a press seen
 * while behind happened when it was raised, not hours before). Numbers (a wearable's `impactAt`, on its own clock) are
 * not times of the hub's and stay. The text unchanged when nothing moved (or it cannot be read).
 */
function detailCorrected(detail: string, wasDetail: string | undefined, c: DetailCorrection): string {
  let parsed: unknown;
  let was: unknown;
  try {
    parsed = JSON.parse(detail);
    was = wasDetail === undefined ? undefined : JSON.parse(wasDetail);
  } catch {
    return detail;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return detail;
  const { raisedAt } = c;
  const moved = movedIsoTimes(
    parsed,
    (ms, path) => {
      if (raisedAt !== undefined && path.length === 1 && path[0] === 'eventAt')
        return Math.min(ms + c.stepMs, raisedAt);
      if (ms >= c.readBefore) return ms;
      return ms >= c.since ? ms + c.stepMs : ms + c.leadMs;
    },
    was,
  );
  const text = JSON.stringify(moved);
  return text === JSON.stringify(parsed) ? detail : text;
}
