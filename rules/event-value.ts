// Whether a value fits its event type (SPEC 4.1): the one check that ingest and replay both apply before the rules see an event.
import type { AccelValue } from './types.js';
import { EVENT_VALUE_KIND, type EventType } from './vocabulary.js';

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** An accel value: a positive sample rate and at least one [x, y, z] sample of finite numbers. */
export function isAccelValue(v: unknown): v is AccelValue {
  if (v === null || typeof v !== 'object') return false;
  const { rate, samples } = v as { rate?: unknown; samples?: unknown };
  if (!isFiniteNumber(rate) || rate <= 0 || !Array.isArray(samples) || samples.length === 0) return false;
  for (const s of samples) {
    if (
      !Array.isArray(s) ||
      s.length !== 3 ||
      !isFiniteNumber(s[0]) ||
      !isFiniteNumber(s[1]) ||
      !isFiniteNumber(s[2])
    ) {
      return false;
    }
  }
  return true;
}

export function valueFits(type: EventType, value: unknown): boolean {
  switch (EVENT_VALUE_KIND[type]) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'true':
      return value === true;
    case 'number':
      return isFiniteNumber(value);
    case 'accel':
      return isAccelValue(value);
  }
}
