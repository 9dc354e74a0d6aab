// JSON Schemas of the API's bodies and answers: one source for validation, fast serialisation and the OpenAPI at /docs.
import { ALERT_KINDS, ALERT_STATES, OUTCOMES, ROLES, SEVERITIES, TOKEN_ROLES } from '../rules/vocabulary.js';
import { errorBodySchema } from './errors.js';

const nullableString = { type: ['string', 'null'] } as const;

export const alertSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    homeId: { type: 'string' },
    residentId: nullableString,
    kind: { type: 'string', enum: ALERT_KINDS },
    severity: { type: 'string', enum: SEVERITIES },
    state: { type: 'string', enum: ALERT_STATES },
    raisedAt: { type: 'string' },
    acknowledgedAt: nullableString,
    acknowledgedBy: nullableString,
    resolvedAt: nullableString,
    outcome: { type: ['string', 'null'], enum: [...OUTCOMES, null] },
    note: nullableString,
    escalationLevel: { type: 'integer' },
    notifiedGroups: { type: 'array', items: { type: 'string' } },
    room: nullableString,
    detail: { type: 'object', additionalProperties: true },
    count: { type: 'integer' },
    lastSeenAt: { type: 'string' },
    version: { type: 'integer' },
  },
  required: ['id', 'homeId', 'kind', 'severity', 'state', 'raisedAt', 'version'],
} as const;

export const dailyFeaturesSchema = {
  type: 'object',
  properties: {
    homeId: { type: 'string' },
    date: { type: 'string' },
    risingTime: nullableString,
    bedtime: nullableString,
    activeMinutes: { type: 'number' },
    roomTransitions: { type: 'number' },
    bathroomVisitsDay: { type: 'number' },
    bathroomVisitsNight: { type: 'number' },
    nightActivityMinutes: { type: 'number' },
    minutesOut: { type: 'number' },
    kitchenUses: { type: 'number' },
    meanIndoorTempC: { type: ['number', 'null'] },
    alerts: { type: 'number' },
    /** The day's night has not ended yet (today): its figures so far. Absent on a complete day. */
    inProgress: { type: 'boolean' },
    /** Minutes of the day the hub was off (15 or more): nothing listened then, its figures are partial. Else absent. */
    hubOffMinutes: { type: 'number' },
    /** The routine review found the home in away mode in this day (`away_days`): not a resident's day at home. Else absent. */
    away: { type: 'boolean' },
  },
  required: ['homeId', 'date'],
} as const;

/** A local date, YYYY-MM-DD. */
export const dateSchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

export const roleSchema = { type: 'string', enum: ROLES } as const;

/** An API token's role: a dashboard role, or `device` (posts events for its homes only). */
export const tokenRoleSchema = { type: 'string', enum: TOKEN_ROLES } as const;

/** Documented error answers, keyed by status. */
export function errors(...statuses: number[]): Record<number, typeof errorBodySchema> {
  return Object.fromEntries(statuses.map((s) => [s, errorBodySchema]));
}

/**
 * The body of a write route that takes none (a logout, an acknowledgement on the centre's console): nothing, or `{}`.
 * A field sent there is refused by name, as on every other write route (dashboard/lazy-schemas.ts), not dropped.
 */
export const noBodySchema = { type: ['object', 'null'], properties: {}, additionalProperties: false } as const;
