// Who may use the dashboard: users (hashed passwords), expiring sessions and API tokens, kept in the hub's SQLite.
import type { Database, Statement } from 'better-sqlite3';
import { migrate } from '../hub/migrations.js';
import { sqliteCode } from '../hub/storage-health.js';
import type { Role, TokenRole } from '../rules/vocabulary.js';
import {
  generatePassword,
  hashGeneratedSecret,
  hashPassword,
  needsRehash,
  verifyPassword,
  type HashOptions,
} from '../hub/passwords.js';
import { hashSecret, randomSecret, sameSecretHash } from './secrets.js';

export const AUTH_MIGRATIONS = [
  `CREATE TABLE dashboard_users (
     username TEXT PRIMARY KEY,
     role TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     created_by TEXT)`,
  // Only a hash of the session id is stored: a copy of the database opens no session.
  `CREATE TABLE dashboard_sessions (
     id_hash TEXT PRIMARY KEY,
     username TEXT NOT NULL REFERENCES dashboard_users(username) ON DELETE CASCADE,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL)`,
  'CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at)',
  `CREATE TABLE dashboard_tokens (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     role TEXT NOT NULL,
     secret_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     created_by TEXT NOT NULL,
     last_used_at INTEGER,
     revoked_at INTEGER)`,
  // 1 while the password is one the hub generated and nobody has logged in with yet: the next start replaces it and
  // shows the new one, so an installer who missed the first start's output (or whose first start failed) gets in.
  'ALTER TABLE dashboard_users ADD COLUMN password_unclaimed INTEGER NOT NULL DEFAULT 0',
  // A device token's homes (JSON array; `*` every home), or a responder token's when it was made with some (session
  // 62); NULL for the other tokens, which homes do not scope.
  'ALTER TABLE dashboard_tokens ADD COLUMN homes TEXT',
  // A responder's homes, when the admin held them to some (JSON array, as a token's); NULL: every home.
  'ALTER TABLE dashboard_users ADD COLUMN homes TEXT',
] as const;

/** Who is making a request: a person logged in, or a program holding a token. */
export interface Principal {
  kind: 'user' | 'token';
  /** Username, or the token's name; recorded as `by` on alert actions (`token:<name>` for tokens). */
  name: string;
  role: TokenRole;
  /**
   * The only homes a device token may post events for, or a scoped responder (user or token) may see the alerts of
   * (`*`: every home); absent for every other caller.
   */
  homes?: readonly string[];
}

