// Alert ids: unique and sortable by raise time (millisecond time in base 36, then random bits).
import { randomBytes } from 'node:crypto';

export function newAlertId(nowMs: number): string {
  // 9 base-36 digits cover epoch milliseconds until the year 5188, so string order is time order.
  return `${nowMs.toString(36).padStart(9, '0')}-${randomBytes(5).toString('hex')}`;
}
