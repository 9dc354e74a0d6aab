// The rules engine: pure, clock-injected; the same code runs live, in replay and in tests.
import type { HomeConfig, RuleDecision, SensorEvent } from './types.js';
import type { AlertKind } from './vocabulary.js';

/** Event types that are an emergency the moment they arrive with value true. */
const EMERGENCY_KIND: Partial<Record<SensorEvent['type'], AlertKind>> = {
  pendant: 'pendant',
  fall: 'fall',
  smoke: 'smoke',
  co: 'co',
  gas: 'gas',
  water: 'flood',
};

export class RulesEngine {
  private clockMs = 0;

  constructor(private readonly homes: HomeConfig[]) {}

  /** Feed one event (its `ts` is its time); returns decisions, timers due before it included. */
  handle(event: SensorEvent): RuleDecision[] {
    const decisions = this.advanceTo(event.ts);
    if (!event.assigned) return decisions;
    const kind = EMERGENCY_KIND[event.type];
    if (kind && event.value === true) {
      const home = this.homes.find((h) => h.id === event.homeId);
      const device = home?.devices.find((d) => d.id === event.deviceId);
      decisions.push({
        type: 'raise',
        homeId: event.homeId,
        residentId: device?.residentId ?? home?.residents[0]?.id,
        kind,
        severity: 'critical',
        at: Math.max(event.ts, this.clockMs),
        room: event.room,
        deviceId: event.deviceId,
        detail: { eventType: event.type, source: event.source },
      });
    }
    return decisions;
  }

  /** Move the engine's clock to `now`, firing every timer due by then. */
  advanceTo(now: number): RuleDecision[] {
    if (now > this.clockMs) this.clockMs = now;
    return [];
  }

  /** When the next timer is due (epoch ms), or null when none is armed. */
  nextDueAt(): number | null {
    return null;
  }

  /** Set or clear a home's away mode at `now`. */
  setAway(_homeId: string, _away: boolean, now: number): RuleDecision[] {
    return this.advanceTo(now);
  }

  /** JSON-serialisable snapshot: learned normal, rule state, armed timers. */
  exportState(): unknown {
    return { version: 1, clockMs: this.clockMs };
  }

  static fromState(homes: HomeConfig[], state: unknown): RulesEngine {
    const engine = new RulesEngine(homes);
    const s = state as { clockMs?: number } | null;
    if (s && typeof s.clockMs === 'number') engine.clockMs = s.clockMs;
    return engine;
  }
}