export interface TokenInfo {
  id: string;
  name: string;
  role: TokenRole;
  /** A device token's homes, or a scoped responder token's; null for the others. */
  homes: string[] | null;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const TOKEN_PREFIX = 'tct_';

/** A `homes` column: the JSON array of a scoped credential, or NULL (undefined here) for one that homes do not scope. */
function parseHomes(column: string | null): string[] | undefined {
  return column === null ? undefined : (JSON.parse(column) as string[]);
}

function userPrincipal(name: string, role: Role, homes: string | null): Principal {
  const principal: Principal = { kind: 'user', name, role };
  const scope = parseHomes(homes);
  if (scope) principal.homes = scope;
  return principal;
}
/** The dashboard's hashes wait in their own queue: a flood of logins never delays a device's reconnect. */
const DASHBOARD_HASHING: HashOptions = { queue: 'dashboard' };

/** A write storage refused (a full disk, `SQLITE_FULL` and kin): nothing changed. */
const NOT_STORED = 'not-stored';

export class AuthStore {
  private readonly tokenTouchedAt = new Map<string, number>();
  /**
   * Grows whenever a credential stops counting (a logout, a password change, a removed user, a revoked token):
   * long-lived requests (the alert stream) check their caller again only when it moved.
   */
  private revocations = 0;
  /**
   * Sessions opened while the database took no writes (a full disk), by id hash: valid in this process until they
   * expire, so that a responder can still log in to answer alerts. A restart ends them (they log in again).
   */
  private readonly memorySessions = new Map<string, { username: string; expiresAt: number }>();
  /**
   * What a full disk kept from being stored, made by the next login or session check that finds storage writable:
   * a password set by HUB_ADMIN_PASSWORD (by username; the hash), sessions logged out (id hashes), and the time
   * before which a user's stored sessions no longer count (their password changed).
   */
  private readonly pendingPasswords = new Map<string, string>();
  private readonly endedSessions = new Set<string>();
  private readonly sessionsEndedBefore = new Map<string, number>();
  private readonly statements: {
    userByName: Statement<
      [string],
      { username: string; role: Role; homes: string | null; password_hash: string; password_unclaimed: number }
    >;
    userCount: Statement<[], { n: number }>;
    adminCount: Statement<[], { n: number }>;
    insertUser: Statement<[string, string, string | null, string, number, string | null]>;
    setPassword: Statement<[string, string]>;
    setGeneratedPassword: Statement<[string, string]>;
    claimPassword: Statement<[string]>;
    upgradeHash: Statement<[string, string, string]>;
    deleteUser: Statement<[string]>;
    deleteSessionsOf: Statement<[string]>;
    listUsers: Statement<[], { username: string; role: Role; homes: string | null; created_at: number }>;
    insertSession: Statement<[string, string, number, number]>;
    sessionByHash: Statement<
      [string],
      { username: string; role: Role; homes: string | null; created_at: number; expires_at: number }
    >;
    deleteSession: Statement<[string]>;
    deleteExpired: Statement<[number]>;
    insertToken: Statement<[string, string, string, string | null, string, number, string]>;
    tokenById: Statement<
      [string],
      { name: string; role: TokenRole; homes: string | null; secret_hash: string; revoked_at: number | null }
    >;
    tokenByName: Statement<[string], { id: string; revoked_at: number | null }>;
    touchToken: Statement<[number, string]>;
    listTokens: Statement<
      [],
      {
        id: string;
        name: string;
        role: TokenRole;
        homes: string | null;
        created_at: number;
        created_by: string;
        last_used_at: number | null;
        revoked_at: number | null;
      }
    >;
    revokeToken: Statement<[number, string]>;
  };

