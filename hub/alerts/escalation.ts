// Escalation: one timer per raised alert; when a level times out the alert goes to the next group of its ladder.
import type { Clock, TimerHandle } from '../clock.js';
import type { EscalationLevel, HubConfig } from '../config-types.js';
import type { Logger } from '../logger.js';
import type { Severity } from '../../rules/vocabulary.js';
import type { StorageHealth } from '../storage-health.js';
import type { AlertChanges, Change } from './changes.js';
import { HELD, type AlertStore, type HeldAlerts } from './held.js';
import { ladderFor, levelDueAt } from './ladder.js';
import type { AlertMetrics } from './metrics.js';
import { parseLadder, rowLadder, type AlertRow } from './rows.js';
import { HUB_ACTOR, returned } from './statements.js';

export interface EscalationDeps {
  clock: Clock;
  log: Logger;
  metrics: AlertMetrics;
  storage: StorageHealth;
  stored(): AlertStore;
  running(): boolean;
  held: HeldAlerts;
  changes: AlertChanges;
  /** The configuration now (a reload replaces it): which responder groups exist, the home's ladder. */
  config(): HubConfig;
}

export class Escalation {
  /** Each raised alert's timer, and the due time it was armed for (a fake clock's handle moves when its wall steps). */
  private readonly timers = new Map<string, { handle: TimerHandle; dueAt: number }>();
  /**
   * Due times read from storage at start (alert id to due time): fixed before this process, on a clock that was then
   * right, so instants on the wall clock. One fixed since is a delay from when it was fixed (`arm`).
   */
  private readonly storedBefore = new Map<string, number>();
  /** Escalation steps sent to the home's ladder as configured now, the stored one naming a group no longer configured. */
  rerouted = 0;

  constructor(private readonly d: EscalationDeps) {}

  /** At start: escalate every raised alert whose level timed out while the hub was down. */
  fireOverdue(open: readonly AlertRow[], now: number): void {
    for (const row of open) {
      if (row.state === 'raised' && row.escalation_due_at !== null && row.escalation_due_at <= now)
        this.escalate(row.id);
    }
  }

  /** At start: arm the open alerts' timers, their due times as stored before this start. */
  armStored(open: readonly AlertRow[]): void {
    for (const row of open) if (row.escalation_due_at !== null) this.storedBefore.set(row.id, row.escalation_due_at);
    for (const row of open) this.arm(row);
  }

  /**
   * (Re)arm the timer of an alert's current level; clears it when the alert no longer escalates. A level whose due time
   * is unchanged keeps its timer: re-armed from the stored due time after the wall clock stepped, it would run the
   * level short or long by the step.
   */
  arm(row: AlertRow): void {
    const dueAt = row.state === 'raised' ? row.escalation_due_at : null;
    const existing = this.timers.get(row.id);
    if (existing && existing.dueAt === dueAt) return;
    if (existing) this.d.clock.clearTimer(existing.handle);
    this.timers.delete(row.id);
    if (dueAt === null) {
      this.storedBefore.delete(row.id);
      return;
    }
    // A due time stored before this start is an instant: a level that timed out while the hub was down is due when
    // network time corrects a clock that started behind (a Pi has no real-time clock), not that error later. One
    // fixed since (a raise, an escalation) is the level's delay from then, whatever the clock read: a press while the
    // clock still read hours behind must not reach the next group the moment network time corrects it (docs/time.md).
    const storedBefore = this.storedBefore.get(row.id) === dueAt;
    if (!storedBefore) this.storedBefore.delete(row.id);
    const handle = this.d.clock.setTimer(
      dueAt,
      () => {
        this.timers.delete(row.id);
        // A timer callback that throws would end the process: whatever fails is counted and logged instead.
        if (this.d.running()) this.d.storage.guard('escalation-timer', () => this.escalate(row.id, dueAt));
      },
      storedBefore ? { wallDueAt: dueAt } : undefined,
    );
    this.timers.set(row.id, { handle, dueAt });
  }

  clearAll(): void {
    for (const { handle } of this.timers.values()) this.d.clock.clearTimer(handle);
    this.timers.clear();
    this.storedBefore.clear();
  }

