// The dashboard's one catalogue of coded errors: every refusal the API gives has a code, a status and a clear message.

export const DASHBOARD_ERRORS = {
  BAD_REQUEST: { status: 400, message: 'The request is not valid' },
  AUTH_REQUIRED: {
    status: 401,
    message: 'Log in first (session cookie) or send an API token (Authorization: Bearer ...)',
  },
  BAD_CREDENTIALS: { status: 401, message: 'Wrong username or password' },
  BAD_TOKEN: { status: 401, message: 'The API token is unknown or revoked' },
  FORBIDDEN_ROLE: { status: 403, message: 'Your role may not do this' },
  FORBIDDEN_HOME: {
    status: 403,
    message: "This token may not post events for this home (not among the token's homes)",
  },
  CROSS_SITE_REQUEST: { status: 403, message: 'Refused a state-changing request from another site' },
  JSON_REQUIRED: { status: 415, message: 'State-changing requests take application/json bodies only' },
  LOGIN_THROTTLED: { status: 429, message: 'Too many wrong passwords: wait before trying again' },
  NOT_FOUND: { status: 404, message: 'No such route' },
  ALERT_NOT_FOUND: { status: 404, message: 'No alert with this id' },
  ALERT_WRONG_STATE: { status: 409, message: 'The alert is not in a state that allows this' },
  CHANGED_SINCE: {
    status: 409,
    message:
      'The alert changed since the version you acted on (pressed again, or more serious): look again, then resolve',
  },
  BAD_OUTCOME: { status: 400, message: 'Unknown outcome' },
  BAD_NOTE: { status: 400, message: 'The note holds a control character or half a character' },
  ALERT_FORBIDDEN: { status: 403, message: 'The alert service refused this action' },
  HOME_NOT_FOUND: { status: 404, message: 'No home with this id in the configuration' },
  BAD_DATE_RANGE: { status: 400, message: 'from and to must be dates YYYY-MM-DD with from <= to' },
  USER_NOT_FOUND: { status: 404, message: 'No user with this name' },
  LAST_ADMIN: { status: 409, message: 'The last admin cannot be removed' },
  USER_EXISTS: { status: 409, message: 'A user with this name exists already' },
  TOKEN_EXISTS: { status: 409, message: 'A token with this name exists already' },
  TOKEN_NOT_FOUND: { status: 404, message: 'No token with this id' },
  ALERTS_UNAVAILABLE: { status: 503, message: 'The alert service is not running' },
  STORAGE_UNAVAILABLE: {
    status: 503,
    message: 'The hub cannot store events now (its storage is failing): nothing was kept, send them again later',
  },
  INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

/** Retry-After (seconds) of a 503 STORAGE_UNAVAILABLE: the hub's storage refused a write (a full disk). */
export const STORAGE_RETRY_AFTER_S = 5;

export type DashboardErrorCode = keyof typeof DASHBOARD_ERRORS;

/** The body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
}

export class DashboardError extends Error {
  readonly code: DashboardErrorCode;
  readonly statusCode: number;
  /** Seconds the client should wait (429). */
  readonly retryAfterSeconds?: number;

  constructor(code: DashboardErrorCode, detail?: string, retryAfterSeconds?: number) {
    super(detail ?? DASHBOARD_ERRORS[code].message);
    this.name = 'DashboardError';
    this.code = code;
    this.statusCode = DASHBOARD_ERRORS[code].status;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** OpenAPI schema of ErrorBody, shared by every route's documented error answers. */
export const errorBodySchema = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
} as const;

/**
 * A 503 STORAGE_UNAVAILABLE for a write the hub's storage refused (a full disk), with Retry-After: `what` could not be
 * stored, and `outcome` says what that leaves as it was.
 */
export function storageRefused(what: string, outcome: string): DashboardError {
  return new DashboardError(
    'STORAGE_UNAVAILABLE',
    `The hub cannot store ${what} now (its storage is failing, the disk full?): ${outcome}`,
    STORAGE_RETRY_AFTER_S,
  );
}
