// The hub's configuration beyond the homes: responders and their webhook secrets, escalation ladders, MQTT users. Not the rules' business.
import type { HomeConfig } from '../rules/types.js';
import type { Role } from '../rules/vocabulary.js';

export interface ResponderConfig {
  id: string;
  /** Responder group this responder belongs to; ladders escalate group by group. */
  group: string;
  /** Outgoing webhook for call-centre platforms: JSON POST signed with HMAC-SHA256 (timestamp and body). */
  webhook?: { url: string; secret: string; allowPrivateNetwork?: boolean; allowPlainHttp?: boolean };
}

export interface EscalationLevel {
  group: string;
  /** Seconds this level has to acknowledge before the alert goes to the next level. */
  timeoutSeconds: number;
}

export interface MqttUserConfig {
  username: string;
  /** scrypt hash as written by the hub (never a clear password). */
  passwordHash: string;
  role: 'installer' | 'device' | 'responder' | 'bridge';
  /** Homes the credential may touch (`"*"`: all). Absent: all for installer and responder, none for device and bridge. */
  homes?: string[];
}

export interface UserConfig {
  username: string;
  passwordHash: string;
  role: Role;
}

export interface HubConfig {
  hub: {
    /** Hub name used in status topics and reports. */
    name: string;
    /** Zigbee2MQTT base topic. */
    zigbeeBaseTopic: string;
  };
  homes: HomeConfig[];
  responders: ResponderConfig[];
  /** Escalation ladders by name; "default" is used when a home names none. */
  escalation: Record<string, EscalationLevel[]>;
  mqttUsers: MqttUserConfig[];
}
