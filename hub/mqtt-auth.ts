// Who may connect to the embedded broker and what each may publish or subscribe (least privilege, like Mosquitto 2).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database as Db, Statement } from 'better-sqlite3';
import { addressKey } from '../dashboard/login-throttle.js';
import type { HubConfig, MqttUserConfig } from './config-types.js';
import type { DeviceIndex } from './config.js';
import { migrate, type MigrationStep } from './migrations.js';
import { generatePassword, hashGeneratedSecret, HashQueueFull, verifyPassword } from './passwords.js';
import { allows, type Action, type MqttRole } from './permissions.js';
import { HUB_STATUS_TOPIC, parseNativeEventsTopic } from './topics.js';

export type { MqttRole } from './permissions.js';

/** The homes a credential may touch: `all` for the hub's own installer credential, local clients and `"*"`. */
export type HomeScope = 'all' | ReadonlySet<string>;

export interface MqttIdentity {
  username: string | undefined;
  role: MqttRole;
  homes: HomeScope;
}

/** CONNACK return codes of MQTT 3.1.1 used on refusal. */
export const IDENTIFIER_REJECTED = 2;
export const SERVER_UNAVAILABLE = 3;
export const BAD_USERNAME_OR_PASSWORD = 4;
export const NOT_AUTHORIZED = 5;

export type RefusalCode = 2 | 3 | 4 | 5;
export type AuthRefusalReason =
  'bad-credentials' | 'unknown-user' | 'anonymous-remote' | 'rate-limited' | 'clear-text-remote';
export type AuthResult =
  { ok: true; identity: MqttIdentity } | { ok: false; returnCode: RefusalCode; reason: AuthRefusalReason };

export const INSTALLER_USERNAME = 'installer';

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Failed password checks a source address may make per window before its scrypt checks are refused unhashed: those
 * for a username that failed from there this window; another username (a device beside the guesser) is still checked.
 */
export const MAX_FAILURES_PER_WINDOW = 10;
/** Failed checks of one username from all addresses per window before it is checked only from addresses it did not fail from. */
export const MAX_FAILURES_PER_CREDENTIAL = 30;
export const FAILURE_WINDOW_MS = 60_000;
/** How long a verified scrypt password is remembered, so that a device's reconnect costs no scrypt. */
export const VERIFIED_CACHE_MS = 15 * 60_000;
/** Wrong passwords remembered per username (as verified ones are, for as long): one tried again is refused unhashed and not counted again. */
export const FAILED_PASSWORDS_KEPT = 32;
// Bounds the failure table against a flood of spoofed-looking addresses (IPv6 gives every client many).
const MAX_TRACKED_SOURCES = 10_000;

/** A failure window is over after its minute, or at once when the wall clock stepped back past its start (NTP). */
function windowOver(sinceMs: number, nowMs: number): boolean {
  return nowMs - sinceMs >= FAILURE_WINDOW_MS || nowMs < sinceMs;
}

/** Each configured MQTT user's credential as one comparable string: hash, role and homes. */
function credentialKeys(config: HubConfig): Map<string, string> {
  const keys = new Map<string, string>();
  for (const user of config.mqttUsers) {
    const scope = scopeOf(user);
    const homes = scope === 'all' ? '*' : [...scope].sort().join('\n');
    keys.set(user.username, `${user.passwordHash}\0${user.role}\0${homes}`);
  }
  return keys;
}

function scopeOf(user: Pick<MqttUserConfig, 'role' | 'homes'>): HomeScope {
  if (user.homes === undefined) {
    // People's credentials default to every home; a device or bridge without `homes` may touch none (least privilege).
    return user.role === 'installer' || user.role === 'responder' ? 'all' : new Set();
  }
  return user.homes.includes('*') ? 'all' : new Set(user.homes);
}

