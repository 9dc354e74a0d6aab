// The centre's operators: scrypt-hashed passwords (hub/passwords.ts), expiring sessions stored as hashes, the first admin.
import type pg from 'pg';
import { generatePassword, hashGeneratedSecret, hashPassword, verifyPassword } from '../../hub/passwords.js';
import { hashSecret, randomSecret } from '../../dashboard/secrets.js';
import { OPERATOR_ROLES, type OperatorRole } from './schema.js';

/** Operator names go into commands sent to hubs (`operator`, 1–64 printable characters) and into the audit trail. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
export const MIN_PASSWORD_LENGTH = 10;

export interface Operator {
  username: string;
  role: OperatorRole;
  /** An analyst's council (session 68): the hubs whose report they read. Absent for other roles. */
  council?: string | null;
}

/** A council's name, as an admin and a supervisor type it: 1 to 64 letters, digits, spaces, ".", "_" or "-". */
export const COUNCIL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

export class OperatorError extends Error {
  constructor(
    readonly code:
      | 'BAD_USERNAME'
      | 'BAD_ROLE'
      | 'WEAK_PASSWORD'
      | 'OPERATOR_EXISTS'
      | 'BAD_COUNCIL'
      | 'COUNCIL_FOR_ANALYSTS'
      | 'OPERATOR_NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'OperatorError';
  }
}

function isRole(role: string): role is OperatorRole {
  return (OPERATOR_ROLES as readonly string[]).includes(role);
}

/** A council given to an operator: a name of `COUNCIL_PATTERN`, to an analyst only (other roles read every hub). */
function checkCouncil(role: OperatorRole, council: string | null | undefined): void {
  if (council === null || council === undefined) return;
  if (!COUNCIL_PATTERN.test(council)) {
    throw new OperatorError('BAD_COUNCIL', 'A council is 1 to 64 letters, digits, spaces, ".", "_" or "-"');
  }
  if (role !== 'analyst') {
    throw new OperatorError(
      'COUNCIL_FOR_ANALYSTS',
      `Only an analyst is given a council: a ${role} reads the report over every hub`,
    );
  }
}

/**
 * Adds an operator (for the CLI and the admin page). The password is kept only as a scrypt hash; a name taken
 * already is refused (`OPERATOR_EXISTS`), never overwritten. `council`: an analyst's (session 68).
 */
export async function createOperator(
  pool: pg.Pool,
  input: { username: string; role: string; password: string; createdBy?: string; council?: string | null },
): Promise<Operator> {
  if (!USERNAME_PATTERN.test(input.username)) {
    throw new OperatorError('BAD_USERNAME', 'A username is 1 to 64 letters, digits, ".", "_", "@" or "-"');
  }
  if (!isRole(input.role)) throw new OperatorError('BAD_ROLE', `The role must be one of ${OPERATOR_ROLES.join(', ')}`);
  checkCouncil(input.role, input.council);
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new OperatorError('WEAK_PASSWORD', `A password has at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const hash = await hashPassword(input.password);
  const council = input.council ?? null;
  const inserted = await pool.query(
    `INSERT INTO console_operators (username, role, password_hash, created_by, council) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (username) DO NOTHING`,
    [input.username, input.role, hash, input.createdBy ?? null, council],
  );
  if (inserted.rowCount === 0) throw new OperatorError('OPERATOR_EXISTS', 'An operator with this name exists already');
  return input.role === 'analyst'
    ? { username: input.username, role: input.role, council }
    : { username: input.username, role: input.role };
}

/**
 * No operator at all: creates `admin` with `adminPassword` (CENTRAL_ADMIN_PASSWORD), or with a random password
 * returned to be printed once. A set `adminPassword` later resets `admin`'s password (the way back in when every
 * admin password is lost) and ends admin's sessions.
 */
/** The first admin's chosen password (CENTRAL_ADMIN_PASSWORD) meets the rule of every other; never echoed. */
export function assertAdminPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new OperatorError(
      'WEAK_PASSWORD',
      `CENTRAL_ADMIN_PASSWORD must be at least ${String(MIN_PASSWORD_LENGTH)} characters (as every operator's password)`,
    );
  }
}

export async function ensureAdmin(
  pool: pg.Pool,
  adminPassword: string | undefined,
): Promise<{ generatedPassword?: string; replaced?: boolean }> {
  if (adminPassword) assertAdminPassword(adminPassword);
  const admin = await pool.query<{ password_hash: string; password_unclaimed: boolean }>(
    `SELECT password_hash, password_unclaimed FROM console_operators WHERE username = 'admin'`,
  );
  const stored = admin.rows[0];
  if (stored) {
    if (adminPassword && !(await verifyPassword(adminPassword, stored.password_hash))) {
      const hash = await hashPassword(adminPassword);
      await pool.query(
        `WITH s AS (DELETE FROM console_sessions WHERE username = 'admin')
         UPDATE console_operators SET password_hash = $1, role = 'admin', password_unclaimed = false
         WHERE username = 'admin'`,
        [hash],
      );
    } else if (!adminPassword && stored.password_unclaimed) {
      // Nobody has logged in with the generated password: a new one, shown by this start (no session to end).
      const generatedPassword = generatePassword();
      const replaced = await pool.query(
        `UPDATE console_operators SET password_hash = $1 WHERE username = 'admin' AND password_unclaimed`,
        [hashGeneratedSecret(generatedPassword)],
      );
      if (replaced.rowCount === 1) return { generatedPassword, replaced: true };
    }
    return {};
  }
  if (adminPassword) {
    await pool.query(
      `INSERT INTO console_operators (username, role, password_hash) VALUES ('admin', 'admin', $1)
       ON CONFLICT (username) DO NOTHING`,
      [await hashPassword(adminPassword)],
    );
    return {};
  }
  const count = await pool.query<{ n: string }>('SELECT count(*) AS n FROM console_operators');
  if (Number(count.rows[0]?.n ?? 0) > 0) return {};
  // 144 random bits: a fast hash is as safe as scrypt here; a password admin later chooses gets scrypt.
  const generatedPassword = generatePassword();
  const inserted = await pool.query(
    `INSERT INTO console_operators (username, role, password_hash, password_unclaimed) VALUES ('admin', 'admin', $1, true)
     ON CONFLICT (username) DO NOTHING`,
    [hashGeneratedSecret(generatedPassword)],
  );
  // Another console created it at the same moment: that one prints its password.
  return inserted.rowCount === 1 ? { generatedPassword } : {};
}