  constructor(
    private readonly db: Database,
    private readonly sessionMs: number,
  ) {
    migrate(db, 'auth', AUTH_MIGRATIONS);
    this.statements = {
      userByName: db.prepare(
        `SELECT u.username, u.role, u.homes, u.password_hash, u.password_unclaimed FROM dashboard_users u WHERE u.username = ?`,
      ),
      userCount: db.prepare('SELECT COUNT(*) AS n FROM dashboard_users'),
      adminCount: db.prepare("SELECT COUNT(*) AS n FROM dashboard_users WHERE role = 'admin'"),
      insertUser: db.prepare(
        'INSERT INTO dashboard_users (username, role, homes, password_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      setPassword: db.prepare(
        'UPDATE dashboard_users SET password_hash = ?, password_unclaimed = 0 WHERE username = ?',
      ),
      setGeneratedPassword: db.prepare(
        'UPDATE dashboard_users SET password_hash = ?, password_unclaimed = 1 WHERE username = ?',
      ),
      claimPassword: db.prepare('UPDATE dashboard_users SET password_unclaimed = 0 WHERE username = ?'),
      upgradeHash: db.prepare('UPDATE dashboard_users SET password_hash = ? WHERE username = ? AND password_hash = ?'),
      deleteUser: db.prepare('DELETE FROM dashboard_users WHERE username = ?'),
      deleteSessionsOf: db.prepare('DELETE FROM dashboard_sessions WHERE username = ?'),
      listUsers: db.prepare('SELECT username, role, homes, created_at FROM dashboard_users ORDER BY username'),
      insertSession: db.prepare(
        'INSERT INTO dashboard_sessions (id_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)',
      ),
      sessionByHash: db.prepare(
        `SELECT s.username, u.role, u.homes, s.created_at, s.expires_at FROM dashboard_sessions s
         JOIN dashboard_users u ON u.username = s.username WHERE s.id_hash = ?`,
      ),
      deleteSession: db.prepare('DELETE FROM dashboard_sessions WHERE id_hash = ?'),
      deleteExpired: db.prepare('DELETE FROM dashboard_sessions WHERE expires_at <= ?'),
      insertToken: db.prepare(
        'INSERT INTO dashboard_tokens (id, name, role, homes, secret_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      tokenById: db.prepare('SELECT name, role, homes, secret_hash, revoked_at FROM dashboard_tokens WHERE id = ?'),
      tokenByName: db.prepare('SELECT id, revoked_at FROM dashboard_tokens WHERE name = ?'),
      touchToken: db.prepare('UPDATE dashboard_tokens SET last_used_at = ? WHERE id = ?'),
      listTokens: db.prepare(
        'SELECT id, name, role, homes, created_at, created_by, last_used_at, revoked_at FROM dashboard_tokens ORDER BY created_at',
      ),
      revokeToken: db.prepare('UPDATE dashboard_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    };
  }

  /**
   * First start (no user at all): create `admin` with `adminPassword`, or with a random password returned for
   * printing. Later starts: a set `adminPassword` replaces admin's password (or brings back a removed
   * `admin`): the way back in when every admin password is lost. A generated password nobody has logged in with
   * yet is replaced by a new one, returned for printing: the installer who missed the output of a start (or whose
   * first start failed after making it) is never locked out. Otherwise nothing changes.
   */
  async ensureAdmin(
    adminPassword: string | undefined,
    now: number,
  ): Promise<{ generatedPassword?: string; replaced?: boolean }> {
    const admin = this.statements.userByName.get('admin');
    if (admin) {
      if (adminPassword && !(await verifyPassword(adminPassword, admin.password_hash, DASHBOARD_HASHING))) {
        await this.changeAdminPassword(adminPassword, now);
      } else if (!adminPassword && admin.password_unclaimed === 1) {
        const generatedPassword = generatePassword();
        // Nobody logged in with the old one, so no session ends; a full disk keeps it (shown before) and shows none.
        if (
          this.bestEffort(() =>
            this.statements.setGeneratedPassword.run(hashGeneratedSecret(generatedPassword), 'admin'),
          )
        )
          return { generatedPassword, replaced: true };
      }
      return {};
    }
    if (!adminPassword && this.statements.userCount.get()!.n > 0) return {};
    if (adminPassword) {
      this.statements.insertUser.run(
        'admin',
        'admin',
        null,
        await hashPassword(adminPassword, DASHBOARD_HASHING),
        now,
        null,
      );
      return {};
    }
    // Generated (144 random bits): a fast hash is as safe as scrypt; a password admin later chooses gets scrypt.
    const generatedPassword = generatePassword();
    const hash = hashGeneratedSecret(generatedPassword);
    this.db.transaction(() => {
      this.statements.insertUser.run('admin', 'admin', null, hash, now, null);
      this.statements.setGeneratedPassword.run(hash, 'admin');
    })();
    return { generatedPassword };
  }

  /**
   * HUB_ADMIN_PASSWORD changed. On a full disk the hub still starts: the new password counts in this process at
   * once (the old one no more, nor sessions opened with it), and is stored once storage takes writes; a restart
   * before that applies HUB_ADMIN_PASSWORD again.
   */
  private async changeAdminPassword(password: string, now: number): Promise<void> {
    const hash = await hashPassword(password, DASHBOARD_HASHING);
    try {
      this.db.transaction(() => {
        this.statements.setPassword.run(hash, 'admin');
        this.statements.deleteSessionsOf.run('admin');
      })();
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      this.pendingPasswords.set('admin', hash);
      this.sessionsEndedBefore.set('admin', now);
    }
    this.forgetMemorySessionsOf('admin');
    this.revocations++;
  }

  /** Store what a full disk refused before; true when nothing waits any more. */
  private storePending(): boolean {
    if (this.pendingPasswords.size === 0 && this.endedSessions.size === 0) return true;
    try {
      this.db.transaction(() => {
        for (const [username, hash] of this.pendingPasswords) {
          this.statements.setPassword.run(hash, username);
          this.statements.deleteSessionsOf.run(username);
        }
        for (const idHash of this.endedSessions) this.statements.deleteSession.run(idHash);
      })();
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      return false;
    }
    this.pendingPasswords.clear();
    this.endedSessions.clear();
    this.sessionsEndedBefore.clear();
    return true;
  }

  /** See `revocations`. */
  get revision(): number {
    return this.revocations;
  }

  userExists(username: string): boolean {
    return this.statements.userByName.get(username) !== undefined;
  }

  /**
   * A new user, or `'exists'` when the name is taken: also when another request stored it while this one hashed the
   * password (the check before the hash cannot see it; the table's key refuses the second insert). `'not-stored'`
   * when storage refused the row (a full disk): no user was made. `homes`: a responder's, when held to some (the route
   * refuses them for any other role).
   */
  async createUser(
    username: string,
    role: Role,
    password: string,
    createdBy: string,
    now: number,
    homes?: readonly string[],
  ): Promise<'created' | 'exists' | 'not-stored'> {
    if (this.userExists(username)) return 'exists';
    const hash = await hashPassword(password, DASHBOARD_HASHING);
    try {
      this.statements.insertUser.run(
        username,
        role,
        homes === undefined ? null : JSON.stringify(homes),
        hash,
        now,
        createdBy,
      );
    } catch (err) {
      const code = sqliteCode(err);
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return 'exists';
      if (code === undefined) throw err;
      return 'not-stored';
    }
    return 'created';
  }

  /**
   * New password; every session of the user ends (a stolen session does not outlive the change). `'not-stored'` when
   * storage refused it (a full disk): nothing changed, the old password and the sessions still count. (Unlike
   * HUB_ADMIN_PASSWORD, which every start applies again, a password held in memory only would be lost at a restart
   * and the old one, which its owner meant to end, would count again.)
   */
  async changePassword(username: string, password: string): Promise<'changed' | 'not-stored'> {
    const hash = await hashPassword(password, DASHBOARD_HASHING);
    const stored = this.bestEffort(() =>
      this.db.transaction(() => {
        this.statements.setPassword.run(hash, username);
        this.statements.deleteSessionsOf.run(username);
      })(),
    );
    if (!stored) return NOT_STORED;
    this.pendingPasswords.delete(username);
    this.forgetMemorySessionsOf(username);
    this.revocations++;
    return 'changed';
  }

  private forgetMemorySessionsOf(username: string): void {
    for (const [idHash, session] of this.memorySessions) {
      if (session.username === username) this.memorySessions.delete(idHash);
    }
  }

  /**
   * Removes a user and their sessions; never the last admin (`'last-admin'`). `'not-stored'` when storage refused it
   * (a full disk): nothing changed, the user and every session of theirs still count. (Not held in memory: a restart
   * before it was stored would bring the user back without a word.)
   */
  deleteUser(username: string): 'deleted' | 'not-found' | 'last-admin' | 'not-stored' {
    const result = this.storedOr(() =>
      this.db.transaction((): 'deleted' | 'not-found' | 'last-admin' => {
        const user = this.statements.userByName.get(username);
        if (!user) return 'not-found';
        if (user.role === 'admin' && this.statements.adminCount.get()!.n <= 1) return 'last-admin';
        this.statements.deleteSessionsOf.run(username);
        this.statements.deleteUser.run(username);
        return 'deleted';
      })(),
    );
    if (result === 'deleted') {
      // Only once stored: a refused commit leaves the user's sessions, held in memory too, counting.
      this.forgetMemorySessionsOf(username);
      this.revocations++;
    }
    return result;
  }

  listUsers(): { username: string; role: Role; homes: string[] | null; createdAt: number }[] {
    return this.statements.listUsers.all().map((u) => ({
      username: u.username,
      role: u.role,
      homes: parseHomes(u.homes) ?? null,
      createdAt: u.created_at,
    }));
  }

  /**
   * The user's principal when the password is right; always spends one scrypt, known user or not. `source` (the
   * caller's address) gives each address its fair, bounded share of the dashboard's hash queue (`HashQueueFull`
   * past it). A right password stored with an older scrypt cost is stored again with today's (sessions stay).
   */
  async checkPassword(username: string, password: string, source?: string): Promise<Principal | undefined> {
    this.storePending();
    const user = this.statements.userByName.get(username);
    const stored = this.pendingPasswords.get(username) ?? user?.password_hash;
    const ok = await verifyPassword(password, stored, { ...DASHBOARD_HASHING, source });
    if (!ok || !user || stored === undefined) return undefined;
    if (needsRehash(stored)) await this.upgradeHash(username, password, stored);
    if (user.password_unclaimed === 1) this.bestEffort(() => this.statements.claimPassword.run(username));
    return userPrincipal(user.username, user.role, user.homes);
  }

  /**
   * Replaces a hash of an older cost, unless the password changed meanwhile (the row no longer holds it). A full
   * disk leaves the old hash, which still verifies: the next login tries again.
   */
  private async upgradeHash(username: string, password: string, old: string): Promise<void> {
    const hash = await hashPassword(password, DASHBOARD_HASHING);
    if (this.pendingPasswords.get(username) === old) this.pendingPasswords.set(username, hash);
    else this.bestEffort(() => this.statements.upgradeHash.run(hash, username, old));
  }

  /** A new session id (for the cookie; only its hash is kept) and its expiry. */
  openSession(username: string, now: number): { sessionId: string; expiresAt: number } {
    const sessionId = randomSecret();
    const expiresAt = now + this.sessionMs;
    const idHash = hashSecret(sessionId);
    try {
      this.db.transaction(() => {
        this.statements.deleteExpired.run(now);
        this.statements.insertSession.run(idHash, username, now, expiresAt);
      })();
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      this.memorySessions.set(idHash, { username, expiresAt });
    }
    return { sessionId, expiresAt };
  }

  sessionPrincipal(sessionId: string, now: number): Principal | undefined {
    const idHash = hashSecret(sessionId);
    const held = this.memorySessions.get(idHash);
    if (held) {
      // The user as stored now: removed users and changed roles count at once, as for stored sessions.
      const user = held.expiresAt > now ? this.statements.userByName.get(held.username) : undefined;
      if (user) return userPrincipal(user.username, user.role, user.homes);
      this.memorySessions.delete(idHash);
      return undefined;
    }
    if (this.endedSessions.has(idHash)) {
      this.storePending();
      return undefined;
    }
    const row = this.statements.sessionByHash.get(idHash);
    if (!row) return undefined;
    // Opened before the user's password changed while the disk was full: ended, though still stored.
    if (row.created_at <= (this.sessionsEndedBefore.get(row.username) ?? -Infinity)) return undefined;
    if (row.expires_at <= now) {
      // Tidying only: an expired session is refused whether or not its row can be deleted now (a full disk).
      this.bestEffort(() => this.statements.deleteSession.run(idHash));
      return undefined;
    }
    return userPrincipal(row.username, row.role, row.homes);
  }

  closeSession(sessionId: string): void {
    const idHash = hashSecret(sessionId);
    this.memorySessions.delete(idHash);
    this.revocations++;
    try {
      this.statements.deleteSession.run(idHash);
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      // A full disk: the session ends in this process now, and in the database once it takes writes.
      this.endedSessions.add(idHash);
    }
  }

  /**
   * A bookkeeping write that may fail on a full disk without failing the request it belongs to; true when it was
   * made, false when storage refused it.
   */
  private bestEffort(write: () => unknown): boolean {
    return this.storedOr(write) !== NOT_STORED;
  }

  /** `write`'s result, or `'not-stored'` when storage refused it (a full disk); any other error is thrown. */
  private storedOr<T>(write: () => T): T | typeof NOT_STORED {
    try {
      return write();
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      return NOT_STORED;
    }
  }

  /**
   * The token named `name`, with when it was revoked (null: still in use): a revoked token keeps its name, so that
   * what it did keeps one name in the audit (`token:<name>`). Undefined when no token has it.
   */
  tokenNameTaken(name: string): { revokedAt: number | null } | undefined {
    const row = this.statements.tokenByName.get(name);
    return row === undefined ? undefined : { revokedAt: row.revoked_at };
  }

  /**
   * Creates a token and returns its one and only clear copy: `tct_<id>.<secret>`. `homes`: a device token's homes
   * (the route requires them for a device, takes them for a responder and refuses them for any other role). `'not-stored'` when storage refused
   * the row (a full disk): no token was made.
   */
  createToken(
    name: string,
    role: TokenRole,
    homes: readonly string[] | undefined,
    createdBy: string,
    now: number,
  ): { id: string; token: string } | 'not-stored' {
    const id = randomSecret(9);
    const secret = randomSecret();
    const homesJson = homes === undefined ? null : JSON.stringify(homes);
    if (
      !this.bestEffort(() =>
        this.statements.insertToken.run(id, name, role, homesJson, hashSecret(secret), now, createdBy),
      )
    ) {
      return NOT_STORED;
    }
    return { id, token: `${TOKEN_PREFIX}${id}.${secret}` };
  }

  tokenPrincipal(token: string, now: number): Principal | undefined {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const dot = token.indexOf('.', TOKEN_PREFIX.length);
    if (dot < 0) return undefined;
    const id = token.slice(TOKEN_PREFIX.length, dot);
    const row = this.statements.tokenById.get(id);
    if (!row || row.revoked_at !== null || !sameSecretHash(hashSecret(token.slice(dot + 1)), row.secret_hash)) {
      return undefined;
    }
    // One write a minute at most, so a program posting events does not pay a commit per request.
    if (now - (this.tokenTouchedAt.get(id) ?? -Infinity) >= 60_000) {
      this.tokenTouchedAt.set(id, now);
      this.bestEffort(() => this.statements.touchToken.run(now, id));
    }
    const principal: Principal = { kind: 'token', name: row.name, role: row.role };
    const homes = parseHomes(row.homes);
    if (homes) principal.homes = homes;
    return principal;
  }

  listTokens(): TokenInfo[] {
    return this.statements.listTokens.all().map((t) => ({
      id: t.id,
      name: t.name,
      role: t.role,
      homes: parseHomes(t.homes) ?? null,
      createdAt: t.created_at,
      createdBy: t.created_by,
      lastUsedAt: t.last_used_at,
      revokedAt: t.revoked_at,
    }));
  }

  /**
   * Revokes an active token (`'not-found'`: none with this id, or revoked already). `'not-stored'` when storage
   * refused it (a full disk): the token was NOT revoked and still works. (Not refused from memory instead: a restart
   * before the revocation was stored would let the token work again while the admin believed it revoked.)
   */
  revokeToken(id: string, now: number): 'revoked' | 'not-found' | 'not-stored' {
    const changes = this.storedOr(() => this.statements.revokeToken.run(now, id).changes);
    if (changes === NOT_STORED) return NOT_STORED;
    if (changes === 0) return 'not-found';
    this.revocations++;
    return 'revoked';
  }
}
