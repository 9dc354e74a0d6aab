// Capped exponential backoff for reopening a serial port that vanished or never existed.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_REOPEN_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 10_000 };

/** Wait before reopen attempt number `attempt` (0 = first retry). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
}