export class OperatorStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sessionMs: number,
  ) {}

  /** The operator when the password is right; always spends one hash, known name or not. */
  async checkPassword(username: string, password: string, source: string): Promise<Operator | undefined> {
    const row = (
      await this.pool.query<{
        username: string;
        role: OperatorRole;
        password_hash: string;
        password_unclaimed: boolean;
      }>('SELECT username, role, password_hash, password_unclaimed FROM console_operators WHERE username = $1', [
        username,
      ])
    ).rows[0];
    const ok = await verifyPassword(password, row?.password_hash, { source });
    if (!ok || !row) return undefined;
    // The generated password has been used: later starts keep it.
    if (row.password_unclaimed)
      await this.pool.query('UPDATE console_operators SET password_unclaimed = false WHERE username = $1', [username]);
    return { username: row.username, role: row.role };
  }

  async openSession(username: string): Promise<{ sessionId: string; expiresAt: Date }> {
    const sessionId = randomSecret();
    const expiresAt = new Date(Date.now() + this.sessionMs);
    await this.pool.query('DELETE FROM console_sessions WHERE expires_at <= now()');
    await this.pool.query('INSERT INTO console_sessions (id_hash, username, expires_at) VALUES ($1, $2, $3)', [
      hashSecret(sessionId),
      username,
      expiresAt,
    ]);
    return { sessionId, expiresAt };
  }

  /** The operator as stored now (a removed operator or a changed role counts at once). */
  async sessionOperator(sessionId: string): Promise<Operator | undefined> {
    const row = (
      await this.pool.query<{ username: string; role: OperatorRole; council: string | null }>(
        `SELECT o.username, o.role, o.council FROM console_sessions s JOIN console_operators o ON o.username = s.username
         WHERE s.id_hash = $1 AND s.expires_at > now()`,
        [hashSecret(sessionId)],
      )
    ).rows[0];
    if (!row) return undefined;
    // An analyst's council as stored now: assigned or changed by an admin, it counts at the next request.
    return row.role === 'analyst' ? row : { username: row.username, role: row.role };
  }

  async closeSession(sessionId: string): Promise<void> {
    await this.pool.query('DELETE FROM console_sessions WHERE id_hash = $1', [hashSecret(sessionId)]);
  }

  /** A new password (scrypt); every session of the operator ends, so a stolen session does not outlive the change. */
  async changePassword(username: string, password: string): Promise<void> {
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new OperatorError('WEAK_PASSWORD', `A password has at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const hash = await hashPassword(password);
    await this.pool.query(
      `WITH s AS (DELETE FROM console_sessions WHERE username = $2)
       UPDATE console_operators SET password_hash = $1, password_unclaimed = false WHERE username = $2`,
      [hash, username],
    );
  }

  async list(): Promise<
    { username: string; role: OperatorRole; createdAt: string; createdBy: string | null; council: string | null }[]
  > {
    const rows = await this.pool.query<{
      username: string;
      role: OperatorRole;
      created_at: Date;
      created_by: string | null;
      council: string | null;
    }>('SELECT username, role, created_at, created_by, council FROM console_operators ORDER BY username');
    return rows.rows.map((r) => ({
      username: r.username,
      role: r.role,
      createdAt: r.created_at.toISOString(),
      createdBy: r.created_by,
      council: r.council,
    }));
  }

  /** Gives an analyst a council, or none (`null`: the analyst reads nothing until given one). Session 68. */
  async assignCouncil(username: string, council: string | null): Promise<Operator> {
    const row = (
      await this.pool.query<{ role: OperatorRole }>('SELECT role FROM console_operators WHERE username = $1', [
        username,
      ])
    ).rows[0];
    if (!row) throw new OperatorError('OPERATOR_NOT_FOUND', 'No operator with this name');
    checkCouncil(row.role, council);
    await this.pool.query('UPDATE console_operators SET council = $2 WHERE username = $1', [username, council]);
    return { username, role: row.role, council };
  }

  /** Removes an operator and their sessions; never the last admin. */
  async remove(username: string): Promise<'deleted' | 'not-found' | 'last-admin'> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Serialises removals: two admins removing each other at once cannot leave none.
      await client.query('SELECT pg_advisory_xact_lock(7426003)');
      const row = (
        await client.query<{ role: string }>('SELECT role FROM console_operators WHERE username = $1', [username])
      ).rows[0];
      let result: 'deleted' | 'not-found' | 'last-admin' = 'deleted';
      if (!row) result = 'not-found';
      else if (row.role === 'admin') {
        const admins = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM console_operators WHERE role = 'admin'`,
        );
        if (Number(admins.rows[0]?.n ?? 0) <= 1) result = 'last-admin';
      }
      if (result === 'deleted') await client.query('DELETE FROM console_operators WHERE username = $1', [username]);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
