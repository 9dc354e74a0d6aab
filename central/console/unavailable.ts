// When the centre's PostgreSQL is down or refuses the console: which errors mean that, and what the operator is told
// (a 503 the pages show, instead of a generic 500), since the console can do nothing without its database.

export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/** What is true while the database is away (docs/central-console.md, "When PostgreSQL is down"). */
export const DATABASE_UNAVAILABLE_MESSAGE =
  "The centre's database cannot be reached, so this console can neither show nor change alerts just now. " +
  "Alerts still go to each hub's own responders, and what the hubs send waits in the centre's queue until the " +
  'database is back (nothing is lost). Use the phone procedure meanwhile; the console carries on by itself when the ' +
  'database answers again.';

/** Seconds a client is told to wait before trying again. */
export const RETRY_AFTER_S = 5;

/** Socket errors of a connection that cannot be made or was cut. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs by which PostgreSQL refuses to serve anyone, not this request: 08 connection exception, 28 authorisation
 * refused, 53 insufficient resources (too many connections, disk full), 57P01-57P03 shutting down or starting up,
 * 3D000 the database does not exist.
 */
const REFUSING_STATE = /^(08|28|53|57P0[123]$|3D000$)/;

/** node-pg's own words when a connection ends under it or cannot be had in time (these errors carry no code). */
const PG_CONNECTION_WORDS = /Connection terminated|timeout exceeded when trying to connect|connection error/i;

/** True when `err` means the database cannot be reached or refuses every request (not a fault of this request). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || REFUSING_STATE.test(code))) return true;
  if (err instanceof AggregateError && err.errors.some(isDatabaseUnavailable)) return true;
  return typeof code !== 'string' && PG_CONNECTION_WORDS.test(err.message);
}

/** The answer to a page (not API) request while the database is away: the message, and a retry by itself. */
export function unavailablePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${String(RETRY_AFTER_S * 2)}">
<title>Centre database unavailable</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<main>
<h1>Centre database unavailable</h1>
<p role="alert">${DATABASE_UNAVAILABLE_MESSAGE}</p>
<p>This page tries again every ${String(RETRY_AFTER_S * 2)} seconds.</p>
</main>
</body>
</html>
`;
}
