// Alert ids: unique and sortable by raise time (millisecond time in base 36, then random bits).
import { randomFillSync } from 'node:crypto';

/** Random bytes per id (40 bits, written as 10 hex digits). */
const RANDOM_BYTES = 5;

/**
 * Random bytes are drawn from the system 4 KiB at a time, not per id: `randomBytes(5)` per alert was 4 % of the
 * alert raise's time (a system call and a new buffer each time), on the path of every pendant press.
 */
const pool = Buffer.alloc(RANDOM_BYTES * 820);
let poolOffset = pool.length;

export function newAlertId(nowMs: number): string {
  if (poolOffset + RANDOM_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const random = pool.toString('hex', poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
  // 9 base-36 digits cover epoch milliseconds until the year 5188, so string order is time order.
  return `${nowMs.toString(36).padStart(9, '0')}-${random}`;
}
