// Who may connect to the embedded broker and what each may publish or subscribe (least privilege, like Mosquitto 2).
import type { Database as Db } from 'better-sqlite3';
import type { HubConfig, MqttUserConfig } from '../rules/types.js';
import { migrate } from './migrations.js';
import { generatePassword, hashGeneratedSecret, verifyPassword } from './passwords.js';
import { isHubOnlyTopic, parseAlertAckTopic } from './topics.js';

/** `local`: an anonymous client on the loopback interface (Zigbee2MQTT, the bridge, tools on the Pi itself). */
export type MqttRole = MqttUserConfig['role'] | 'local';

export interface MqttIdentity {
  username: string | undefined;
  role: MqttRole;
}

/** CONNACK return codes of MQTT 3.1.1 used on refusal. */
export const BAD_USERNAME_OR_PASSWORD = 4;
export const NOT_AUTHORIZED = 5;

export type AuthResult = { ok: true; identity: MqttIdentity } | { ok: false; returnCode: 4 | 5 };

export const INSTALLER_USERNAME = 'installer';

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** MQTT credentials: those of the configuration file plus those the hub made itself (table mqtt_credentials). */
export class MqttCredentials {
  /** MQTT users of a reloaded configuration (SIGHUP), for connections from now on. */
  setConfig(config: HubConfig): void {
    this.config = config;
  }

  constructor(
    private readonly db: Db,
    private config: HubConfig,
  ) {
    migrate(db, 'mqtt-auth', [
      `CREATE TABLE mqtt_credentials (
         username TEXT PRIMARY KEY,
         password_hash TEXT NOT NULL,
         role TEXT NOT NULL,
         created_at INTEGER NOT NULL
       )`,
    ]);
  }

  /** On a first start, make the installer credential; returns its clear password once (to print), else null. */
  async ensureInstallerCredential(nowMs: number): Promise<{ username: string; password: string } | null> {
    const exists = this.db.prepare('SELECT 1 FROM mqtt_credentials WHERE username = ?').get(INSTALLER_USERNAME);
    if (exists) return null;
    const password = generatePassword();
    // A generated secret: a fast hash is as safe as scrypt here and costs no scrypt memory at start.
    const hash = hashGeneratedSecret(password);
    this.db
      .prepare('INSERT INTO mqtt_credentials (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)')
      .run(INSTALLER_USERNAME, hash, 'installer', nowMs);
    return { username: INSTALLER_USERNAME, password };
  }

  private lookup(username: string): { hash: string; role: MqttUserConfig['role'] } | undefined {
    const fromConfig = this.config.mqttUsers.find((u) => u.username === username);
    if (fromConfig) return { hash: fromConfig.passwordHash, role: fromConfig.role };
    const row = this.db.prepare('SELECT password_hash, role FROM mqtt_credentials WHERE username = ?').get(username) as
      | { password_hash: string; role: MqttUserConfig['role'] }
      | undefined;
    return row ? { hash: row.password_hash, role: row.role } : undefined;
  }

  /** Anonymous only from loopback; otherwise username and password checked against a stored scrypt hash. */
  async authenticate(remoteAddress: string | undefined, username: string | undefined, password: Buffer | undefined): Promise<AuthResult> {
    if (username === undefined || username === '') {
      return isLoopback(remoteAddress) && !password ? { ok: true, identity: { username: undefined, role: 'local' } } : { ok: false, returnCode: NOT_AUTHORIZED };
    }
    const entry = this.lookup(username);
    // Verified even for an unknown user (against a dummy hash) so timing does not reveal which usernames exist.
    const ok = await verifyPassword(password?.toString('utf8') ?? '', entry?.hash);
    return ok && entry ? { ok: true, identity: { username, role: entry.role } } : { ok: false, returnCode: BAD_USERNAME_OR_PASSWORD };
  }
}

/** Whether a client may publish on `topic`. Alerts, pre-alerts and hub status are the hub's alone. */
export function canPublish(identity: MqttIdentity, topic: string): boolean {
  if (topic.startsWith('$SYS')) return false;
  if (isHubOnlyTopic(topic)) return false;
  if (topic.startsWith('telecare/') && parseAlertAckTopic(topic)) return identity.role === 'responder' || identity.role === 'installer';
  // A responder's credential is for acknowledging alerts, not for injecting sensor data.
  return identity.role !== 'responder';
}

/** Whether a subscription filter could receive alert messages (`telecare/<home>/alerts/...`). */
function couldMatchAlerts(filter: string): boolean {
  const f = filter.split('/');
  if (f[0] === '#') return true;
  if (f[0] !== 'telecare' && f[0] !== '+') return false;
  if (f[1] === '#') return true;
  return f.length >= 3 && (f[2] === 'alerts' || f[2] === '+' || f[2] === '#');
}

/** Devices and serial bridges see no alerts (they carry personal data); people and local tools do. */
export function canSubscribe(identity: MqttIdentity, filter: string): boolean {
  if (identity.role === 'device' || identity.role === 'bridge') return !couldMatchAlerts(filter);
  return true;
}