/** The MQTT credentials' table (hub/database-upgrade.ts counts its steps). */
export const MQTT_AUTH_MIGRATIONS: readonly MigrationStep[] = [
  `CREATE TABLE mqtt_credentials (
     username TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     role TEXT NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  // 1 while the generated installer password has not been logged in with: the next start replaces it and shows
  // the new one, as the dashboard's admin password (an installer who missed the first start's output gets in).
  'ALTER TABLE mqtt_credentials ADD COLUMN unclaimed INTEGER NOT NULL DEFAULT 0',
];

/** MQTT credentials: those of the configuration file plus those the hub made itself (table mqtt_credentials). */
export class MqttCredentials {
  /** Failures this window, by source (`s`), by username (`u`, known ones) and by both (`p`). */
  private readonly failures = new Map<string, { count: number; since: number }>();
  /** username → HMACs of (stored hash, password) that failed, until when: a device left with an old password. */
  private readonly failed = new Map<string, Map<string, number>>();
  /** username → HMAC of (stored hash, password) under a per-process key: a verified scrypt password, briefly. */
  private readonly verified = new Map<string, { tag: Buffer; until: number }>();
  private readonly cacheKey = randomBytes(32);
  // A fixed digest compared against when the username is unknown: a refusal that costs no scrypt.
  private readonly dummyDigest = createHash('sha256').update(randomBytes(32)).digest();
  private credentialRow: Statement<[string]> | undefined;
  /** Counts reloads: a password check that a reload overtook is made again against the new credentials. */
  private generation = 0;
  /** The generated installer credential noted as logged in with (`claim`), in this run. */
  private installerClaimed = false;

  /**
   * MQTT users of a reloaded configuration (SIGHUP), for connections from now on. Returns the usernames whose
   * credential the reload removed or changed (password hash, role or homes): a connection made with the old one
   * still holds the old rights, so the broker closes it (`EmbeddedBroker.disconnectUsers`).
   */
  setConfig(config: HubConfig): ReadonlySet<string> {
    const before = credentialKeys(this.config);
    const after = credentialKeys(config);
    const changed = new Set<string>();
    for (const [username, key] of before) if (after.get(username) !== key) changed.add(username);
    // A user new to the file may replace a credential the hub made itself (`installer`, table mqtt_credentials).
    for (const username of after.keys()) if (!before.has(username)) changed.add(username);
    this.config = config;
    this.verified.clear();
    this.failed.clear();
    this.generation += 1;
    return changed;
  }

  constructor(
    private readonly db: Db,
    private config: HubConfig,
    private readonly nowMs: () => number = Date.now,
  ) {
    migrate(db, 'mqtt-auth', MQTT_AUTH_MIGRATIONS);
  }

  /**
   * On a first start, make the installer credential; returns its clear password once (to print), else null (made
   * before and logged in with, or the configuration has its own `installer`). Until someone logs in with it, each
   * start makes a new password and returns it (review, session 62: an installer who missed the first start's output
   * had no way back but writing an `installer` into `mqttUsers`). `replaced`: a start before made one (said so, not
   * "created" again at every start: review, session 67).
   */
  async ensureInstallerCredential(
    nowMs: number,
  ): Promise<{ username: string; password: string; replaced: boolean } | null> {
    // The configuration names its own `installer`: that one is used (it wins at login), so a generated password
    // would be printed and never work.
    if (this.config.mqttUsers.some((u) => u.username === INSTALLER_USERNAME)) return null;
    const row = this.db.prepare('SELECT unclaimed FROM mqtt_credentials WHERE username = ?').get(INSTALLER_USERNAME) as
      { unclaimed: number } | undefined;
    if (row && row.unclaimed !== 1) return null;
    const password = generatePassword();
    // A generated secret: a fast hash is as safe as scrypt here and costs no scrypt memory at start.
    const hash = hashGeneratedSecret(password);
    this.db
      .prepare(
        `INSERT INTO mqtt_credentials (username, password_hash, role, created_at, unclaimed) VALUES (?, ?, ?, ?, 1)
         ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, created_at = excluded.created_at`,
      )
      .run(INSTALLER_USERNAME, hash, 'installer', nowMs);
    return { username: INSTALLER_USERNAME, password, replaced: row !== undefined };
  }

  /** The generated installer credential was logged in with: the next starts keep it (best effort; retried at the next). */
  private claim(username: string): void {
    if (this.installerClaimed || username !== INSTALLER_USERNAME) return;
    if (this.config.mqttUsers.some((u) => u.username === username)) return;
    try {
      this.db.prepare('UPDATE mqtt_credentials SET unclaimed = 0 WHERE username = ? AND unclaimed = 1').run(username);
      this.installerClaimed = true;
    } catch {
      // Storage refused the write (a full disk, the database busy): the next login notes it.
    }
  }

  /**
   * Whether `username` (undefined: an anonymous client, local only) may publish `homeId`'s sensor data: a serial
   * bridge's status speaks for its receiver's home only if its sender could have sent that home's events.
   */
  maySendFor(username: string | undefined, homeId: string): boolean {
    if (username === undefined) return true;
    const entry = this.lookup(username);
    return (
      entry !== undefined &&
      allows(entry.role, 'sensor.publish') &&
      inScope({ username, role: entry.role, homes: entry.homes }, homeId)
    );
  }

  private lookup(username: string): { hash: string; role: MqttUserConfig['role']; homes: HomeScope } | undefined {
    const fromConfig = this.config.mqttUsers.find((u) => u.username === username);
    if (fromConfig) return { hash: fromConfig.passwordHash, role: fromConfig.role, homes: scopeOf(fromConfig) };
    // Prepared once: every CONNECT with a username not in the configuration reads it (a guessing flood, 100 a second).
    this.credentialRow ??= this.db.prepare('SELECT password_hash, role FROM mqtt_credentials WHERE username = ?');
    const row = this.credentialRow.get(username) as { password_hash: string; role: MqttUserConfig['role'] } | undefined;
    return row ? { hash: row.password_hash, role: row.role, homes: 'all' } : undefined;
  }

  /**
   * Anonymous only from loopback; otherwise username and password checked against the stored hash. Cheap checks
   * (unknown user, generated secrets, a password verified in the last minutes) never wait; scrypt checks wait in
   * their source's bounded queue, and a source with too many recent failures gets no more of them for a while.
   */
  async authenticate(
    remoteAddress: string | undefined,
    username: string | undefined,
    password: Buffer | undefined,
    options: { clearTextRefused?: boolean } = {},
  ): Promise<AuthResult> {
    if (username === undefined || username === '') {
      return isLoopback(remoteAddress) && !password
        ? { ok: true, identity: { username: undefined, role: 'local', homes: 'all' } }
        : { ok: false, returnCode: NOT_AUTHORIZED, reason: 'anonymous-remote' };
    }
    // With TLS on, a password from another machine must not cross the network in clear.
    if (options.clearTextRefused && !isLoopback(remoteAddress))
      return { ok: false, returnCode: NOT_AUTHORIZED, reason: 'clear-text-remote' };
    const secret = password?.toString('utf8') ?? '';
    // Failures and waiting hashes are counted per source: an IPv6 /64 as one, as the dashboard's throttle and the cap on
    // connections not logged in count it (a host on an IPv6 LAN may take any address of its /64).
    const source = remoteAddress === undefined ? undefined : addressKey(remoteAddress);
    const entry = this.lookup(username);
    if (!entry) {
      // Usernames are not secrets; what matters is that an unknown one costs no scrypt.
      timingSafeEqual(createHash('sha256').update(secret).digest(), this.dummyDigest);
      this.recordFailure(source, undefined);
      return { ok: false, returnCode: BAD_USERNAME_OR_PASSWORD, reason: 'unknown-user' };
    }
    const identity: MqttIdentity = { username, role: entry.role, homes: entry.homes };
    const isScrypt = entry.hash.startsWith('scrypt$');
    const tag = createHmac('sha256', this.cacheKey).update(entry.hash).update('\0').update(secret).digest();
    const cached = this.verified.get(username);
    if (isScrypt && cached && cached.until > this.nowMs() && timingSafeEqual(cached.tag, tag))
      return { ok: true, identity };
    // A password that already failed (a device left with an old one, retrying every second): no scrypt, and no new
    // failure, so that it cannot throttle the devices beside it (review, session 68).
    if (this.failedBefore(username, tag))
      return { ok: false, returnCode: BAD_USERNAME_OR_PASSWORD, reason: 'bad-credentials' };
    if (isScrypt && this.throttled(source, username))
      return { ok: false, returnCode: SERVER_UNAVAILABLE, reason: 'rate-limited' };
    let ok: boolean;
    const generation = this.generation;
    try {
      ok = await verifyPassword(secret, entry.hash, { source: source ?? 'unknown' });
    } catch (err) {
      if (err instanceof HashQueueFull) return { ok: false, returnCode: SERVER_UNAVAILABLE, reason: 'rate-limited' };
      throw err;
    }
    // The credential was removed or changed while its hash was checked: the login must not carry the old rights.
    if (generation !== this.generation) return this.authenticate(remoteAddress, username, password, options);
    if (!ok) {
      this.recordFailure(source, username);
      this.rememberFailed(username, tag);
      return { ok: false, returnCode: BAD_USERNAME_OR_PASSWORD, reason: 'bad-credentials' };
    }
    if (isScrypt) this.verified.set(username, { tag, until: this.nowMs() + VERIFIED_CACHE_MS });
    else this.claim(username);
    return { ok: true, identity };
  }

  /**
   * Whether `username`'s scrypt check from `source` is refused unhashed: only when that username failed from there
   * this window, and the source has failed too often (any usernames) or the username has (from anywhere). Until session
   * 68 every check from a source with 10 failures was refused: a machine guessing another flat's password, or any
   * username, from a home's shared address (a router, an IPv6 /64) kept out every device there that needed a check.
   */
  private throttled(source: string | undefined, username: string): boolean {
    const from = source ?? 'unknown';
    if (this.failuresOf(`p\0${from}\0${username}`) === 0) return false;
    return (
      this.failuresOf(`s\0${from}`) >= MAX_FAILURES_PER_WINDOW ||
      this.failuresOf(`u\0${username}`) >= MAX_FAILURES_PER_CREDENTIAL
    );
  }

  private failuresOf(key: string): number {
    const entry = this.failures.get(key);
    if (!entry) return 0;
    if (windowOver(entry.since, this.nowMs())) {
      this.failures.delete(key);
      return 0;
    }
    return entry.count;
  }

  /** A failure of `username` (undefined: one no credential has) from `source`. */
  private recordFailure(source: string | undefined, username: string | undefined): void {
    const from = source ?? 'unknown';
    this.count(`s\0${from}`);
    if (username === undefined) return;
    this.count(`u\0${username}`);
    this.count(`p\0${from}\0${username}`);
  }

  private count(key: string): void {
    const now = this.nowMs();
    const entry = this.failures.get(key);
    if (entry && !windowOver(entry.since, now)) {
      entry.count++;
      return;
    }
    if (this.failures.size >= MAX_TRACKED_SOURCES) this.failures.clear();
    this.failures.set(key, { count: 1, since: now });
  }

  private failedBefore(username: string, tag: Buffer): boolean {
    const until = this.failed.get(username)?.get(tag.toString('base64'));
    return until !== undefined && until > this.nowMs();
  }

  /** Kept per known username, the oldest forgotten past FAILED_PASSWORDS_KEPT (a guesser's never come again anyway). */
  private rememberFailed(username: string, tag: Buffer): void {
    let tags = this.failed.get(username);
    if (tags === undefined) {
      tags = new Map();
      this.failed.set(username, tags);
    }
    if (tags.size >= FAILED_PASSWORDS_KEPT) tags.delete(tags.keys().next().value!);
    tags.set(tag.toString('base64'), this.nowMs() + VERIFIED_CACHE_MS);
  }
}

/** What a topic is, for the ACLs: its class and, where it belongs to one, its home. */
export type TopicClass =
  | { class: 'sys' }
  | { class: 'status' }
  | { class: 'alert'; homeId: string }
  | { class: 'alert-ack'; homeId: string }
  | { class: 'prealert'; homeId: string }
  | { class: 'sensor'; homeId: string }
  /** Zigbee2MQTT device state or availability; `homeId` undefined for a friendly name no home maps. */
  | { class: 'zigbee-sensor'; homeId: string | undefined }
  /** A request to Zigbee2MQTT (`bridge/request/...`, `<name>/set`, `<name>/get`): the hub's alone. */
  | { class: 'zigbee-command'; homeId: string | undefined }
  /** Zigbee2MQTT's own reports (`bridge/state`, `bridge/devices`, `bridge/response/...`). */
  | { class: 'zigbee-bridge' }
  /** A serial bridge's status, `telecare/bridge/<name>/status` (firmware-bridge/bridge.ts). */
  | { class: 'bridge-status' }
  /** Any other topic under `telecare/`: reserved for the hub. */
  | { class: 'reserved' }
  | { class: 'other' };

/** The MQTT ACLs: every decision reads the permission table (hub/permissions.ts) and then the credential's homes. */
export class MqttAccess {
  private readonly zigbeePrefix: string;

  constructor(
    private index: DeviceIndex,
    zigbeeBaseTopic: string,
  ) {
    this.zigbeePrefix = `${zigbeeBaseTopic}/`;
  }

  /** The devices of a reloaded configuration (SIGHUP). */
  setIndex(index: DeviceIndex): void {
    this.index = index;
  }

  classify(topic: string): TopicClass {
    if (topic.startsWith('$')) return { class: 'sys' };
    if (topic.startsWith('telecare/')) {
      if (topic === HUB_STATUS_TOPIC) return { class: 'status' };
      const native = parseNativeEventsTopic(topic);
      if (native) return { class: 'sensor', homeId: native.homeId };
      return classifyTelecare(topic);
    }
    if (!topic.startsWith(this.zigbeePrefix)) return { class: 'other' };
    const name = topic.slice(this.zigbeePrefix.length);
    if (name === 'bridge/request' || name.startsWith('bridge/request/'))
      return { class: 'zigbee-command', homeId: undefined };
    if (name === 'bridge' || name.startsWith('bridge/')) return { class: 'zigbee-bridge' };
    const command = /\/(set|get)(\/.*)?$/.exec(name);
    if (command) return { class: 'zigbee-command', homeId: this.index.zigbee(name.slice(0, command.index))?.home.id };
    const device = name.endsWith('/availability') ? name.slice(0, -'/availability'.length) : name;
    return { class: 'zigbee-sensor', homeId: this.index.zigbee(device)?.home.id };
  }

  /** Whether a client may publish on `topic`. Alerts, pre-alerts, hub status and Zigbee2MQTT commands are the hub's alone. */
  canPublish(identity: MqttIdentity, topic: string): boolean {
    // Sensor events first, without a class object: checked for every message, tens of thousands a second. A native
    // events topic is what classify calls 'sensor' (it starts `telecare/` and is not the status topic).
    const native = parseNativeEventsTopic(topic);
    if (native) return allows(identity.role, 'sensor.publish') && inScope(identity, native.homeId);
    const c = this.classify(topic);
    switch (c.class) {
      case 'alert-ack':
        return allows(identity.role, 'alert.acknowledge') && inScope(identity, c.homeId);
      case 'sensor':
      case 'zigbee-sensor':
        return allows(identity.role, 'sensor.publish') && inScope(identity, c.homeId);
      case 'zigbee-bridge':
        return allows(identity.role, 'zigbee.bridge.publish');
      case 'bridge-status':
        return allows(identity.role, 'bridge.status.publish');
      case 'other':
        return allows(identity.role, 'other.publish');
      default:
        return false;
    }
  }

  /**
   * Why `canPublish` refused `topic` to this client, in words an installer can act on (review, session 77: the log said
   * only "mqtt publish refused", and a sensor set up on `telecare/h1/pendant/events`, without `devices/`, was discarded
   * with no word of the topic the hub reads). Worked out only for the log line, once per connection: not on the path
   * of every message.
   */
  refusalReason(identity: MqttIdentity | undefined, topic: string): string {
    if (identity === undefined) return 'the connection has no credential the hub knows';
    const role = identity.role;
    const homes = identity.homes === 'all' ? 'every home' : `homes ${[...identity.homes].join(', ') || '(none)'}`;
    const c = this.classify(topic);
    switch (c.class) {
      case 'sensor':
      case 'zigbee-sensor':
        if (!allows(role, 'sensor.publish')) return `a ${role} credential may not send sensor data`;
        return c.homeId === undefined
          ? `no configured home has a device of Zigbee2MQTT name "${topic.slice(this.zigbeePrefix.length)}"`
          : `home "${c.homeId}" is not among this credential\u2019s (${homes})`;
      case 'alert-ack':
        return allows(role, 'alert.acknowledge')
          ? `home "${c.homeId}" is not among this credential\u2019s (${homes})`
          : `a ${role} credential may not acknowledge alerts`;
      case 'reserved':
        return (
          'not a topic the hub reads: sensor events go to telecare/<homeId>/devices/<deviceId>/events (SPEC 4.1); ' +
          'other telecare/ topics are the hub\u2019s own'
        );
      case 'alert':
      case 'prealert':
      case 'status':
      case 'sys':
      case 'zigbee-command':
        return 'only the hub itself publishes on this topic';
      default:
        return `a ${role} credential may not publish on this topic`;
    }
  }

  /** Whether a message on `topic` may be delivered to this client (checked on every delivery, retained ones too). */
  canRead(identity: MqttIdentity, topic: string): boolean {
    const c = this.classify(topic);
    const scoped = (action: Action, homeId: string | undefined): boolean => scopedAllows(identity, action, homeId);
    switch (c.class) {
      case 'status':
        return allows(identity.role, 'status.read');
      case 'alert':
      case 'alert-ack':
        return scoped('alerts.read', c.homeId);
      case 'prealert':
        return scoped('prealert.read', c.homeId);
      case 'sensor':
      case 'zigbee-sensor':
        return scoped('sensor.read', c.homeId);
      case 'zigbee-command':
        // Requests to the Zigbee2MQTT bridge itself belong to no home; a device's /set belongs to its home.
        return allows(identity.role, 'zigbee.command.read') && (c.homeId === undefined || inScope(identity, c.homeId));
      case 'zigbee-bridge':
        return allows(identity.role, 'zigbee.bridge.read');
      case 'bridge-status':
        return allows(identity.role, 'bridge.status.read');
      case 'other':
        return allows(identity.role, 'other.read');
      default:
        return false;
    }
  }

  /**
   * Whether a client may subscribe to `filter`. `$` topics are the hub's; a concrete topic must be readable; a
   * wildcard filter is refused when it could match alerts the client may not read, else accepted and each delivery
   * is checked with `canRead`.
   */
  canSubscribe(identity: MqttIdentity, filter: string): boolean {
    if (filter.startsWith('$')) return false;
    if (!filter.includes('+') && !filter.includes('#')) return this.canRead(identity, filter);
    // Every bridge's status (`telecare/bridge/+/status`): decided by the bridge-status right, not refused as a filter
    // that might match the alerts of a home called 'bridge' (canRead still keeps any such alert from a delivery).
    if (isBridgeStatusFilter(filter)) return allows(identity.role, 'bridge.status.read');
    if (!allows(identity.role, 'alerts.read') && couldMatchAlerts(filter)) return false;
    return true;
  }
}

function scopedAllows(identity: MqttIdentity, action: Action, homeId: string | undefined): boolean {
  return allows(identity.role, action) && inScope(identity, homeId);
}

/**
 * A `telecare/` topic that is neither the hub's status nor a native events topic: `telecare/<home>/prealert`,
 * `telecare/<home>/alerts/<...>` (its ack: exactly `telecare/<home>/alerts/<id>/ack`), a serial bridge's
 * `telecare/bridge/<name>/status`, or reserved. Read in place by its slashes, without `split`: it runs for every
 * delivery of an alert (canRead), on the alert's path, where the level arrays and their strings were garbage.
 */
function classifyTelecare(topic: string): TopicClass {
  const homeEnd = topic.indexOf('/', 9);
  // `telecare/<home>` alone: one level after the root.
  if (homeEnd < 0) return { class: 'reserved' };
  const third = homeEnd + 1;
  const thirdEnd = topic.indexOf('/', third);
  if (thirdEnd < 0) {
    return topic.length - third === 8 && topic.startsWith('prealert', third)
      ? { class: 'prealert', homeId: topic.slice(9, homeEnd) }
      : { class: 'reserved' };
  }
  if (thirdEnd - third === 6 && topic.startsWith('alerts', third)) {
    const homeId = topic.slice(9, homeEnd);
    // Five levels, the last `ack` (the alert id may be empty, as `split` read it).
    const fourthEnd = topic.indexOf('/', thirdEnd + 1);
    const ack = fourthEnd >= 0 && topic.length - fourthEnd === 4 && topic.endsWith('/ack');
    return ack ? { class: 'alert-ack', homeId } : { class: 'alert', homeId };
  }
  // After the alert topics: a home called 'bridge' keeps its alerts whatever a bridge is named.
  if (
    homeEnd === 15 &&
    topic.startsWith('bridge', 9) &&
    thirdEnd > third &&
    topic.length - thirdEnd === 7 &&
    topic.endsWith('/status')
  )
    return { class: 'bridge-status' };
  return { class: 'reserved' };
}

function inScope(identity: MqttIdentity, homeId: string | undefined): boolean {
  if (identity.homes === 'all') return true;
  return homeId !== undefined && identity.homes.has(homeId);
}

/** `telecare/bridge/<name or +>/status`: only serial bridges' status topics (classify's 'bridge-status'). */
function isBridgeStatusFilter(filter: string): boolean {
  const f = filter.split('/');
  return f.length === 4 && f[0] === 'telecare' && f[1] === 'bridge' && f[3] === 'status' && f[2] !== '' && f[2] !== '#';
}

/**
 * What to subscribe to instead, for a filter refused to `role` because it could match alerts the role may not read
 * (review, session 77: the README's `mosquitto_sub -t 'telecare/#'` with the installer credential, from another
 * machine, was answered "All subscription requests were denied" and the hub's log named only the filter); else
 * undefined.
 */
export function subscribeRefusalAdvice(role: MqttRole | undefined, filter: string): string | undefined {
  if (role === undefined || allows(role, 'alerts.read') || !couldMatchAlerts(filter)) return undefined;
  const instead = allows(role, 'sensor.read')
    ? "subscribe to telecare/+/devices/+/events for sensor data and telecare/hub/status for the hub's; "
    : '';
  return (
    `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role} credential may not read alerts, and '${filter}' could match them: ${instead}alerts are read with a ` +
    "responder credential (mqttUsers, role responder) or on the dashboard's Alerts page"
  );
}

/** Whether a subscription filter could receive alert messages (`telecare/<home>/alerts/...`). */
function couldMatchAlerts(filter: string): boolean {
  const f = filter.split('/');
  if (f[0] === '#') return true;
  if (f[0] !== 'telecare' && f[0] !== '+') return false;
  if (f[1] === '#') return true;
  return f.length >= 3 && (f[2] === 'alerts' || f[2] === '+' || f[2] === '#');
}

/** Owner key of a client id: one per username, one for all anonymous local clients. */
export function clientIdOwner(identity: MqttIdentity): string {
  return identity.username === undefined ? 'local' : `user:${identity.username}`;
}

/** Claims the client-id registry looks at, oldest first, for one to forget when it is full. */
const OLDEST_LOOKED_AT = 8;

/**
 * Who owns which client id (item 11): the first identity to connect with an id owns it while the hub runs; another
 * username presenting it is refused (CONNACK 2), so it cannot disconnect the owner or take over its session.
 */
export class ClientIdRegistry {
  private readonly owners = new Map<string, string>();

  /**
   * `inUse`: whether a client is connected under the id now, or its persistent session is away (the broker's own
   * state). Such a claim is never the one the bound pushes out.
   */
  constructor(
    private readonly maxEntries = 10_000,
    private readonly inUse: (clientId: string) => boolean = () => false,
  ) {}

  /** Claims `clientId` for `owner`; false when another owner holds it. */
  claim(clientId: string, owner: string): boolean {
    const current = this.owners.get(clientId);
    if (current !== undefined) return current === owner;
    // Bounded: past the cap an old claim no client holds goes (left by a connection that never became ready). Never
    // one in use: a credential that claimed ten thousand ids of its own would otherwise push out the claim of
    // Zigbee2MQTT, connected since the start, then take its id (review, session 58). A few of the oldest are looked at,
    // those in use moved to the back (constant work per claim, however many are held); when all are in use the
    // registry grows with the broker's own connections and persistent sessions, which it bounds by expiry.
    if (this.owners.size >= this.maxEntries) {
      for (let looked = 0; looked < OLDEST_LOOKED_AT; looked++) {
        const [held, heldBy] = this.owners.entries().next().value!;
        this.owners.delete(held);
        if (!this.inUse(held)) break;
        this.owners.set(held, heldBy);
      }
    }
    this.owners.set(clientId, owner);
    return true;
  }

  /** A clean-session client left: its id is free again. A persistent session keeps its owner. */
  release(clientId: string, owner: string): void {
    if (this.owners.get(clientId) === owner) this.owners.delete(clientId);
  }
}