  /**
   * The current level timed out: go to the next group on the ladder, or record that the ladder is exhausted.
   * `timerDueAt`: the due time of the timer that fired; the timer measured the delay, so it holds even if the wall
   * clock was stepped back meanwhile (the level is still the one it was armed for when the due time is unchanged).
   */
  private escalate(id: string, timerDueAt?: number): void {
    const now = this.d.clock.now();
    const { changes } = this.d;
    const change = this.d.held.storeOrHold('alert-escalate', (): Change | undefined => {
      const { sql } = this.d.stored();
      const current = sql.byId.get(id);
      if (!current || !isDue(current, now, timerDueAt)) return undefined;
      const { ladder, replacedGroup } = this.nextLadder(current);
      const level = current.escalation_level + 1;
      const step = ladder[level];
      if (step === undefined) {
        sql.exhaust.run(id);
        changes.audit(id, current.version, HUB_ACTOR, 'ladder-exhausted', { level: current.escalation_level });
        this.d.log.warn(
          { alertId: id, escalationLevel: current.escalation_level },
          'alert still unacknowledged at the last level',
        );
        return undefined;
      }
      const text = replacedGroup === undefined ? current.ladder : JSON.stringify(ladder);
      const row = returned(sql.escalate.get(level, levelDueAt(ladder, level, now), text, id), 'escalation');
      changes.audit(id, row.version, HUB_ACTOR, 'escalate', { level, group: step.group, ...replaced(replacedGroup) });
      if (replacedGroup !== undefined) this.noteRerouted(id, level);
      return { row, outbox: changes.enqueue(row, [step.group]) };
    });
    if (change === HELD) {
      this.escalateFromMemory(id, now, timerDueAt);
      return;
    }
    if (!change) return;
    this.d.metrics.escalations.inc({ level: String(change.row.escalation_level) });
    this.d.log.info({ alertId: id, escalationLevel: change.row.escalation_level }, 'alert escalated');
    changes.publish(change);
  }

  private escalateFromMemory(id: string, now: number, timerDueAt?: number): void {
    const { changes } = this.d;
    const current = changes.current(id);
    if (!current || !isDue(current, now, timerDueAt)) return;
    const { ladder, replacedGroup } = this.nextLadder(current);
    const level = current.escalation_level + 1;
    const step = ladder[level];
    if (step === undefined) {
      this.d.log.warn(
        { alertId: id, escalationLevel: current.escalation_level },
        'alert still unacknowledged at the last level',
      );
      changes.hold(
        { ...current, escalation_due_at: null },
        HUB_ACTOR,
        'ladder-exhausted',
        { level: current.escalation_level },
        [],
        false,
      );
      return;
    }
    const row: AlertRow = {
      ...current,
      ...(replacedGroup === undefined ? {} : { ladder: JSON.stringify(ladder) }),
      escalation_level: level,
      escalation_due_at: levelDueAt(ladder, level, now),
      version: current.version + 1,
    };
    this.d.metrics.escalations.inc({ level: String(level) });
    if (replacedGroup !== undefined) this.noteRerouted(id, level);
    const detail = { level, group: step.group, ...replaced(replacedGroup) };
    changes.hold(row, HUB_ACTOR, 'escalate', detail, [step.group]);
  }

  /**
   * The ladder the next step follows. An alert keeps the ladder it was raised with, but a reload (or a restart with a
   * new file) may have renamed or removed a group on it: a step to a group no responder is in any more would post no
   * webhook, and a responder service reached only by webhook would never hear of it. When the next step's group is
   * gone (or the ladder ends while the group the alert sits with is gone), the rest of the ladder is the home's ladder
   * for the alert's severity as configured now (or the default), from the same level on (its last level when it is
   * shorter); the levels already told stay as they were, so their acknowledgement and resolution still go to them.
   * Unchanged when the configuration has no group for that step either (no responders at all: MQTT and the consoles).
   */
  private nextLadder(row: AlertRow): { ladder: readonly EscalationLevel[]; replacedGroup?: string } {
    const stored = rowLadder(row);
    const level = row.escalation_level + 1;
    const config = this.d.config();
    const groups = new Set((config.responders ?? []).map((r) => r.group));
    const next = stored[level];
    const stale = next ? next.group : stored[row.escalation_level]?.group;
    if (stale === undefined || groups.has(stale)) return { ladder: stored };
    const configured = ladderFor(config, row.home_id, row.severity as Severity);
    const from = Math.min(level, configured.length - 1);
    const step = configured[from];
    if (step === undefined || !groups.has(step.group)) return { ladder: stored };
    const ladder = parseLadder(JSON.stringify([...stored.slice(0, level), ...configured.slice(from)]));
    return { ladder, replacedGroup: stale };
  }

  private noteRerouted(id: string, level: number): void {
    this.rerouted += 1;
    this.d.metrics.escalationsRerouted.inc();
    this.d.log.warn(
      { alertId: id, escalationLevel: level },
      "escalation sent to the home's ladder as configured now: the alert's ladder named a group no longer configured",
    );
  }
}

/** The audit detail of a step sent to the ladder as configured now: the group of the alert's ladder that was gone. */
function replaced(group: string | undefined): { replacedGroup?: string } {
  return group === undefined ? {} : { replacedGroup: group };
}

/**
 * Whether the alert's level has timed out. A timer that fired is due even when now() still reads a little before its
 * due time (timers and the clock differ by a millisecond or two); without a timer (at start) the clock decides.
 */
function isDue(row: AlertRow, now: number, timerDueAt: number | undefined): boolean {
  if (row.state !== 'raised' || row.escalation_due_at === null) return false;
  return timerDueAt === undefined ? row.escalation_due_at <= now : row.escalation_due_at === timerDueAt;
}
