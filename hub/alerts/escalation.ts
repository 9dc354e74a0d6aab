// Escalation: one timer per raised alert; when a level times out the alert goes to the next group of its ladder.
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { StorageHealth } from '../storage-health.js';
import type { AlertChanges, Change } from './changes.js';
import { HELD, type AlertStore, type HeldAlerts } from './held.js';
import { levelDueAt } from './ladder.js';
import type { AlertMetrics } from './metrics.js';
import { rowLadder, type AlertRow } from './rows.js';
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
}

export class Escalation {
  private readonly timers = new Map<string, TimerHandle>();

  constructor(private readonly d: EscalationDeps) {}

  /** At start: escalate every raised alert whose level timed out while the hub was down. */
  fireOverdue(open: readonly AlertRow[], now: number): void {
    for (const row of open) {
      if (row.state === 'raised' && row.escalation_due_at !== null && row.escalation_due_at <= now)
        this.escalate(row.id);
    }
  }

  /** (Re)arm the timer of an alert's current level; clears it when the alert no longer escalates. */
  arm(row: AlertRow): void {
    const existing = this.timers.get(row.id);
    if (existing) this.d.clock.clearTimer(existing);
    this.timers.delete(row.id);
    if (row.state !== 'raised' || row.escalation_due_at === null) return;
    const dueAt = row.escalation_due_at;
    this.timers.set(
      row.id,
      this.d.clock.setTimer(dueAt, () => {
        this.timers.delete(row.id);
        // A timer callback that throws would end the process: whatever fails is counted and logged instead.
        if (this.d.running()) this.d.storage.guard('escalation-timer', () => this.escalate(row.id, dueAt));
      }),
    );
  }

  clearAll(): void {
    for (const handle of this.timers.values()) this.d.clock.clearTimer(handle);
    this.timers.clear();
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
      const ladder = rowLadder(current);
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
      const row = returned(sql.escalate.get(level, levelDueAt(ladder, level, now), id), 'escalation');
      changes.audit(id, row.version, HUB_ACTOR, 'escalate', { level, group: step.group });
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
    const ladder = rowLadder(current);
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
      escalation_level: level,
      escalation_due_at: levelDueAt(ladder, level, now),
      version: current.version + 1,
    };
    this.d.metrics.escalations.inc({ level: String(level) });
    changes.hold(row, HUB_ACTOR, 'escalate', { level, group: step.group }, [step.group]);
  }
}

/**
 * Whether the alert's level has timed out. A timer that fired is due even when now() still reads a little before its
 * due time (timers and the clock differ by a millisecond or two); without a timer (at start) the clock decides.
 */
function isDue(row: AlertRow, now: number, timerDueAt: number | undefined): boolean {
  if (row.state !== 'raised' || row.escalation_due_at === null) return false;
  return timerDueAt === undefined ? row.escalation_due_at <= now : row.escalation_due_at === timerDueAt;
}
